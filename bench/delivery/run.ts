/**
 * `npm run bench:delivery`, in two parts (`--parts router,release`):
 *
 * - **router**: what the local serving router adds to a prediction's latency, and the highest
 *   rate it sustains, against calling the same model server directly. The serving daemon runs in
 *   this process (it is idle otherwise: it only waits for the client); it starts one model server
 *   (model-server.ts). Each measurement is one load-client.ts process sending an open-loop load
 *   either straight to that model server's `/predict` (direct) or to the router's
 *   `/v1/models/bench/predict` (router), so both paths end at the very same process.
 * - **release**: on a Temporal dev server, the orchestration overhead of whole releases with
 *   no-op jobs, and breach-to-rollback latency with the local and the Prometheus metrics source
 *   (release-bench.ts).
 *
 * See README.md for the method.
 *
 * Usage: node dist/bench/delivery/run.js [--parts router,release] [--rounds 3] [--rate 1000] …
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startServingDaemon, type ServingDaemon } from '../../src/serving/daemon';
import { installShutdownHandlers } from '../../src/serving/shutdown';
import { ROUTER_TIME_HEADER, VERSION_HEADER } from '../../src/serving/types';
import { highestSustained, spread, sustains, type Spread, type SustainCriteria } from './latency-stats';
import type { LoadClientConfig } from './load-client';
import type { OpenLoopResult } from './open-loop';
import { runReleaseBench, type ReleaseBenchResult } from './release-bench';
import { releaseMarkdown } from './release-report';
import { startBareForwarder } from './bare-forwarder';
import { readCpuTimes, stealPercent } from './cpu-steal';
import { startNginxForwarder } from './nginx-forwarder';
import { findNginx, findNjsModule } from '../../src/serving/nginx/binary';
import { workerPids } from '../../src/serving/nginx/data-plane';

const ROOT = join(__dirname, '..', '..', '..');
const MODEL = 'bench';
const VERSION = 'v1';
/** The issue's target: added p99 under 1 ms at 1,000 requests/s. */
const TARGET_ADDED_P99_MS = 1;

/** A handful of churn-like rows, one per request, round-robin; `score` is what the model server answers. */
const ROWS: Array<Record<string, unknown>> = Array.from({ length: 8 }, (_, i) => ({
  tenure_months: 3 + 7 * i,
  monthly_charges: 20 + 9.5 * i,
  plan: ['basic', 'standard', 'premium'][i % 3],
  support_calls: i % 4,
  score: Math.round((0.1 + 0.1 * i) * 100) / 100,
}));

/** The bench's parts: the router's overhead (no Temporal), and releases on a Temporal dev server. */
const PARTS = ['router', 'release'] as const;

const optionsSchema = z.object({
  rounds: z.number().int().min(1).max(20),
  rate: z.number().finite().positive().max(50_000),
  durationS: z.number().finite().positive().max(300),
  warmupS: z.number().finite().min(0).max(30),
  steps: z
    .array(z.number().finite().positive().max(50_000))
    .min(1)
    .max(12)
    .refine((s) => s.every((v, i) => i === 0 || v > (s[i - 1] as number)), 'must be ascending'),
  stepDurationS: z.number().finite().positive().max(60),
  stepRetries: z.number().int().min(0).max(3),
  p99BoundMs: z.number().finite().positive().max(10_000),
  connections: z.number().int().min(1).max(1024),
  out: z.string().min(1),
  parts: z.array(z.enum(PARTS)).min(1),
  releaseRuns: z.number().int().min(0).max(50),
  rollbackRuns: z.number().int().min(0).max(20),
  rollbackSources: z.array(z.enum(['local', 'prometheus'])).min(1),
  faults: z.array(z.enum(['errors', 'slow'])).min(1),
  analysisIntervalMs: z.number().int().min(100).max(60_000),
  scrapeIntervalMs: z.number().int().min(100).max(60_000),
  releaseLoadRate: z.number().finite().positive().max(2_000),
  /** The data planes the release part runs on, one whole stack each; nginx is left out (with a note) where it cannot run. */
  releaseDataPlanes: z.array(z.enum(['node', 'nginx'])).min(1),
  /** `auto` (nginx on PATH or in /usr/sbin, skipped when absent), `off`, or the binary's path. */
  nginx: z.string().min(1),
  trace: z.boolean(),
});
type BenchOptions = z.infer<typeof optionsSchema>;

/** The command line, checked: an error names the option, the value and what was expected. */
function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '3' },
      rate: { type: 'string', default: '1000' },
      'duration-s': { type: 'string', default: '20' },
      'warmup-s': { type: 'string', default: '2' },
      steps: { type: 'string', default: '100,200,300,500,700,1000,1500,2000,3000,4000,6000,8000' },
      'step-retries': { type: 'string', default: '1' },
      'step-duration-s': { type: 'string', default: '5' },
      'p99-bound-ms': { type: 'string', default: '50' },
      connections: { type: 'string', default: '32' },
      out: { type: 'string', default: join(ROOT, 'bench', 'delivery', 'results.json') },
      parts: { type: 'string', default: 'router,release' },
      'release-runs': { type: 'string', default: '5' },
      'rollback-runs': { type: 'string', default: '3' },
      'rollback-sources': { type: 'string', default: 'local,prometheus' },
      faults: { type: 'string', default: 'errors,slow' },
      'analysis-interval-ms': { type: 'string', default: '1000' },
      'scrape-interval-ms': { type: 'string', default: '1000' },
      'release-load-rate': { type: 'string', default: '100' },
      'release-data-planes': { type: 'string', default: 'node,nginx' },
      nginx: { type: 'string', default: 'auto' },
      trace: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const num = (s: string): number => (s.trim() === '' ? NaN : Number(s));
  const raw = {
    rounds: num(values.rounds),
    rate: num(values.rate),
    durationS: num(values['duration-s']),
    warmupS: num(values['warmup-s']),
    steps: values.steps.split(',').map(num),
    stepDurationS: num(values['step-duration-s']),
    stepRetries: num(values['step-retries']),
    p99BoundMs: num(values['p99-bound-ms']),
    connections: num(values.connections),
    out: values.out,
    parts: values.parts.split(','),
    releaseRuns: num(values['release-runs']),
    rollbackRuns: num(values['rollback-runs']),
    rollbackSources: values['rollback-sources'].split(','),
    faults: values.faults.split(','),
    analysisIntervalMs: num(values['analysis-interval-ms']),
    scrapeIntervalMs: num(values['scrape-interval-ms']),
    releaseLoadRate: num(values['release-load-rate']),
    releaseDataPlanes: values['release-data-planes'].split(','),
    nginx: values.nginx,
    trace: values.trace,
  };
  const parsed = optionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? '');
    const flag = '--' + field.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
    const given =
      field in values ? values[field as keyof typeof values] : JSON.stringify(raw[field as keyof typeof raw]);
    throw new Error(`bench:delivery: ${flag} ${String(given)}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** What the load client prints; NaN travels as null in JSON. */
const summarySchema = z.object({
  count: z.number(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p99: z.number().nullable(),
  p999: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
});
const clientResultSchema = z.object({
  offeredPerSecond: z.number(),
  offered: z.number(),
  ok: z.number(),
  errors: z.number(),
  dropped: z.number(),
  achievedPerSecond: z.number(),
  latencyMs: summarySchema,
  serviceMs: summarySchema,
  sendLagMs: summarySchema,
  headerMs: summarySchema.optional(),
  clientCpuMs: z.number(),
  firstError: z.string().optional(),
});

/**
 * `router` is the daemon's own (Node) router, `routerNginx` the same daemon's nginx data plane;
 * `bare` and `nginx` are plain forwarders, peers that price the hop.
 */
type PathName = 'direct' | 'bare' | 'router' | 'nginx' | 'routerNginx';
/** The rate ladder climbs the paths the issue compares (both data planes); the forwarders are peers of the overhead rounds only. */
type LadderPath = 'direct' | 'router' | 'routerNginx';

interface BenchPath {
  name: PathName;
  url: string;
  requiredHeader?: string;
  /** A header with the server's own time on each answer, ms (the router's `x-mlcd-router-ms`). */
  timingHeader?: string;
}

/** One client run with what the machine did meanwhile. */
interface RunRecord extends OpenLoopResult {
  path: PathName;
  /** CPU time of this process, i.e. of the router (near zero on the direct path), ms. */
  routerCpuMs: number;
  /** CPU time of the model server process over the run, ms (from /proc; null elsewhere). */
  modelServerCpuMs: number | null;
  /** CPU time of the nginx peer over the run, ms (null without it or without /proc). */
  nginxCpuMs: number | null;
  /** CPU time of the nginx data plane's master and workers over the run, ms (null without it or without /proc). */
  planeCpuMs: number | null;
  /** 1-minute load average after the run: other work on the machine shows here. */
  loadAvg1: number;
  /** Percent of the machine's CPU time the hypervisor took for other guests during the run (null: no /proc/stat). */
  stealPercent: number | null;
}

const nan = (v: number | null): number => (v === null ? NaN : v);

/** Starts one load-client process and returns its result; kills it if it outlives its own bounds by 15 s. */
async function runClient(
  path: BenchPath,
  rate: number,
  warmupMs: number,
  durationMs: number,
  o: BenchOptions,
  pids: { modelServer: number | null; nginx: number | null; plane: number | null },
): Promise<RunRecord> {
  const config: LoadClientConfig = {
    url: path.url,
    rows: ROWS,
    ratePerSecond: rate,
    warmupMs,
    durationMs,
    connections: o.connections,
    // Enough for 2 s of backlog at the rate: beyond that the path is plainly not keeping up.
    maxInFlight: Math.max(100, Math.ceil(rate * 2)),
    requestTimeoutMs: 5_000,
    drainTimeoutMs: 5_000,
    ...(path.requiredHeader === undefined ? {} : { requiredHeader: path.requiredHeader }),
    ...(path.timingHeader === undefined ? {} : { timingHeader: path.timingHeader }),
  };
  const cpu0 = process.cpuUsage();
  const ms0 = processCpuMs(pids.modelServer);
  const ng0 = processCpuMs(pids.nginx);
  const pl0 = groupCpuMs(pids.plane);
  const steal0 = readCpuTimes();
  const child = spawn(process.execPath, [join(__dirname, 'load-client.js'), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killer = setTimeout(
    () => child.kill('SIGKILL'),
    warmupMs + durationMs + config.drainTimeoutMs + config.requestTimeoutMs + 15_000,
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  });
  clearTimeout(killer);
  const cpu = process.cpuUsage(cpu0);
  const ms1 = processCpuMs(pids.modelServer);
  const ng1 = processCpuMs(pids.nginx);
  const pl1 = groupCpuMs(pids.plane);
  const steal = stealPercent(steal0, readCpuTimes());
  if (code !== 0)
    throw new Error(
      `load client (${path.name}, ${rate}/s) ended with ${signal ?? `exit code ${code}`}: ${stderr.trim().slice(-500)}`,
    );
  let json: unknown;
  try {
    json = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  } catch {
    throw new Error(
      `load client (${path.name}, ${rate}/s) printed no JSON result: ${stdout.slice(-300)} ${stderr.slice(-300)}`,
    );
  }
  const parsed = clientResultSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(
      `load client (${path.name}, ${rate}/s) result invalid: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  const { headerMs, ...r } = parsed.data;
  const summary = (s: z.infer<typeof summarySchema>) => ({
    count: s.count,
    p50: nan(s.p50),
    p90: nan(s.p90),
    p99: nan(s.p99),
    p999: nan(s.p999),
    max: nan(s.max),
    mean: nan(s.mean),
  });
  return {
    path: path.name,
    ...r,
    latencyMs: summary(r.latencyMs),
    serviceMs: summary(r.serviceMs),
    sendLagMs: summary(r.sendLagMs),
    ...(headerMs === undefined ? {} : { headerMs: summary(headerMs) }),
    routerCpuMs: (cpu.user + cpu.system) / 1000,
    modelServerCpuMs: ms0 === null || ms1 === null ? null : ms1 - ms0,
    nginxCpuMs: ng0 === null || ng1 === null ? null : ng1 - ng0,
    planeCpuMs: pl0 === null || pl1 === null ? null : pl1 - pl0,
    loadAvg1: loadavg()[0] ?? NaN,
    stealPercent: steal,
  };
}

let clockTicks: number | null | undefined;
/** utime + stime of a process from /proc/<pid>/stat, ms; null when that cannot be read (not Linux). */
function processCpuMs(pid: number | null): number | null {
  if (pid === null || !existsSync(`/proc/${pid}/stat`)) return null;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || null;
    if (clockTicks === null) return null;
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1000;
  } catch {
    return null;
  }
}

/** CPU time of an nginx master and its workers, ms; null when unreadable. */
function groupCpuMs(master: number | null): number | null {
  if (master === null) return null;
  let total = 0;
  for (const pid of [master, ...workerPids(master)]) {
    const ms = processCpuMs(pid);
    if (ms === null) return null;
    total += ms;
  }
  return total;
}

async function adminJson(method: string, url: string, body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} answered HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

const modelsViewSchema = z.object({
  models: z.array(
    z.object({
      model: z.string(),
      versions: z.array(
        z.object({ version: z.string(), endpoint: z.string().nullable(), pid: z.number().nullable() }),
      ),
    }),
  ),
});

/** Deploys the bench model server behind the router with all the traffic; returns its endpoint and pid. */
async function deployModelServer(daemon: ServingDaemon): Promise<{ endpoint: string; pid: number | null }> {
  const script = join(__dirname, 'model-server.js');
  if (!existsSync(script))
    throw new Error(`${script} is missing: run \`npm run build\` first (npm run bench:delivery does)`);
  await adminJson('PUT', `${daemon.url}/admin/models/${MODEL}/versions/${VERSION}`, {
    artifactUri: 'bench://echo',
    serving: {
      command: [process.execPath, script, '--port', '{port}'],
      env: {},
      cwd: __dirname,
      startupTimeoutMs: 10_000,
    },
  });
  await adminJson('PUT', `${daemon.url}/admin/models/${MODEL}/weights`, { weights: { [VERSION]: 100 } });
  const view = modelsViewSchema.parse(await adminJson('GET', `${daemon.url}/admin/models`));
  const v = view.models.find((m) => m.model === MODEL)?.versions.find((x) => x.version === VERSION);
  if (!v?.endpoint)
    throw new Error(`the router lists no running endpoint for ${MODEL} ${VERSION}: ${JSON.stringify(view)}`);
  return { endpoint: v.endpoint, pid: v.pid };
}

/** A path must answer the same scores for the same row as direct; the router must name the version. */
async function checkPathsAgree(direct: BenchPath, other: BenchPath): Promise<void> {
  const body = JSON.stringify({ rows: [ROWS[1]] });
  const post = (url: string) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const [d, r] = await Promise.all([post(direct.url), post(other.url)]);
  const [dt, rt] = await Promise.all([d.text(), r.text()]);
  if (d.status !== 200 || r.status !== 200 || dt !== rt) {
    throw new Error(
      `direct and ${other.name} answers differ: direct HTTP ${d.status} ${dt.slice(0, 200)}, ${other.name} HTTP ${r.status} ${rt.slice(0, 200)}`,
    );
  }
  if (other.requiredHeader !== undefined && r.headers.get(other.requiredHeader) !== VERSION)
    throw new Error(`${other.name} answer lacks ${other.requiredHeader}: ${VERSION}`);
}

function gitCommit(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
    }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return { commit: null, dirty: null };
  }
}

const f = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const fs = (s: Spread, digits = 2): string =>
  `${f(s.median, digits)} (${f(s.min, digits)} – ${f(s.max, digits)})`;
const log = (line: string): void => void process.stderr.write(`[bench:delivery] ${line}\n`);
const brief = (r: RunRecord): string =>
  `${r.path.padEnd(6)} ${r.offeredPerSecond}/s: achieved ${r.achievedPerSecond.toFixed(0)}/s, p50 ${f(r.latencyMs.p50, 3)} ms, p99 ${f(r.latencyMs.p99, 3)} ms, errors ${r.errors}, dropped ${r.dropped}, load ${r.loadAvg1.toFixed(2)}${r.stealPercent === null ? '' : `, steal ${r.stealPercent.toFixed(1)} %`}${r.firstError ? ` (${r.firstError})` : ''}`;

/** One path's latency percentiles and achieved rate, each as its spread over the rounds. */
function pathSpread(runs: RunRecord[]) {
  return {
    p50Ms: spread(runs.map((r) => r.latencyMs.p50)),
    p99Ms: spread(runs.map((r) => r.latencyMs.p99)),
    p999Ms: spread(runs.map((r) => r.latencyMs.p999)),
    achievedPerSecond: spread(runs.map((r) => r.achievedPerSecond)),
  };
}

/**
 * The figures of a path not every machine runs (the nginx peer, the nginx data plane) over the
 * rounds, each of which ran it: its percentiles, what it added to direct within each round, and
 * its CPU per request as each of `cpu` measures it.
 */
function optionalPathOverhead<C extends string>(
  rounds: Array<{ direct: RunRecord; nginx?: RunRecord; routerNginx?: RunRecord }>,
  path: 'nginx' | 'routerNginx',
  cpu: Record<C, (r: RunRecord) => number>,
) {
  const runs = rounds.map((r) => {
    const run = r[path];
    if (run === undefined) throw new Error(`bench:delivery: a round ran without the ${path} path`);
    return { direct: r.direct, run };
  });
  const over = (fn: (r: (typeof runs)[number]) => number): Spread => spread(runs.map(fn));
  const cpuSpreads = Object.fromEntries(
    Object.entries<(r: RunRecord) => number>(cpu).map(([name, fn]) => [name, over((r) => fn(r.run))]),
  ) as Record<C, Spread>;
  return {
    ...pathSpread(runs.map((r) => r.run)),
    addedP50Ms: over((r) => r.run.latencyMs.p50 - r.direct.latencyMs.p50),
    addedP99Ms: over((r) => r.run.latencyMs.p99 - r.direct.latencyMs.p99),
    ...cpuSpreads,
  };
}

type PathOverhead = ReturnType<typeof pathSpread> & { addedP50Ms: Spread; addedP99Ms: Spread };

/** Part 1: the router's added latency and highest sustained rate, against the model server directly. */
async function routerPart(o: BenchOptions) {
  const loadStart = loadavg();
  const stateDir = mkdtempSync(join(tmpdir(), 'mlcd-bench-delivery-'));
  const daemonLog: string[] = [];
  // With nginx and its njs module the daemon runs the nginx data plane: predictions to its URL go
  // through nginx, to its control URL through its own router, so one daemon gives both paths.
  const nginxBin = o.nginx === 'off' ? null : findNginx(o.nginx);
  const njsModule = nginxBin === null ? null : findNjsModule();
  const daemon = await startServingDaemon({
    port: 0,
    stateDir,
    log: (l) => daemonLog.length < 200 && daemonLog.push(l),
    ...(nginxBin !== null && njsModule !== null
      ? { dataPlane: 'nginx' as const, nginx: nginxBin, njsModule }
      : {}),
  });
  const removeHandlers = installShutdownHandlers(daemon, { log });
  let closeForwarder: (() => Promise<void>) | undefined;
  let closeNginx: (() => Promise<void>) | undefined;
  try {
    const server = await deployModelServer(daemon);
    const direct: BenchPath = { name: 'direct', url: `${server.endpoint}/predict` };
    const router: BenchPath = {
      name: 'router',
      url: `${daemon.controlUrl}/v1/models/${MODEL}/predict`,
      requiredHeader: VERSION_HEADER,
      timingHeader: ROUTER_TIME_HEADER,
    };
    await checkPathsAgree(direct, router);
    let routerNginx: BenchPath | undefined;
    if (daemon.dataPlane === 'nginx') {
      routerNginx = {
        name: 'routerNginx',
        url: `${daemon.url}/v1/models/${MODEL}/predict`,
        requiredHeader: VERSION_HEADER,
      };
      await checkPathsAgree(direct, routerNginx);
    } else {
      log(
        nginxBin === null
          ? 'nginx off or not found: the nginx data plane and the native-proxy peer are left out'
          : 'the njs module (libnginx-mod-http-js) is not installed: the nginx data plane is left out',
      );
    }
    // The peer: a bare node:http forwarder to the same model server, in this process as the router.
    const forwarder = await startBareForwarder(server.endpoint);
    closeForwarder = () => forwarder.close();
    const bare: BenchPath = { name: 'bare', url: `${forwarder.url}/predict` };
    await checkPathsAgree(direct, bare);
    // The native peer: nginx forwarding to the same model server, when installed; it prices the
    // hop itself (kernel, loopback, a second process) at a native proxy's CPU cost.
    let nginx: (BenchPath & { pid: number }) | undefined;
    if (nginxBin !== null) {
      const proxy = await startNginxForwarder(nginxBin, server.endpoint);
      closeNginx = () => proxy.close();
      nginx = { name: 'nginx', url: `${proxy.url}/predict`, pid: proxy.pid };
      await checkPathsAgree(direct, nginx);
    }
    const pids = { modelServer: server.pid, nginx: nginx?.pid ?? null, plane: daemon.dataPlanePid };
    log(
      `model server ${server.endpoint} (pid ${server.pid ?? '?'}), router ${daemon.url}; ${cpus().length} cores, load ${loadStart.map((l) => l.toFixed(2)).join(' ')}`,
    );

    // 1. Overhead at one rate. The order rotates (direct, bare, router; then bare, router, direct;
    // …) so a slow drift of the machine's background load favours no path.
    const rounds: Array<{
      round: number;
      order: PathName[];
      direct: RunRecord;
      bare: RunRecord;
      router: RunRecord;
      nginx?: RunRecord;
      routerNginx?: RunRecord;
    }> = [];
    const paths: BenchPath[] = [
      direct,
      bare,
      router,
      ...(routerNginx ? [routerNginx] : []),
      ...(nginx ? [nginx] : []),
    ];
    for (let round = 1; round <= o.rounds; round++) {
      const order = paths.map((_, i) => paths[(i + round - 1) % paths.length] as BenchPath);
      const got: Partial<Record<PathName, RunRecord>> = {};
      for (const p of order) {
        const r = await runClient(p, o.rate, o.warmupS * 1000, o.durationS * 1000, o, pids);
        got[p.name] = r;
        log(`round ${round}/${o.rounds} ${brief(r)}`);
      }
      rounds.push({
        round,
        order: order.map((p) => p.name),
        direct: got.direct as RunRecord,
        bare: got.bare as RunRecord,
        router: got.router as RunRecord,
        ...(got.nginx ? { nginx: got.nginx } : {}),
        ...(got.routerNginx ? { routerNginx: got.routerNginx } : {}),
      });
    }
    const over = (fn: (r: (typeof rounds)[number]) => number): Spread => spread(rounds.map(fn));
    // CPU is measured over the whole client run, so it is divided by the warm-up's requests too.
    const perRequestUs = (r: RunRecord, cpuMs: number | null): number =>
      cpuMs === null ? NaN : (cpuMs * 1000) / (r.offered + Math.floor(r.offeredPerSecond * o.warmupS));
    const overhead = {
      ratePerSecond: o.rate,
      durationS: o.durationS,
      warmupS: o.warmupS,
      direct: pathSpread(rounds.map((r) => r.direct)),
      bare: pathSpread(rounds.map((r) => r.bare)),
      router: pathSpread(rounds.map((r) => r.router)),
      // Per round (the two runs closest in time), then the spread over rounds.
      addedP50Ms: over((r) => r.router.latencyMs.p50 - r.direct.latencyMs.p50),
      addedP99Ms: over((r) => r.router.latencyMs.p99 - r.direct.latencyMs.p99),
      addedServiceP50Ms: over((r) => r.router.serviceMs.p50 - r.direct.serviceMs.p50),
      addedServiceP99Ms: over((r) => r.router.serviceMs.p99 - r.direct.serviceMs.p99),
      // The bare forwarder against direct (what any Node forwarder adds here), and the router
      // against the bare forwarder (what routing and its bookkeeping add on top).
      bareAddedP50Ms: over((r) => r.bare.latencyMs.p50 - r.direct.latencyMs.p50),
      bareAddedP99Ms: over((r) => r.bare.latencyMs.p99 - r.direct.latencyMs.p99),
      routerOverBareP50Ms: over((r) => r.router.latencyMs.p50 - r.bare.latencyMs.p50),
      routerOverBareP99Ms: over((r) => r.router.latencyMs.p99 - r.bare.latencyMs.p99),
      // What the router reports as its own time on each answer (x-mlcd-router-ms): its work from
      // handler to answer, without the model server's call and without the waits outside its
      // event loop (the kernel, the CPU busy with the client or the model server).
      routerOwnP50Ms: over((r) => r.router.headerMs?.p50 ?? NaN),
      routerOwnP99Ms: over((r) => r.router.headerMs?.p99 ?? NaN),
      routerOwnP999Ms: over((r) => r.router.headerMs?.p999 ?? NaN),
      bareCpuUsPerRequest: over((r) => perRequestUs(r.bare, r.bare.routerCpuMs)),
      routerCpuUsPerRequest: over((r) => perRequestUs(r.router, r.router.routerCpuMs)),
      modelServerCpuUsPerRequest: {
        direct: over((r) => perRequestUs(r.direct, r.direct.modelServerCpuMs)),
        router: over((r) => perRequestUs(r.router, r.router.modelServerCpuMs)),
      },
      clientSendLagP99Ms: over((r) => Math.max(r.direct.sendLagMs.p99, r.router.sendLagMs.p99)),
      // Over every run of every path: how much of the CPU the hypervisor held back (NaN without /proc/stat).
      stealPercent: spread(
        rounds.flatMap((r) =>
          [r.direct, r.bare, r.router, r.nginx, r.routerNginx].flatMap((x) =>
            x === undefined ? [] : [nan(x.stealPercent)],
          ),
        ),
      ),
      // nginx against direct: the hop itself at a native proxy's CPU cost (absent without nginx).
      ...(nginx
        ? {
            nginx: optionalPathOverhead(rounds, 'nginx', {
              cpuUsPerRequest: (r) => perRequestUs(r, r.nginxCpuMs),
            }),
          }
        : {}),
      // The daemon's nginx data plane against direct (absent without nginx and njs).
      // Its CPU: nginx's (master and workers) and this process's (the daemon reading the prediction log).
      ...(routerNginx
        ? {
            routerNginx: optionalPathOverhead(rounds, 'routerNginx', {
              nginxCpuUsPerRequest: (r) => perRequestUs(r, r.planeCpuMs),
              daemonCpuUsPerRequest: (r) => perRequestUs(r, r.routerCpuMs),
            }),
          }
        : {}),
      targetAddedP99Ms: TARGET_ADDED_P99_MS,
      /** Whether each data plane's median added p99 is under the target (null: not measured). */
      targetMet: { node: false, nginx: null as boolean | null },
    };
    overhead.targetMet = {
      node: overhead.addedP99Ms.median < TARGET_ADDED_P99_MS,
      nginx: overhead.routerNginx ? overhead.routerNginx.addedP99Ms.median < TARGET_ADDED_P99_MS : null,
    };

    // 2. Highest sustained rate: each path climbs the ladder until a step fails; steps interleave.
    const criteria: SustainCriteria = {
      minAchievedFraction: 0.95,
      maxP99Ms: o.p99BoundMs,
      maxErrorFraction: 0.001,
    };
    const steps: Array<RunRecord & { attempt: number; sustained: boolean; reasons: string[] }> = [];
    const ladder: BenchPath[] = [direct, router, ...(routerNginx ? [routerNginx] : [])];
    const climbing = new Set<PathName>(ladder.map((p) => p.name));
    for (const rate of o.steps) {
      // A failed step is tried again (--step-retries): on this shared machine one burst of other
      // work can spoil a 5 s p99; a path stops climbing when every attempt at a rate failed.
      for (let attempt = 1; attempt <= 1 + o.stepRetries; attempt++) {
        const sustainedAlready = (p: PathName) =>
          steps.some((s) => s.path === p && s.offeredPerSecond === rate && s.sustained);
        const due = ladder.filter((p) => climbing.has(p.name) && !sustainedAlready(p.name));
        for (const p of due) {
          const r = await runClient(p, rate, 1_000, o.stepDurationS * 1000, o, pids);
          const reasons = sustains(
            {
              offeredPerSecond: rate,
              achievedPerSecond: r.achievedPerSecond,
              offered: r.offered,
              failed: r.errors + r.dropped,
              p99Ms: r.latencyMs.p99,
            },
            criteria,
          );
          steps.push({ ...r, attempt, sustained: reasons.length === 0, reasons });
          log(
            `ladder ${brief(r)}${reasons.length === 0 ? '' : ` — not sustained (attempt ${attempt}): ${reasons.join('; ')}`}`,
          );
          if (reasons.length > 0 && attempt === 1 + o.stepRetries) climbing.delete(p.name);
        }
      }
      if (climbing.size === 0) break;
    }
    const highest = (name: PathName) =>
      highestSustained(
        [...new Set(steps.filter((s) => s.path === name).map((s) => s.offeredPerSecond))].map((rate) => ({
          rate,
          sustained: steps.some((s) => s.path === name && s.offeredPerSecond === rate && s.sustained),
        })),
      );
    const maxRate = {
      criteria,
      stepDurationS: o.stepDurationS,
      highestSustainedPerSecond: {
        direct: highest('direct'),
        router: highest('router'),
        routerNginx: routerNginx ? highest('routerNginx') : null,
      },
      topOfLadderReached: {
        direct: climbing.has('direct'),
        router: climbing.has('router'),
        routerNginx: routerNginx ? climbing.has('routerNginx') : false,
      },
      steps,
    };

    return { overhead, rounds, maxRate, markdown: markdown(overhead, maxRate, o) };
  } finally {
    await closeNginx?.();
    await closeForwarder?.();
    await daemon.close();
    removeHandlers();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const loadStart = loadavg();
  const router = o.parts.includes('router') ? await routerPart(o) : undefined;
  const releaseParts: ReleaseBenchResult[] = [];
  if (o.parts.includes('release')) {
    for (const dataPlane of o.releaseDataPlanes) {
      if (
        dataPlane === 'nginx' &&
        (o.nginx === 'off' || findNginx(o.nginx) === null || findNjsModule() === null)
      ) {
        log(
          'release part on the nginx data plane left out: nginx or its njs module (libnginx-mod-http-js) is off or not installed',
        );
        continue;
      }
      releaseParts.push(
        await runReleaseBench(
          {
            orchestrationRuns: o.releaseRuns,
            rollbackRuns: o.rollbackRuns,
            sources: o.rollbackSources,
            faults: o.faults,
            analysisIntervalMs: o.analysisIntervalMs,
            scrapeIntervalMs: o.scrapeIntervalMs,
            loadRate: o.releaseLoadRate,
            trace: o.trace,
            dataPlane,
          },
          log,
        ),
      );
    }
  }
  const releasePart = releaseParts.find((r) => r.dataPlane === 'node');
  const releaseNginx = releaseParts.find((r) => r.dataPlane === 'nginx');
  const { commit, dirty } = gitCommit();
  const results = {
    benchmark: 'bench:delivery (issue #5 item 9: router overhead, release orchestration, breach to rollback)',
    date: startedAt.toISOString(),
    commit,
    dirty,
    node: process.version,
    machine: {
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      os: `${platform()} ${release()}`,
    },
    loadAverage: { start: loadStart, end: loadavg() },
    options: { ...o, out: relative(ROOT, o.out) },
    ...(router ? { overhead: router.overhead, rounds: router.rounds, maxRate: router.maxRate } : {}),
    ...(releasePart ? { release: releasePart } : {}),
    ...(releaseNginx ? { releaseNginx } : {}),
  };
  writeFileSync(o.out, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(
    [router?.markdown, ...releaseParts.map((r) => releaseMarkdown(r))]
      .filter((x) => x !== undefined)
      .join('\n') + `\nResults: ${relative(process.cwd(), o.out)}\n`,
  );
}

function markdown(
  ov: {
    direct: Record<'p50Ms' | 'p99Ms' | 'p999Ms' | 'achievedPerSecond', Spread>;
    bare: Record<'p50Ms' | 'p99Ms' | 'p999Ms' | 'achievedPerSecond', Spread>;
    router: Record<'p50Ms' | 'p99Ms' | 'p999Ms' | 'achievedPerSecond', Spread>;
    addedP50Ms: Spread;
    addedP99Ms: Spread;
    bareAddedP50Ms: Spread;
    bareAddedP99Ms: Spread;
    routerOverBareP50Ms: Spread;
    routerOverBareP99Ms: Spread;
    routerOwnP50Ms: Spread;
    routerOwnP99Ms: Spread;
    routerOwnP999Ms: Spread;
    routerCpuUsPerRequest: Spread;
    bareCpuUsPerRequest: Spread;
    stealPercent: Spread;
    nginx?: PathOverhead & { cpuUsPerRequest: Spread };
    routerNginx?: PathOverhead & { nginxCpuUsPerRequest: Spread; daemonCpuUsPerRequest: Spread };
    targetMet: { node: boolean; nginx: boolean | null };
  },
  mr: {
    highestSustainedPerSecond: Record<LadderPath, number | null>;
    topOfLadderReached: Record<LadderPath, boolean>;
    steps: Array<RunRecord & { sustained: boolean }>;
  },
  o: BenchOptions,
): string {
  const lines = [
    `Router overhead at ${o.rate} requests/s, ${o.rounds} interleaved rounds of ${o.durationS} s, one row per request; latency from each request's scheduled send; median (min – max over rounds), ms:`,
    '',
    '| path | p50 | p99 | p99.9 | achieved /s |',
    '|---|---|---|---|---|',
    `| direct to the model server | ${fs(ov.direct.p50Ms, 3)} | ${fs(ov.direct.p99Ms, 3)} | ${fs(ov.direct.p999Ms, 3)} | ${f(ov.direct.achievedPerSecond.median, 0)} |`,
    `| through a bare node:http forwarder (peer) | ${fs(ov.bare.p50Ms, 3)} | ${fs(ov.bare.p99Ms, 3)} | ${fs(ov.bare.p999Ms, 3)} | ${f(ov.bare.achievedPerSecond.median, 0)} |`,
    `| through the router, node data plane | ${fs(ov.router.p50Ms, 3)} | ${fs(ov.router.p99Ms, 3)} | ${fs(ov.router.p999Ms, 3)} | ${f(ov.router.achievedPerSecond.median, 0)} |`,
    ...(ov.routerNginx
      ? [
          `| through the router, nginx data plane | ${fs(ov.routerNginx.p50Ms, 3)} | ${fs(ov.routerNginx.p99Ms, 3)} | ${fs(ov.routerNginx.p999Ms, 3)} | ${f(ov.routerNginx.achievedPerSecond.median, 0)} |`,
        ]
      : []),
    ...(ov.nginx
      ? [
          `| through nginx (native proxy, peer) | ${fs(ov.nginx.p50Ms, 3)} | ${fs(ov.nginx.p99Ms, 3)} | ${fs(ov.nginx.p999Ms, 3)} | ${f(ov.nginx.achievedPerSecond.median, 0)} |`,
          `| added by nginx | ${fs(ov.nginx.addedP50Ms, 3)} | ${fs(ov.nginx.addedP99Ms, 3)} | | |`,
        ]
      : []),
    `| added by the bare forwarder | ${fs(ov.bareAddedP50Ms, 3)} | ${fs(ov.bareAddedP99Ms, 3)} | | |`,
    `| **added by the router, node data plane** | **${fs(ov.addedP50Ms, 3)}** | **${fs(ov.addedP99Ms, 3)}** | | |`,
    ...(ov.routerNginx
      ? [
          `| **added by the router, nginx data plane** | **${fs(ov.routerNginx.addedP50Ms, 3)}** | **${fs(ov.routerNginx.addedP99Ms, 3)}** | | |`,
        ]
      : []),
    `| router over the bare forwarder | ${fs(ov.routerOverBareP50Ms, 3)} | ${fs(ov.routerOverBareP99Ms, 3)} | | |`,
    `| the router's own time (its \`${ROUTER_TIME_HEADER}\` header) | ${fs(ov.routerOwnP50Ms, 3)} | ${fs(ov.routerOwnP99Ms, 3)} | ${fs(ov.routerOwnP999Ms, 3)} | |`,
    '',
    `CPU per request: router (node data plane) ${fs(ov.routerCpuUsPerRequest, 0)} µs${ov.routerNginx ? `; nginx data plane ${fs(ov.routerNginx.nginxCpuUsPerRequest, 0)} µs in nginx + ${fs(ov.routerNginx.daemonCpuUsPerRequest, 0)} µs in the daemon reading its log` : ''}; bare forwarder ${fs(ov.bareCpuUsPerRequest, 0)} µs${ov.nginx ? `, nginx peer ${fs(ov.nginx.cpuUsPerRequest, 0)} µs` : ''}.`,
    '',
    `Steal time (CPU the hypervisor gave other guests) per run: ${Number.isFinite(ov.stealPercent.median) ? `${fs(ov.stealPercent, 1)} %` : 'not readable (no /proc/stat)'}. With more than a few percent an added p99 measures the host more than the router; under that the host can still be busy in ways a guest does not see.`,
    '',
    `Target (added p99 < ${TARGET_ADDED_P99_MS} ms at 1,000/s)${o.rate === 1000 ? '' : ` (measured at ${o.rate}/s)`}: node data plane ${ov.targetMet.node ? 'met' : 'NOT met'}; nginx data plane ${ov.targetMet.nginx === null ? 'not measured (needs nginx and libnginx-mod-http-js)' : ov.targetMet.nginx ? 'met' : 'NOT met'}.`,
    '',
    `Highest sustained rate (≥ 95 % of offered, p99 ≤ ${o.p99BoundMs} ms, ≤ 0.1 % failed; ${o.stepDurationS} s per step):`,
    '',
    '| offered /s | direct: achieved /s, p50 / p99 ms | router, node: achieved /s, p50 / p99 ms | added p50 / p99 ms | router, nginx: achieved /s, p50 / p99 ms | added p50 / p99 ms |',
    '|---|---|---|---|---|---|',
  ];
  const cell = (s: (RunRecord & { sustained: boolean }) | undefined): string =>
    s === undefined
      ? ''
      : `${f(s.achievedPerSecond, 0)}, ${f(s.latencyMs.p50, 2)} / ${f(s.latencyMs.p99, 2)}${s.sustained ? '' : ' ✗'}`;
  for (const rate of [...new Set(mr.steps.map((s) => s.offeredPerSecond))]) {
    // The attempt that sustained the rate, else the last one (a retried step has two).
    const at = (p: PathName) => {
      const tried = mr.steps.filter((s) => s.path === p && s.offeredPerSecond === rate);
      return tried.find((s) => s.sustained) ?? tried[tried.length - 1];
    };
    const d = at('direct');
    const added = (r: (RunRecord & { sustained: boolean }) | undefined): string =>
      d && r ? `${f(r.latencyMs.p50 - d.latencyMs.p50, 2)} / ${f(r.latencyMs.p99 - d.latencyMs.p99, 2)}` : '';
    const r = at('router');
    const n = at('routerNginx');
    lines.push(`| ${rate} | ${cell(d)} | ${cell(r)} | ${added(r)} | ${cell(n)} | ${added(n)} |`);
  }
  const top = (p: LadderPath): string => {
    const h = mr.highestSustainedPerSecond[p];
    return h === null
      ? 'none of the steps'
      : `${h}/s${mr.topOfLadderReached[p] ? ' (top of the ladder: higher not tried)' : ''}`;
  };
  lines.push(
    '',
    `Highest sustained: direct ${top('direct')}, router (node data plane) ${top('router')}${ov.routerNginx ? `, router (nginx data plane) ${top('routerNginx')}` : ''}.`,
  );
  return lines.join('\n') + '\n';
}

main().catch((e: unknown) => {
  log(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
