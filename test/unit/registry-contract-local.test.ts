/** The shared ModelRegistry contract (test/helpers/registry-contract.ts) on LocalModelRegistry. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LocalModelRegistry } from '../../src/backends/registry/local';
import { registryContract } from '../helpers/registry-contract';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

registryContract('local directory registry', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mlcd-registry-local-'));
  roots.push(root);
  const registry = new LocalModelRegistry({ root: join(root, 'registry') });
  return {
    registry,
    model: 'churn',
    readArtifact: async (v, rel) => readFileSync(join(v.artifactUri, ...rel.split('/')), 'utf8'),
    another: () => new LocalModelRegistry({ root: join(root, 'registry') }),
  };
});
