/** Router metrics: a version's series exist at 0 from its start, so Prometheus sees its first requests. */
import { RouterMetrics } from '../../src/serving/router-metrics';

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
