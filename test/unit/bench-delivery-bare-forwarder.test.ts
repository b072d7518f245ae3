/** The bench's peer forwarder relays a prediction to the model server's /predict and its answer back, unchanged. */
import { startBareForwarder, type BareForwarder } from '../../bench/delivery/bare-forwarder';
import { startEchoUpstream, type EchoUpstream } from '../fixtures/serving/echo-upstream';

let upstream: EchoUpstream;
let forwarder: BareForwarder;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  forwarder = await startBareForwarder(upstream.url);
});

afterAll(async () => {
  await forwarder.close();
  await upstream.close();
});

test('relays the body to /predict and the status and body back', async () => {
  const ok = await fetch(`${forwarder.url}/v1/models/bench/predict`, {
    method: 'POST',
    body: '{"rows":[{"x":1}]}',
  });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({ echoed: { rows: [{ x: 1 }] } });
  expect(upstream.seen.at(-1)).toEqual({ method: 'POST', url: '/predict', body: '{"rows":[{"x":1}]}' });
  const failed = await fetch(`${forwarder.url}/predict`, { method: 'POST', body: '{"rows":[{"x":"fail"}]}' });
  expect(failed.status).toBe(500);
  expect(await failed.json()).toEqual({ echoed: { rows: [{ x: 'fail' }] } });
});

test('answers 502 naming the error when the model server is gone', async () => {
  const gone = await startBareForwarder('http://127.0.0.1:1');
  try {
    const r = await fetch(`${gone.url}/predict`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(502);
    expect(((await r.json()) as { error: string }).error).toMatch(/ECONNREFUSED/);
  } finally {
    await gone.close();
  }
});
