/**
 * No Docker engine runs here, so the compose file is checked for structure: the services a user
 * needs, wired to each other, published on loopback only, and built from a Dockerfile that runs
 * the project's own setup.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { image?: string; build?: string; command?: string[]; environment?: Record<string, string>; ports?: string[]; depends_on?: Record<string, unknown> | string[] }>;
  volumes: Record<string, unknown>;
};

test('has Temporal on PostgreSQL, the UI, the worker and the serving daemon', () => {
  expect(Object.keys(compose.services).sort()).toEqual(['mlcd-serving', 'mlcd-worker', 'postgresql', 'temporal', 'temporal-ui']);
  expect(compose.services.postgresql?.image).toMatch(/^postgres:\d+/);
  expect(compose.services.temporal?.image).toMatch(/^temporalio\/auto-setup:/);
  expect(compose.services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
  expect(compose.services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
});

test('the worker connects to the compose Temporal and runs the mlcd worker', () => {
  const worker = compose.services['mlcd-worker']!;
  expect(worker.build).toBe('.');
  expect(worker.command).toEqual(['node', 'dist/src/cli/main.js', 'worker']);
  expect(worker.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  expect(Object.keys(worker.depends_on ?? {})).toContain('temporal');
  expect(compose.services['mlcd-serving']?.command).toEqual(expect.arrayContaining(['serve', '--host', '0.0.0.0']));
});

test('every published port binds to loopback only', () => {
  const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
  expect(ports.length).toBeGreaterThan(0);
  for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:/);
});

test('the image installs with the project scripts and builds', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  expect(dockerfile).toMatch(/^FROM node:20/m);
  expect(dockerfile).toContain('bash scripts/setup.sh');
  expect(dockerfile).toContain('npm run build');
});
