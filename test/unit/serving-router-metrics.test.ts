/** Router metrics: a version's series exist at 0 from its start, so Prometheus sees its first requests. */
import { RouterMetrics } from '../../src/serving/router-metrics';
import { promSample } from '../fixtures/serving/echo-serving';

it('initVersion exposes every series of a version at 0 before any request', async () => {
  const m = new RouterMetrics();
  m.initVersion('churn', '3');
  const text = await m.render();
  for (const line of [
    'mlcd_router_requests_total{model="churn",version="3",outcome="ok"} 0',
    'mlcd_router_requests_total{model="churn",version="3",outcome="error"} 0',
    'mlcd_router_feedback_total{model="churn",version="3",outcome="correct"} 0',
    'mlcd_router_feedback_total{model="churn",version="3",outcome="incorrect"} 0',
    'mlcd_router_request_duration_seconds_count{model="churn",version="3"} 0',
    'mlcd_router_prediction_score_bucket{le="0.5",model="churn",version="3"} 0',
  ])
    expect(text).toContain(line);
  m.observeRequest('churn', '3', 'ok', 0.004);
  expect(await m.render()).toContain('mlcd_router_requests_total{model="churn",version="3",outcome="ok"} 1');
});

it('forVersion binds a version\'s series once and counts into the same series as the by-name methods', async () => {
  const m = new RouterMetrics();
  m.initVersion('churn', '3');
  const bound = m.forVersion('churn', '3');
  expect(m.forVersion('churn', '3')).toBe(bound); // cached, not rebuilt per request
  expect(m.forVersion('churn', '4')).not.toBe(bound);
  bound.observeRequest('ok', 0.004);
  bound.observeRequest('error', 0.02);
  m.observeRequest('churn', '3', 'ok', 0.3);
  bound.observePredictions([0.05, 0.55]);
  m.observePredictions('churn', '3', [0.95]);
  const text = await m.render();
  const sample = (name: string, labels: Record<string, string>) => promSample(text, name, { model: 'churn', version: '3', ...labels });
  expect(sample('mlcd_router_requests_total', { outcome: 'ok' })).toBe(2);
  expect(sample('mlcd_router_requests_total', { outcome: 'error' })).toBe(1);
  expect(sample('mlcd_router_request_duration_seconds_count', {})).toBe(3);
  expect(sample('mlcd_router_request_duration_seconds_sum', {})).toBeCloseTo(0.324, 10);
  expect(sample('mlcd_router_request_duration_seconds_bucket', { le: '0.005' })).toBe(1);
  expect(sample('mlcd_router_prediction_score_bucket', { le: '0.1' })).toBe(1);
  expect(sample('mlcd_router_prediction_score_bucket', { le: '0.6' })).toBe(2);
  expect(sample('mlcd_router_prediction_score_count', {})).toBe(3);
  // A version bound before any initVersion still exposes only what it counted.
  m.forVersion('churn', '4').observeRequest('ok', 0.001);
  expect(promSample(await m.render(), 'mlcd_router_requests_total', { model: 'churn', version: '4', outcome: 'ok' })).toBe(1);
});
