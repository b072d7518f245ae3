/**
 * The checkLiveDrift activity: the traffic backend's newest served rows, judged against the
 * reference with the validation engine; `unavailable` when the router keeps no rows.
 */
import { Float64 } from 'apache-arrow';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { LiveDriftCheck } from '../../activities/delivery';
import type { BackendProvider } from '../../src/backends/factory';
import type { TrafficRouter } from '../../src/backends/traffic/types';
import { defaultValidationSpec } from '../../src/data/run-validation';
import type { ReleaseSpec } from '../../src/core/spec/types';
import { makeTable, makeTempDir, writeArrow } from '../fixtures/data/arrow-fixtures';
import { uniform01 } from '../fixtures/sketch/samples';

const backends: ReleaseSpec['backends'] = {
  jobs: { kind: 'local' },
  registry: { kind: 'local' },
  traffic: { kind: 'local', url: 'http://127.0.0.1:1' },
  metrics: { kind: 'local', url: 'http://127.0.0.1:1' },
  notifier: { kind: 'log' },
};

function normals(n: number, seed: number, mean: number): number[] {
  const u = uniform01(seed);
  return Array.from({ length: n }, () => mean + Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

/** Activities over a provider whose traffic backend serves `rows` (or keeps none). */
function activitiesWith(
  rows: Array<Record<string, unknown>> | undefined,
): ReturnType<typeof createActivities> {
  const router = {
    kind: 'fake',
    ...(rows
      ? {
          recentRows: async (_m: string, _v: string, limit: number) => ({
            rows: rows.slice(-limit),
            seen: rows.length,
          }),
        }
      : {}),
  } as unknown as TrafficRouter;
  const provider = { traffic: () => router } as unknown as BackendProvider;
  return createActivities({
    backends: provider,
    client: () => {
      throw new Error('checkLiveDrift needs no Temporal client');
    },
  });
}

describe('checkLiveDrift', () => {
  const tmp = makeTempDir('mlcd-activity-live-drift-');
  const reference = writeArrow(
    tmp.path('reference.arrow'),
    makeTable({ tenure: { type: new Float64(), values: normals(3000, 1, 0) } }),
  );
  const target = {
    reference,
    drift: defaultValidationSpec().drift,
    allowedRoots: [tmp.dir],
    retrain: { specPath: '/spec.yaml' },
  };
  afterAll(() => tmp.cleanup());

  it('names the drifted columns of shifted rows, and finds none in rows like the reference', async () => {
    const env = new MockActivityEnvironment();
    const shifted = normals(1000, 2, 1).map((tenure) => ({ tenure }));
    const drifted = await env.run(activitiesWith(shifted).checkLiveDrift, {
      model: 'm',
      version: '3',
      backends,
      target,
      sampleRows: 1000,
      minRows: 200,
    });
    expect(drifted).toMatchObject({
      status: 'judged',
      rows: 1000,
      drifted: true,
      driftedColumns: ['tenure'],
    });
    expect((drifted as LiveDriftCheck).summary).toContain('tenure');
    const alike = normals(1000, 3, 0).map((tenure) => ({ tenure }));
    const same = await env.run(activitiesWith(alike).checkLiveDrift, {
      model: 'm',
      version: '3',
      backends,
      target,
      sampleRows: 1000,
      minRows: 200,
    });
    expect(same).toMatchObject({ status: 'judged', drifted: false, driftedColumns: [] });
  });

  it('judges only the newest sampleRows rows, and too few is not drift', async () => {
    const env = new MockActivityEnvironment();
    const rows = normals(300, 4, 1).map((tenure) => ({ tenure }));
    const few = await env.run(activitiesWith(rows).checkLiveDrift, {
      model: 'm',
      version: '3',
      backends,
      target,
      sampleRows: 100,
      minRows: 200,
    });
    expect(few).toMatchObject({ status: 'too-few-rows', rows: 100, drifted: false });
  });

  it('is unavailable on a router that keeps no served rows', async () => {
    const env = new MockActivityEnvironment();
    const r = await env.run(activitiesWith(undefined).checkLiveDrift, {
      model: 'm',
      version: '3',
      backends,
      target,
      sampleRows: 100,
      minRows: 10,
    });
    expect(r).toEqual({
      status: 'unavailable',
      rows: 0,
      drifted: false,
      driftedColumns: [],
      summary: 'the fake traffic backend keeps no served rows',
    });
  });
});
