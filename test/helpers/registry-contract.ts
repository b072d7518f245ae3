/**
 * The ModelRegistry contract: one suite of cases that every implementation must pass, run by
 * test/unit/registry-contract-local.test.ts (LocalModelRegistry) and
 * test/integration/registry-mlflow.test.ts (MlflowModelRegistry on a real server).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

import type { ModelRegistry, ModelVersion, RegisterRequest } from '../../src/backends/registry/types';
import { BackendError } from '../../src/core/errors';

/** A registry ready for one test case. */
export interface RegistryFixture {
  registry: ModelRegistry;
  /** A model name that has no versions in `registry` yet. */
  model: string;
  /** The content of one file of a version's stored artifact copy (`rel` is a POSIX path). */
  readArtifact(v: ModelVersion, rel: string): Promise<string>;
  /** Another client of the same registry (concurrency cases); default: `registry` itself. */
  another?(): ModelRegistry;
}

/** Options of {@link registryContract}. */
export interface RegistryContractOptions {
  /** Cases this implementation skips, by test name, each with its reason (printed as the test name). */
  skip?: Record<string, string>;
}

/**
 * Declares the contract cases inside a `describe(name)`. `fresh` is called once per case.
 */
export function registryContract(
  name: string,
  fresh: () => Promise<RegistryFixture>,
  options: RegistryContractOptions = {},
): void {
  describe(`ModelRegistry contract: ${name}`, () => {
    let work: string;
    let artifact: string;
    let f: RegistryFixture;

    beforeEach(async () => {
      work = mkdtempSync(join(tmpdir(), 'mlcd-registry-contract-'));
      artifact = join(work, 'out', 'model');
      mkdirSync(join(artifact, 'sub'), { recursive: true });
      writeFileSync(join(artifact, 'model.joblib'), 'weights');
      writeFileSync(join(artifact, 'sub', 'metadata.json'), '{"auc":0.9}');
      f = await fresh();
    });
    afterEach(() => rmSync(work, { recursive: true, force: true }));

    const req = (key: string, extra: Partial<RegisterRequest> = {}): RegisterRequest => ({
      model: f.model,
      artifactDir: artifact,
      idempotencyKey: key,
      lineage: { releaseId: `release/${key}`, specHash: 'abc', dataFingerprints: { train: 'f00' } },
      metadata: { metrics: { auc_roc: 0.86 } },
      ...extra,
    });

    const it = (title: string, fn: () => Promise<void>): void => {
      const reason = options.skip?.[title];
      if (reason !== undefined) test.skip(`${title} — skipped: ${reason}`, fn);
      else test(title, fn);
    };

    it('register stores its own copy of the artifact and returns version 1', async () => {
      const v = await f.registry.register(req('k1'));
      expect(v).toMatchObject({
        model: f.model,
        version: '1',
        lineage: req('k1').lineage,
        metadata: { metrics: { auc_roc: 0.86 } },
      });
      expect(typeof v.artifactUri).toBe('string');
      expect(v.artifactUri.length).toBeGreaterThan(0);
      expect(Math.abs(v.createdAt - Date.now())).toBeLessThan(5 * 60_000);
      expect(await f.registry.getVersion(f.model, '1')).toEqual(v);
      // The registry owns its copy: changing the source afterwards does not change the version.
      writeFileSync(join(artifact, 'model.joblib'), 'retrained');
      expect(await f.readArtifact(v, 'model.joblib')).toBe('weights');
      expect(await f.readArtifact(v, 'sub/metadata.json')).toBe('{"auc":0.9}');
    });

    it('re-registering with the same idempotency key returns the same version', async () => {
      const first = await f.registry.register(req('same'));
      const again = await f.registry.register(req('same', { metadata: { metrics: { auc_roc: 0.1 } } }));
      expect(again).toEqual(first);
      expect(again.metadata).toEqual({ metrics: { auc_roc: 0.86 } });
      expect((await f.registry.listVersions(f.model)).map((v) => v.version)).toEqual(['1']);
      const other = await f.registry.register(req('other'));
      expect(other.version).toBe('2');
      expect((await f.registry.listVersions(f.model)).map((v) => v.version)).toEqual(['1', '2']);
    });

    it('concurrent registers with one key agree on one version', async () => {
      const clients = [f.registry, f.another?.() ?? f.registry, f.another?.() ?? f.registry];
      const versions = await Promise.all(clients.map((r) => r.register(req('one-key'))));
      expect(new Set(versions.map((v) => v.version)).size).toBe(1);
      expect(versions[1]).toEqual(versions[0]);
      expect((await f.registry.listVersions(f.model)).map((v) => v.version)).toEqual([versions[0]!.version]);
      expect(await f.readArtifact(versions[0]!, 'model.joblib')).toBe('weights');
    });

    it('versions increase and are listed oldest first in numeric order', async () => {
      for (let i = 1; i <= 11; i++) expect((await f.registry.register(req(`k${i}`))).version).toBe(String(i));
      const listed = await f.registry.listVersions(f.model);
      expect(listed.map((v) => v.version)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
      expect(listed[9]).toEqual(await f.registry.getVersion(f.model, '10'));
      expect(listed[9]!.lineage.releaseId).toBe('release/k10');
    });

    it('unknown model, version or alias → undefined / empty, not an error', async () => {
      const unknownModel = `${f.model}-absent`;
      expect(await f.registry.getVersion(unknownModel, '1')).toBeUndefined();
      expect(await f.registry.listVersions(unknownModel)).toEqual([]);
      expect(await f.registry.resolveAlias(unknownModel, 'production')).toBeUndefined();
      await f.registry.register(req('only'));
      expect(await f.registry.getVersion(f.model, '2')).toBeUndefined();
      expect(await f.registry.getVersion(f.model, '0')).toBeUndefined();
      expect(await f.registry.getVersion(f.model, 'latest')).toBeUndefined();
      expect(await f.registry.resolveAlias(f.model, 'production')).toBeUndefined();
    });

    it('aliases: set several at once, resolve, move, clear, keep the ones not named', async () => {
      await f.registry.register(req('a'));
      await f.registry.register(req('b'));
      await f.registry.register(req('c'));
      const at = async (): Promise<Record<string, string | undefined>> => ({
        production: (await f.registry.resolveAlias(f.model, 'production'))?.version,
        previous: (await f.registry.resolveAlias(f.model, 'previous'))?.version,
        candidate: (await f.registry.resolveAlias(f.model, 'candidate'))?.version,
      });
      await f.registry.setAliases(f.model, { production: '1', candidate: '2' });
      expect(await at()).toEqual({ production: '1', previous: undefined, candidate: '2' });
      expect(await f.registry.resolveAlias(f.model, 'production')).toEqual(
        await f.registry.getVersion(f.model, '1'),
      );

      // Promote: production moves, previous records the old one, candidate is cleared.
      await f.registry.setAliases(f.model, { production: '2', previous: '1', candidate: null });
      expect(await at()).toEqual({ production: '2', previous: '1', candidate: undefined });

      // Only candidate named: the others keep their value.
      await f.registry.setAliases(f.model, { candidate: '3' });
      expect(await at()).toEqual({ production: '2', previous: '1', candidate: '3' });

      // Clearing an alias that is not set is fine; an empty call changes nothing.
      await f.registry.setAliases(f.model, { previous: null });
      await f.registry.setAliases(f.model, { previous: null });
      await f.registry.setAliases(f.model, {});
      expect(await at()).toEqual({ production: '2', previous: undefined, candidate: '3' });

      // Rollback to 1, then clear production.
      await f.registry.setAliases(f.model, { production: '1', previous: '2' });
      expect(await at()).toEqual({ production: '1', previous: '2', candidate: '3' });
      await f.registry.setAliases(f.model, { production: null });
      expect(await at()).toEqual({ production: undefined, previous: '2', candidate: '3' });
    });

    it('setAliases refuses a missing version or an unknown alias before writing anything', async () => {
      await f.registry.register(req('a'));
      await f.registry.setAliases(f.model, { production: '1' });
      const bad = f.registry.setAliases(f.model, { candidate: '1', production: '7' });
      await expect(bad).rejects.toThrow(BackendError);
      await expect(f.registry.setAliases(f.model, { candidate: '1', production: '7' })).rejects.toThrow(
        `registry ${f.model}: cannot point alias production at version "7": no such version`,
      );
      await expect(f.registry.setAliases(f.model, { candidate: '1', production: '7' })).rejects.toMatchObject(
        {
          retryable: false,
        },
      );
      await expect(f.registry.setAliases(f.model, { stable: '1' } as never)).rejects.toThrow(
        `registry ${f.model}: unknown alias "stable" (expected one of production, previous, candidate)`,
      );
      expect((await f.registry.resolveAlias(f.model, 'production'))?.version).toBe('1');
      expect(await f.registry.resolveAlias(f.model, 'candidate')).toBeUndefined();
    });

    it('updateMetadata shallow-merges: named keys replaced whole, others kept', async () => {
      await f.registry.register(
        req('m', { metadata: { metrics: { auc_roc: 0.86, f1: 0.7 }, status: 'candidate' } }),
      );
      await f.registry.updateMetadata(f.model, '1', { gate: { passed: true, rules: ['auc_roc >= 0.8'] } });
      await f.registry.updateMetadata(f.model, '1', { status: 'promoted', metrics: { f1: 0.71 } });
      const v = await f.registry.getVersion(f.model, '1');
      expect(v?.metadata).toEqual({
        metrics: { f1: 0.71 },
        status: 'promoted',
        gate: { passed: true, rules: ['auc_roc >= 0.8'] },
      });
      // Lineage is untouched by metadata updates.
      expect(v?.lineage).toEqual(req('m').lineage);
      await expect(f.registry.updateMetadata(f.model, '9', { status: 'x' })).rejects.toThrow(
        `registry ${f.model}: cannot update metadata of version "9": no such version`,
      );
    });

    it('lineage and metadata round-trip exactly, with and without a code commit', async () => {
      const lineage = {
        releaseId: 'mlPipeline/churn-42:run-0f3c',
        specHash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        dataFingerprints: { train: 'aa11', eval: 'bb22', reference: 'cc33' },
        codeCommit: '9fceb02d0ae598e95dc970b74767f19372d61af8',
      };
      const metadata = {
        metrics: { auc_roc: 0.8612, precision: 0.5, recall: 0 },
        validation: { summary: 'ok: 3 checks', warnings: [] as string[], drifted: null },
        approved: false,
        note: 'naïve — "quoted" \\ text',
        attempts: 3,
      };
      const v1 = await f.registry.register(req('with-commit', { lineage, metadata }));
      const v2 = await f.registry.register(
        req('no-commit', {
          lineage: { releaseId: 'r2', specHash: 'h2', dataFingerprints: {} },
          metadata: {},
        }),
      );
      for (const v of [v1, await f.registry.getVersion(f.model, v1.version)]) {
        expect(v?.lineage).toEqual(lineage);
        expect(v?.metadata).toEqual(metadata);
      }
      const got2 = await f.registry.getVersion(f.model, v2.version);
      expect(got2?.lineage).toEqual({ releaseId: 'r2', specHash: 'h2', dataFingerprints: {} });
      expect(got2 && 'codeCommit' in got2.lineage).toBe(false);
      expect(got2?.metadata).toEqual({});
    });

    it('localArtifacts answers a complete local directory per version, the same one each time', async () => {
      const cacheDir = join(work, 'cache');
      const v1 = await f.registry.register(req('a'));
      writeFileSync(join(artifact, 'model.joblib'), 'retrained');
      const v2 = await f.registry.register(req('b'));
      const dir1 = await f.registry.localArtifacts(f.model, v1.version, { cacheDir });
      const dir2 = await f.registry.localArtifacts(f.model, v2.version, { cacheDir });
      expect(isAbsolute(dir1)).toBe(true);
      expect(dir2).not.toBe(dir1);
      expect(readdirSync(dir1).sort()).toEqual(['model.joblib', 'sub']);
      expect(readFileSync(join(dir1, 'model.joblib'), 'utf8')).toBe('weights');
      expect(readFileSync(join(dir1, 'sub', 'metadata.json'), 'utf8')).toBe('{"auc":0.9}');
      expect(readFileSync(join(dir2, 'model.joblib'), 'utf8')).toBe('retrained');
      // Asked again, with or without the URI the caller recorded: the same directory.
      expect(await f.registry.localArtifacts(f.model, v1.version, { cacheDir })).toBe(dir1);
      expect(
        await f.registry.localArtifacts(f.model, v1.version, { cacheDir, artifactUri: v1.artifactUri }),
      ).toBe(dir1);
      expect(readFileSync(join(dir1, 'model.joblib'), 'utf8')).toBe('weights');
    });

    it('concurrent localArtifacts calls from several clients agree on one complete directory', async () => {
      const cacheDir = join(work, 'cache');
      const v = await f.registry.register(req('a'));
      const clients = [f.registry, f.registry, f.another?.() ?? f.registry, f.another?.() ?? f.registry];
      const dirs = await Promise.all(clients.map((r) => r.localArtifacts(f.model, v.version, { cacheDir })));
      expect(new Set(dirs).size).toBe(1);
      expect(readFileSync(join(dirs[0]!, 'model.joblib'), 'utf8')).toBe('weights');
      expect(readFileSync(join(dirs[0]!, 'sub', 'metadata.json'), 'utf8')).toBe('{"auc":0.9}');
    });

    it('localArtifacts of a missing version, or of a version holding another URI than recorded, fails without retry', async () => {
      const cacheDir = join(work, 'cache');
      const v = await f.registry.register(req('a'));
      for (const [model, version] of [
        [f.model, '9'],
        [f.model, 'latest'],
        [`${f.model}-absent`, '1'],
      ] as const) {
        const attempt = f.registry.localArtifacts(model, version, { cacheDir });
        await expect(attempt).rejects.toThrow(
          `registry ${model}: cannot get the artifacts of version ${JSON.stringify(version)}: no such version`,
        );
        await expect(f.registry.localArtifacts(model, version, { cacheDir })).rejects.toMatchObject({
          retryable: false,
        });
      }
      const elsewhere = join(work, 'elsewhere', 'model');
      const mismatch = f.registry.localArtifacts(f.model, v.version, { cacheDir, artifactUri: elsewhere });
      await expect(mismatch).rejects.toThrow(BackendError);
      await expect(
        f.registry.localArtifacts(f.model, v.version, { cacheDir, artifactUri: elsewhere }),
      ).rejects.toThrow(
        `registry ${f.model}: version ${v.version} holds ${v.artifactUri}, not the recorded ${elsewhere}: ` +
          'the version number names another model here (did backends.registry change?)',
      );
      await expect(
        f.registry.localArtifacts(f.model, v.version, { cacheDir, artifactUri: elsewhere }),
      ).rejects.toMatchObject({ retryable: false });
    });

    it('bad input fails without retry: invalid model name, missing artifact directory', async () => {
      await expect(f.registry.register(req('x', { model: '../escape' }))).rejects.toThrow(
        'invalid model name "../escape": expected 1-200 characters of [A-Za-z0-9._-], starting with a letter or digit',
      );
      const missing = join(work, 'nope');
      const attempt = f.registry.register(req('y', { artifactDir: missing }));
      await expect(attempt).rejects.toThrow(
        `registry ${f.model}: artifact directory ${missing} does not exist or is not a directory`,
      );
      await expect(f.registry.register(req('y', { artifactDir: missing }))).rejects.toMatchObject({
        retryable: false,
      });
      expect(await f.registry.listVersions(f.model)).toEqual([]);
    });
  });
}
