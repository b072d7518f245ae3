/** Breach-to-rollback timing from the load generator's answers. */
import { breachTiming } from '../../src/serving/breach-timing';
import type { LoadResponse } from '../../src/serving/load-generator';

const answer = (at: number, version: string | undefined, latencyMs: number, ok = true): LoadResponse => ({
  at,
  version,
  latencyMs,
  ok,
});

it('times from the first breaching answer of the bad version to the restore', () => {
  const answers = [
    answer(1_000, '1', 20),
    answer(1_100, '2', 40), // fast: not a breach
    answer(1_200, '1', 400), // slow, but the good version
    answer(1_300, '2', 300), // the first breach
    answer(1_400, '2', 20, false),
    answer(2_600, '2', 350), // routed before the restore, answered after it
    answer(2_700, '1', 20),
  ];
  expect(breachTiming(answers, { version: '2', after: 0, maxLatencyMs: 250, restoredAt: 2_500 })).toEqual({
    firstBreachAt: 1_300,
    restoredAt: 2_500,
    breachToRollbackMs: 1_200,
    answersAfterRestore: 1,
  });
});

it('counts errors as breaches, ignores answers before `after`, and is undefined without a breach', () => {
  const answers = [answer(500, '3', 900), answer(1_000, '3', 10, false), answer(1_500, '3', 10)];
  expect(
    breachTiming(answers, { version: '3', after: 800, maxLatencyMs: 250, restoredAt: 2_000 })?.firstBreachAt,
  ).toBe(1_000);
  expect(
    breachTiming([answer(1_000, '3', 10)], { version: '3', after: 0, maxLatencyMs: 250, restoredAt: 2_000 }),
  ).toBeUndefined();
});
