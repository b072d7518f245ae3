import { LogNotifier } from '../../src/backends/notifier/log';

describe('LogNotifier', () => {
  test('one line per notification: kind, model, text, release, compact JSON details', async () => {
    const lines: string[] = [];
    const n = new LogNotifier((l) => lines.push(l));
    expect(n.kind).toBe('log');
    await n.check();
    await n.notify({
      kind: 'gate_failed',
      model: 'churn',
      text: 'gate failed:\n  auc_roc 0.51 < 0.70',
      releaseId: 'release/churn/7',
      details: { rules: [{ rule: 'auc_roc >= 0.70', observed: 0.51 }] },
    });
    await n.notify({ kind: 'promoted', model: 'churn', text: 'version 3 is production' });
    expect(lines).toEqual([
      'gate_failed churn: gate failed: auc_roc 0.51 < 0.70 [release release/churn/7] {"rules":[{"rule":"auc_roc >= 0.70","observed":0.51}]}',
      'promoted churn: version 3 is production',
    ]);
  });

  test('defaults to console.log', async () => {
    const spy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await new LogNotifier().notify({
        kind: 'rolled_back',
        model: 'churn',
        text: 'error rate 0.3 > 0.05',
        details: {},
      });
      expect(spy).toHaveBeenCalledWith('rolled_back churn: error rate 0.3 > 0.05');
    } finally {
      spy.mockRestore();
    }
  });
});
