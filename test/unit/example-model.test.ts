import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { tableFromIPC } from 'apache-arrow';

const python = resolve(__dirname, '../../.mlcd/venv/bin/python');
const exampleDir = resolve(__dirname, '../../examples/churn');
const haveVenv = existsSync(python);
const run = promisify(execFile);

const TRAIN_ROWS = 3000;
const EVAL_ROWS = 1500;

/** Runs a script of the example with the venv Python; rejects with stderr on a non-zero exit. */
async function py(script: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(python, [join(exampleDir, script), ...args], {
    cwd: exampleDir,
    timeout: 60_000,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
}

/** Reads an Arrow IPC file into plain columns. */
function readArrow(path: string): { names: string[]; rows: number; col: (name: string) => unknown[] } {
  const table = tableFromIPC(readFileSync(path));
  return {
    names: table.schema.fields.map((f) => f.name),
    rows: table.numRows,
    col: (name) =>
      Array.from<unknown, unknown>(table.getChild(name) ?? [], (v) =>
        typeof v === 'bigint' ? Number(v) : v,
      ),
  };
}

/** Rank-based AUC (Mann-Whitney U), ties get their average rank. */
function auc(labels: number[], scores: number[]): number {
  const idx = scores.map((s, i) => [s, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    for (let k = i; k <= j; k++) ranks[idx[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  const rankSum = labels.reduce((acc, l, i) => acc + (l === 1 ? ranks[i]! : 0), 0);
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

const suite = haveVenv ? describe : describe.skip;

suite(
  haveVenv
    ? 'example churn model (examples/churn)'
    : `example churn model: SKIPPED, no venv Python at ${python} (run npm run setup)`,
  () => {
    let dir: string;
    let server: ChildProcess | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mlcd-example-'));
      const common = [
        '--rows',
        String(TRAIN_ROWS),
        '--eval-rows',
        String(EVAL_ROWS),
        '--reference-rows',
        '500',
        '--seed',
        '11',
      ];
      await Promise.all([
        py('generate_data.py', ['--out', join(dir, 'clean'), ...common]),
        py('generate_data.py', ['--out', join(dir, 'corrupt'), ...common, '--fault', 'corrupt']),
      ]);
      const clean = [
        '--train',
        join(dir, 'clean', 'train.arrow'),
        '--eval',
        join(dir, 'clean', 'eval.arrow'),
      ];
      await Promise.all([
        py('model.py', ['train', ...clean, '--out', join(dir, 'good'), '--serve-fault', 'errors']),
        py('model.py', ['train', ...clean, '--out', join(dir, 'bad'), '--fault', 'bad-model']),
      ]);
    }, 120_000);

    afterAll(() => {
      server?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });

    test('generate_data writes the three Arrow files and eval.csv with the expected schema', () => {
      for (const f of ['train.arrow', 'eval.arrow', 'reference.arrow', 'eval.csv'])
        expect(existsSync(join(dir, 'clean', f))).toBe(true);
      const train = readArrow(join(dir, 'clean', 'train.arrow'));
      expect(train.names).toEqual([
        'tenure_months',
        'monthly_charges',
        'support_calls',
        'usage_gb',
        'plan',
        'region',
        'churned',
      ]);
      expect(train.rows).toBe(TRAIN_ROWS);
      const churned = train.col('churned') as number[];
      const rate = churned.reduce((a, b) => a + b, 0) / churned.length;
      expect(rate).toBeGreaterThan(0.2);
      expect(rate).toBeLessThan(0.4);
      const tenure = train.col('tenure_months') as number[];
      expect(Math.min(...tenure)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...tenure)).toBeLessThanOrEqual(120);
      expect(new Set(train.col('plan'))).toEqual(new Set(['basic', 'standard', 'premium']));
      expect(train.col('usage_gb').filter((v) => v === null).length).toBeGreaterThan(0);
      expect(train.col('monthly_charges').filter((v) => v === null).length).toBe(0);
    });

    test('--fault corrupt breaks the validation rules: null charges, negative tenure, plan "gold"', () => {
      const train = readArrow(join(dir, 'corrupt', 'train.arrow'));
      expect(train.col('monthly_charges').filter((v) => v === null).length).toBeGreaterThan(0);
      expect(Math.min(...(train.col('tenure_months') as number[]))).toBeLessThan(0);
      expect(train.col('plan')).toContain('gold');
    });

    test('train writes model/ and baseline/ with metadata and serve_fault.json', () => {
      for (const sub of ['model', 'baseline']) {
        for (const f of ['model.joblib', 'metadata.json', 'serve_fault.json'])
          expect(existsSync(join(dir, 'good', sub, f))).toBe(true);
      }
      const meta = JSON.parse(readFileSync(join(dir, 'good', 'model', 'metadata.json'), 'utf8'));
      expect(meta.model_type).toBe('HistGradientBoostingClassifier');
      expect(meta.features).toEqual([
        'tenure_months',
        'monthly_charges',
        'support_calls',
        'usage_gb',
        'plan',
        'region',
      ]);
      expect(meta.metrics.eval.auc_roc).toBeGreaterThan(0.75);
      expect(JSON.parse(readFileSync(join(dir, 'good', 'model', 'serve_fault.json'), 'utf8'))).toEqual({
        kind: 'errors',
        error_rate: 0.3,
      });
      expect(JSON.parse(readFileSync(join(dir, 'good', 'baseline', 'serve_fault.json'), 'utf8'))).toEqual({
        kind: 'none',
      });
    });

    test('score writes predictions for candidate and baseline; the candidate beats the baseline; bad-model is near chance', async () => {
      const data = join(dir, 'clean', 'eval.arrow');
      const outs = {
        good: join(dir, 'pred-good.arrow'),
        base: join(dir, 'pred-base.arrow'),
        bad: join(dir, 'pred-bad.arrow'),
      };
      await Promise.all([
        py('model.py', ['score', '--model', join(dir, 'good', 'model'), '--data', data, '--out', outs.good]),
        py('model.py', [
          'score',
          '--model',
          join(dir, 'good', 'baseline'),
          '--data',
          data,
          '--out',
          outs.base,
        ]),
        py('model.py', ['score', '--model', join(dir, 'bad', 'model'), '--data', data, '--out', outs.bad]),
      ]);
      const aucs: Record<string, number> = {};
      for (const [name, path] of Object.entries(outs)) {
        const p = readArrow(path);
        expect(p.names).toEqual(['churned', 'score', 'plan', 'region']);
        expect(p.rows).toBe(EVAL_ROWS);
        const scores = p.col('score') as number[];
        expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
        aucs[name] = auc(p.col('churned') as number[], scores);
      }
      expect(aucs.good).toBeGreaterThan(aucs.base! + 0.03);
      expect(aucs.bad).toBeLessThan(0.6);
    });

    test('score exits 2 naming the missing feature column', async () => {
      // eval.csv minus usage_gb: write it with the venv's pyarrow to keep the test honest.
      const noCol = join(dir, 'no-usage.arrow');
      await run(python, [
        '-c',
        `import pyarrow as pa, pyarrow.ipc as ipc
t = ipc.open_file(pa.memory_map(${JSON.stringify(join(dir, 'clean', 'eval.arrow'))})).read_all().drop_columns(['usage_gb'])
with ipc.new_file(${JSON.stringify(noCol)}, t.schema) as w: w.write_table(t)`,
      ]);
      const err = await py('model.py', [
        'score',
        '--model',
        join(dir, 'good', 'model'),
        '--data',
        noCol,
        '--out',
        join(dir, 'x.arrow'),
      ]).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 2 });
      expect((err as { stderr: string }).stderr).toContain('missing feature column(s): usage_gb');
    });

    test('serve answers /healthz and /predict on 127.0.0.1, rejects bad requests, stops on SIGTERM', async () => {
      const port = await freePort();
      // The baseline has no serve fault, so every /predict succeeds.
      const proc = spawn(
        python,
        [
          join(exampleDir, 'model.py'),
          'serve',
          '--model',
          join(dir, 'good', 'baseline'),
          '--port',
          String(port),
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      server = proc;
      let stderr = '';
      proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const base = `http://127.0.0.1:${port}`;
      let health: Response | undefined;
      for (let i = 0; i < 100 && !health; i++) {
        health = await fetch(`${base}/healthz`).catch(() => undefined);
        if (!health) await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.status).toBe(200);
      expect(await health?.json()).toMatchObject({ status: 'ok' });

      const row = {
        tenure_months: 3,
        monthly_charges: 90.5,
        support_calls: 6,
        usage_gb: null,
        plan: 'basic',
        region: 'south',
      };
      const ok = await fetch(`${base}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rows: [row, { ...row, tenure_months: 60, support_calls: 0 }] }),
      });
      expect(ok.status).toBe(200);
      const { scores } = (await ok.json()) as { scores: number[] };
      expect(scores).toHaveLength(2);
      expect(scores[0]).toBeGreaterThan(scores[1]!);

      const missing = await fetch(`${base}/predict`, {
        method: 'POST',
        body: JSON.stringify({ rows: [{ tenure_months: 3 }] }),
      });
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { error: string }).error).toContain('missing feature column(s)');
      const garbage = await fetch(`${base}/predict`, { method: 'POST', body: 'not json' });
      expect(garbage.status).toBe(400);

      const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      server = undefined;
      expect(stderr).toBe(''); // quiet: no per-request log lines
    });

    test('serve applies serve_fault.json: errors → some 500s', async () => {
      const port = await freePort();
      const proc = spawn(
        python,
        [
          join(exampleDir, 'model.py'),
          'serve',
          '--model',
          join(dir, 'good', 'model'),
          '--port',
          String(port),
        ],
        { stdio: 'ignore' },
      );
      server = proc;
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 100; i++) {
        if (
          await fetch(`${base}/healthz`).then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const row = {
        tenure_months: 3,
        monthly_charges: 90.5,
        support_calls: 6,
        usage_gb: 12,
        plan: 'basic',
        region: 'south',
      };
      const codes: number[] = [];
      for (let i = 0; i < 40; i++)
        codes.push(
          (await fetch(`${base}/predict`, { method: 'POST', body: JSON.stringify({ rows: [row] }) })).status,
        );
      const errors = codes.filter((c) => c === 500).length;
      expect(errors).toBeGreaterThan(3);
      expect(errors).toBeLessThan(25);
      expect(codes.every((c) => c === 200 || c === 500)).toBe(true);
      const exited = new Promise((res) => proc.once('exit', res));
      proc.kill('SIGTERM');
      await exited;
      server = undefined;
    });
  },
);
