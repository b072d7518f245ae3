import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LocalModelRegistry } from '../../src/backends/registry/local';
import type { RegisterRequest } from '../../src/backends/registry/types';
import { BackendError } from '../../src/core/errors';

let root: string;
let regRoot: string;
let artifact: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'mlcd-registry-'));
  regRoot = join(root, 'registry');
  artifact = join(root, 'out', 'model');
  mkdirSync(join(artifact, 'sub'), { recursive: true });
  writeFileSync(join(artifact, 'model.joblib'), 'weights');
  writeFileSync(join(artifact, 'sub', 'metadata.json'), '{"auc":0.9}');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function req(key: string, extra: Partial<RegisterRequest> = {}): RegisterRequest {
  return {
    model: 'churn',
    artifactDir: artifact,
    idempotencyKey: key,
    lineage: { releaseId: `release/${key}`, specHash: 'abc', dataFingerprints: { train: 'f00' } },
    metadata: { metrics: { auc_roc: 0.86 } },
    ...extra,
  };
}

function keyFile(key: string): string {
  return join(regRoot, 'churn', 'keys', `${createHash('sha256').update(key).digest('hex')}.json`);
}

describe('LocalModelRegistry', () => {
  test('register copies the artifact into versions/1 and records the version', async () => {
    const reg = new LocalModelRegistry({ root: regRoot });
    const v = await reg.register(req('k1'));
    expect(v).toMatchObject({
      model: 'churn',
      version: '1',
      lineage: req('k1').lineage,
      metadata: { metrics: { auc_roc: 0.86 } },
    });
    expect(v.artifactUri).toBe(join(regRoot, 'churn', 'versions', '1', 'artifact'));
    expect(readFileSync(join(v.artifactUri, 'model.joblib'), 'utf8')).toBe('weights');
    expect(readFileSync(join(v.artifactUri, 'sub', 'metadata.json'), 'utf8')).toBe('{"auc":0.9}');
    expect(await reg.getVersion('churn', '1')).toEqual(v);
    // The registry owns its copy: changing the source afterwards does not change the version.
    writeFileSync(join(artifact, 'model.joblib'), 'retrained');
    expect(readFileSync(join(v.artifactUri, 'model.joblib'), 'utf8')).toBe('weights');
  });

  test('the same idempotency key returns the same version without copying again', async () => {
    const reg = new LocalModelRegistry({ root: regRoot });
    const first = await reg.register(req('same'));
    writeFileSync(join(first.artifactUri, 'marker'), 'untouched');
    const again = await new LocalModelRegistry({ root: regRoot }).register(req('same'));
    expect(again).toEqual(first);
    expect(readFileSync(join(again.artifactUri, 'marker'), 'utf8')).toBe('untouched');
    expect((await reg.listVersions('churn')).map((v) => v.version)).toEqual(['1']);
  });

  test('a retry finishes a register that crashed after allocating its number', async () => {
    const reg = new LocalModelRegistry({ root: regRoot });
    const v = await reg.register(req('crashy'));
    // Back to the state right after the key was linked: number allocated, nothing copied or recorded.
    rmSync(join(regRoot, 'churn', 'versions', '1', 'artifact'), { recursive: true });
    rmSync(join(regRoot, 'churn', 'versions', '1', 'version.json'));
    writeFileSync(join(regRoot, 'churn', 'versions', '1', 'artifact.123.abc.tmp'), 'partial copy');
    expect(await reg.getVersion('churn', '1')).toBeUndefined();
    expect(await reg.listVersions('churn')).toEqual([]);

    const retried = await reg.register(req('crashy'));
    expect(retried).toMatchObject({ version: '1', artifactUri: v.artifactUri });
    expect(readFileSync(join(retried.artifactUri, 'model.joblib'), 'utf8')).toBe('weights');
    expect((await reg.listVersions('churn')).map((x) => x.version)).toEqual(['1']);
  });

  test('an allocation abandoned before its key was written is skipped, not reused', async () => {
    const reg = new LocalModelRegistry({ root: regRoot });
    mkdirSync(join(regRoot, 'churn', 'versions', '1'), { recursive: true });
    const v = await reg.register(req('after-crash'));
    expect(v.version).toBe('2');
    expect((await reg.listVersions('churn')).map((x) => x.version)).toEqual(['2']);
  });

  test('different keys get increasing versions, listed in numeric order', async () => {
    const reg = new LocalModelRegistry({ root: regRoot });
    for (let i = 1; i <= 11; i++) expect((await reg.register(req(`k${i}`))).version).toBe(String(i));
    expect((await reg.listVersions('churn')).map((v) => v.version)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
      '11',
    ]);
    expect(await reg.listVersions('other-model')).toEqual([]);
  });

  test('concurrent registers with different keys get distinct versions', async () => {
    const regs = Array.from({ length: 6 }, () => new LocalModelRegistry({ root: regRoot }));
    const versions = await Promise.all(regs.map((r, i) => r.register(req(`par-${i}`))));
    expect(new Set(versions.map((v) => v.version)).size).toBe(6);
    expect(versions.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const v of versions) expect(existsSync(join(v.artifactUri, 'model.joblib'))).toBe(true);
  });

  test('concurrent registers with the same key agree on one version', async () => {
    const regs = Array.from({ length: 4 }, () => new LocalModelRegistry({ root: regRoot }));
    const versions = await Promise.all(regs.map((r) => r.register(req('one-key'))));
    expect(new Set(versions.map((v) => v.version)).size).toBe(1);
    expect(new Set(versions.map((v) => v.createdAt)).size).toBe(1);
    expect((await regs[0]!.listVersions('churn')).length).toBe(1);
    expect(readdirSync(join(regRoot, 'churn', 'keys'))).toEqual([keyFile('one-key').split('/').pop()]);
    // No staging copies or temp files left behind.
    expect(readdirSync(join(regRoot, 'churn', 'versions', versions[0]!.version)).sort()).toEqual([
      'artifact',
      'version.json',
    ]);
  });

  test('aliases: set several at once, resolve, clear, keep the ones not named', async () => {
    const reg = new LocalModelRegistry({ root: regRoot });
    await reg.register(req('a'));
    await reg.register(req('b'));
    expect(await reg.resolveAlias('churn', 'production')).toBeUndefined();
    await reg.setAliases('churn', { production: '1', candidate: '2' });
    expect((await reg.resolveAlias('churn', 'production'))?.version).toBe('1');
    expect((await reg.resolveAlias('churn', 'candidate'))?.version).toBe('2');
    await reg.setAliases('churn', { production: '2', previous: '1', candidate: null });
    expect((await reg.resolveAlias('churn', 'production'))?.version).toBe('2');
    expect((await reg.resolveAlias('churn', 'previous'))?.version).toBe('1');
    expect(await reg.resolveAlias('churn', 'candidate')).toBeUndefined();
    expect(JSON.parse(readFileSync(join(regRoot, 'churn', 'aliases.json'), 'utf8'))).toEqual({
      production: '2',
      previous: '1',
    });
  });

  test('setAliases to a version that does not exist names the alias and version, and changes nothing', async () => {
    const reg = new LocalModelRegistry({ root: regRoot });
    await reg.register(req('a'));
    await reg.setAliases('churn', { production: '1' });
    const err = await reg.setAliases('churn', { previous: '1', production: '7' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({
      retryable: false,
      message: 'registry churn: cannot point alias production at version "7": no such version',
    });
    expect((await reg.resolveAlias('churn', 'production'))?.version).toBe('1');
    expect(await reg.resolveAlias('churn', 'previous')).toBeUndefined();
    await expect(reg.setAliases('churn', { ['stable' as 'production']: '1' })).rejects.toThrow(
      'unknown alias "stable"',
    );
  });

  test('updateMetadata shallow-merges into the version metadata', async () => {
    const reg = new LocalModelRegistry({ root: regRoot });
    await reg.register(req('m'));
    await reg.updateMetadata('churn', '1', { status: 'rejected', gate: { passed: false } });
    expect((await reg.getVersion('churn', '1'))?.metadata).toEqual({
      metrics: { auc_roc: 0.86 },
      status: 'rejected',
      gate: { passed: false },
    });
    await reg.updateMetadata('churn', '1', { status: 'promoted' });
    expect((await reg.getVersion('churn', '1'))?.metadata.status).toBe('promoted');
    await expect(reg.updateMetadata('churn', '9', {})).rejects.toMatchObject({ retryable: false });
  });

  test('bad input is rejected as non-retryable: model name, missing artifact dir, odd version strings', async () => {
    const reg = new LocalModelRegistry({ root: regRoot });
    await expect(reg.register(req('x', { model: '../evil' }))).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('invalid model name'),
    });
    await expect(reg.register(req('x', { artifactDir: join(root, 'missing') }))).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining(`artifact directory ${join(root, 'missing')} does not exist`),
    });
    expect(await reg.getVersion('churn', '../1')).toBeUndefined();
    expect(await reg.getVersion('churn', '01')).toBeUndefined();
  });

  test('check passes on a writable root and fails naming an unusable one', async () => {
    await expect(new LocalModelRegistry({ root: regRoot }).check()).resolves.toBeUndefined();
    writeFileSync(join(root, 'file'), '');
    await expect(new LocalModelRegistry({ root: join(root, 'file', 'reg') }).check()).rejects.toThrow(
      `${join(root, 'file', 'reg')} is not writable`,
    );
  });
});
