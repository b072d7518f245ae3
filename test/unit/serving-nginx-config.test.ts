/** The nginx data plane's pure parts: the rendered configuration and the prediction log line reader. */
import { nginxNameProblem, NginxNameError, renderNginxConfig, type NginxConfigInput } from '../../src/serving/nginx/config';
import { parseLogLine } from '../../src/serving/nginx/access-log';
import { findNjsModule } from '../../src/serving/nginx/binary';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base: NginxConfigInput = {
  prefix: '/tmp/p',
  listenHost: '127.0.0.1',
  listenPort: 8710,
  controlPlane: 'http://127.0.0.1:40000',
  logPort: 5140,
  generation: 7,
  instance: 'abc123',
  njsModule: '/usr/lib/nginx/modules/ngx_http_js_module.so',
  upstreamTimeoutMs: 2_000,
  captureLimitBytes: 24_576,
  workerProcesses: 1,
  routes: [],
};

describe('renderNginxConfig', () => {
  it('splits a model by its weights in name order, the last version taking the rest, and names each version', () => {
    const conf = renderNginxConfig({
      ...base,
      routes: [
        {
          model: 'churn',
          versions: [
            { version: 'v2', weight: 5, endpoint: 'http://127.0.0.1:9002' },
            { version: 'v1', weight: 95, endpoint: 'http://127.0.0.1:9001' },
            { version: 'v0', weight: 0, endpoint: 'http://127.0.0.1:9000' },
          ],
        },
      ],
    });
    expect(conf).toContain('upstream mlcd_0_0 {\n    server 127.0.0.1:9001;\n    keepalive 32;\n  }');
    expect(conf).toContain('upstream mlcd_0_1 {\n    server 127.0.0.1:9002;');
    expect(conf).not.toContain('9000');
    expect(conf).toContain('split_clients "${mlcd_split_key}" $mlcd_upstream_0 {\n    95% "mlcd_0_0";\n    * "mlcd_0_1";\n  }');
    expect(conf).toContain('map $mlcd_upstream_0 $mlcd_version_0 {\n    "mlcd_0_0" "v1";\n    "mlcd_0_1" "v2";\n  }');
    expect(conf).toContain('location = /v1/models/churn/predict {');
    expect(conf).toContain('proxy_pass http://$mlcd_upstream_0/predict;');
  });

  it('leaves out a model without weight (the daemon behind answers it) and serves the generation', () => {
    const conf = renderNginxConfig({ ...base, routes: [{ model: 'idle', versions: [{ version: 'v1', weight: 0, endpoint: 'http://127.0.0.1:9001' }] }] });
    expect(conf).not.toContain('/v1/models/idle/predict');
    expect(conf).toContain(`return 200 '{"generation":7,"instance":"abc123"}';`);
    expect(conf).toContain('proxy_pass http://mlcd_control;');
    expect(conf).toContain('server 127.0.0.1:40000;');
    expect(conf).toContain('listen 127.0.0.1:8710;');
    expect(conf).toContain('proxy_read_timeout 2000ms;');
    expect(conf).toContain('"504" "did not answer within 2000 ms";');
  });

  it('refuses a model or version name it cannot carry, naming it', () => {
    const render = (model: string, version: string) =>
      renderNginxConfig({ ...base, routes: [{ model, versions: [{ version, weight: 100, endpoint: 'http://127.0.0.1:9001' }] }] });
    expect(() => render('a b', 'v1')).toThrow(NginxNameError);
    expect(() => render('a b', 'v1')).toThrow('model name "a b" cannot be routed by the nginx data plane');
    expect(() => render('m', 'v"1')).toThrow('version name "v\\"1" cannot be routed');
    expect(nginxNameProblem('model', 'churn-v2.1_x:y+z')).toBeUndefined();
    expect(nginxNameProblem('version', 'x'.repeat(129))).toContain('1 to 128');
  });

  it('brackets an IPv6 listen address', () => {
    expect(renderNginxConfig({ ...base, listenHost: '::1' })).toContain('listen [::1]:8710;');
  });
});

describe('parseLogLine', () => {
  const line = (fields: Record<string, string>) => `<190>Nov 27 17:46:37 mlcd: ${JSON.stringify(fields)}`;
  const ok = { id: 'abc', m: 'churn', v: 'v2', s: '200', ut: '0.004', rt: '0.005', req: '{"rows":[{}]}', res: '{"scores":[0.1]}' };

  it('reads a prediction, timed by the model server when nginx reached one', () => {
    expect(parseLogLine(line(ok))).toEqual({
      ok: true,
      prediction: { requestId: 'abc', model: 'churn', version: 'v2', status: 200, ms: 4, requestBody: '{"rows":[{}]}', responseBody: '{"scores":[0.1]}' },
    });
  });

  it("takes nginx's own time when no model server answered, and the last of several upstream times", () => {
    const none = parseLogLine(line({ ...ok, s: '502', ut: '-', rt: '0.012' }));
    expect(none.ok && none.prediction).toMatchObject({ status: 502, ms: 12 });
    const two = parseLogLine(line({ ...ok, ut: '0.001, 0.003' }));
    expect(two.ok && two.prediction.ms).toBe(3);
  });

  it('says why a line is not a prediction', () => {
    expect(parseLogLine('<190>Nov 27 other: {}')).toEqual({ ok: false, problem: expect.stringContaining('not an mlcd log line') });
    expect(parseLogLine('<190>x mlcd: {"id":')).toEqual({ ok: false, problem: expect.stringContaining('log line is not JSON') });
    const { res: _res, ...noRes } = ok;
    expect(parseLogLine(line(noRes))).toEqual({ ok: false, problem: expect.stringContaining('lacks "res"') });
    expect(parseLogLine(line({ ...ok, s: '2000' }))).toEqual({ ok: false, problem: 'log line status "2000" is not an HTTP status' });
    expect(parseLogLine(line({ ...ok, v: '' }))).toEqual({ ok: false, problem: expect.stringContaining('names no model or version') });
    expect(parseLogLine(line({ ...ok, ut: '-', rt: '' }))).toEqual({ ok: false, problem: 'log line has no time: ut "-", rt ""' });
  });
});

describe('findNjsModule', () => {
  it('finds ngx_http_js_module.so in the first module directory that has it, or null; a given path must exist', () => {
    const root = mkdtempSync(join(tmpdir(), 'mlcd-njs-'));
    try {
      const [a, b] = [join(root, 'a'), join(root, 'b')];
      mkdirSync(a);
      mkdirSync(b);
      expect(findNjsModule('auto', [a, b])).toBeNull();
      writeFileSync(join(b, 'ngx_http_js_module.so'), '');
      expect(findNjsModule('auto', [a, b])).toBe(join(b, 'ngx_http_js_module.so'));
      expect(findNjsModule(join(b, 'ngx_http_js_module.so'))).toBe(join(b, 'ngx_http_js_module.so'));
      expect(() => findNjsModule(join(a, 'ngx_http_js_module.so'))).toThrow(join(a, 'ngx_http_js_module.so'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
