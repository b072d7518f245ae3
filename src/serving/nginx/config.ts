/**
 * The nginx data plane's configuration, rendered from the daemon's state: one `location` per model
 * with weights, a `split_clients` on the route key (or nginx's random request id) choosing the
 * version's upstream, keep-alive pools to the model servers, and everything else (admin API,
 * feedback, metrics, models without weights) proxied to the daemon's own Node server, which stays
 * the control plane.
 *
 * Every answered prediction is logged as one JSON line over syslog (UDP, loopback) to the daemon,
 * with its request body and the model server's answer (captured by njs up to a limit): the daemon
 * keeps its stats, metrics, feedback memory and row sample from those lines, off the request path.
 */
import { join } from 'node:path';
import { MAX_REQUEST_ID_LENGTH } from '../feedback';
import { MAX_BODY_BYTES } from '../http-io';
import { REQUEST_ID_HEADER, ROUTE_KEY_HEADER, VERSION_HEADER } from '../types';

/** One model's split: the versions with weight > 0 and where their servers listen. */
export interface NginxRoute {
  model: string;
  versions: Array<{ version: string; weight: number; endpoint: string }>;
}

/** What {@link renderNginxConfig} needs. */
export interface NginxConfigInput {
  /** Private directory: config, pid, logs, temp paths, the njs script. */
  prefix: string;
  listenHost: string;
  listenPort: number;
  /** The daemon's own server, e.g. `http://127.0.0.1:40211`. */
  controlPlane: string;
  /** UDP port on 127.0.0.1 the daemon reads prediction log lines on. */
  logPort: number;
  /** Served at {@link GENERATION_PATH}, so a reload can be seen to be in force. */
  generation: number;
  /**
   * Served with the generation: a random token of this nginx, so an answer from another nginx
   * on the port (one left running by a killed daemon) is never taken for this one's.
   */
  instance: string;
  /** Path of `ngx_http_js_module.so`. */
  njsModule: string;
  /** Read / send timeout to a model server, ms (the daemon's upstream timeout). */
  upstreamTimeoutMs: number;
  /** Request and answer bodies longer than this are not logged (the request still counts), bytes. */
  captureLimitBytes: number;
  workerProcesses: number;
  routes: NginxRoute[];
}

/** Answers `{"generation": N, "instance": "<token>"}`: the configuration in force. */
export const GENERATION_PATH = '/_mlcd/data-plane';

/** Answers of a model server that nginx turns into the router's 502 (error_page needs them listed). */
const FAILED_STATUSES = [400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 413, 415, 422, 429, 500, 501, 502, 503, 504];

/** Syslog tag of the prediction log lines. */
export const LOG_TAG = 'mlcd';

/** The njs script's file name in the prefix. */
export const NJS_FILE = 'mlcd.js';

/**
 * Model and version names go into the configuration verbatim (quoted), so they are held to
 * characters nginx and JSON carry unchanged; anything else is refused with the name.
 */
const SAFE_NAME = /^[A-Za-z0-9._:+-]{1,128}$/;

/** A name the nginx data plane cannot carry; the daemon answers 400 with it before any change. */
export class NginxNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NginxNameError';
  }
}

/** Why `name` (a model or version) cannot be routed by nginx, or undefined when it can. */
export function nginxNameProblem(kind: 'model' | 'version', name: string): string | undefined {
  return SAFE_NAME.test(name)
    ? undefined
    : `${kind} name ${JSON.stringify(name)} cannot be routed by the nginx data plane: use 1 to 128 of A-Z a-z 0-9 . _ : + -`;
}

/** `split_clients` lines: every version but the last with its percent, the last taking the rest. */
function splitLines(upstreamOf: (i: number) => string, weights: number[]): string[] {
  const lines: string[] = [];
  weights.forEach((w, i) => {
    lines.push(i === weights.length - 1 ? `    * "${upstreamOf(i)}";` : `    ${w}% "${upstreamOf(i)}";`);
  });
  return lines;
}

/** The nginx.conf text. Throws {@link NginxNameError} for a name it cannot carry. */
export function renderNginxConfig(c: NginxConfigInput): string {
  const p = (name: string): string => join(c.prefix, name);
  const control = new URL(c.controlPlane);
  const timeout = `${Math.max(1, Math.ceil(c.upstreamTimeoutMs))}ms`;
  const listenHost = c.listenHost.includes(':') ? `[${c.listenHost}]` : c.listenHost;
  const models: string[] = [];
  const locations: string[] = [];
  c.routes.forEach((route, mi) => {
    const versions = [...route.versions].filter((v) => v.weight > 0).sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
    if (versions.length === 0) return;
    const problem = nginxNameProblem('model', route.model) ?? versions.map((v) => nginxNameProblem('version', v.version)).find((x) => x !== undefined);
    if (problem !== undefined) throw new NginxNameError(problem);
    const upstreamOf = (vi: number): string => `mlcd_${mi}_${vi}`;
    versions.forEach((v, vi) => {
      const u = new URL(v.endpoint);
      models.push(`  upstream ${upstreamOf(vi)} {`, `    server ${u.host};`, '    keepalive 32;', '  }');
    });
    models.push(
      `  split_clients "\${mlcd_split_key}" $mlcd_upstream_${mi} {`,
      ...splitLines(upstreamOf, versions.map((v) => v.weight)),
      '  }',
      `  map $mlcd_upstream_${mi} $mlcd_version_${mi} {`,
      ...versions.map((v, vi) => `    "${upstreamOf(vi)}" "${v.version}";`),
      '  }',
    );
    locations.push(
      `    location = /v1/models/${route.model}/predict {`,
      `      set $mlcd_model "${route.model}";`,
      `      set $mlcd_version $mlcd_version_${mi};`,
      '      include mlcd-predict.conf;',
      `      proxy_pass http://$mlcd_upstream_${mi}/predict;`,
      '    }',
    );
  });
  const idPattern = `~^[!-~]{1,${MAX_REQUEST_ID_LENGTH}}$`;
  return `# Written by the mlcd serving daemon (generation ${c.generation}); rewritten on every weight change.
load_module ${c.njsModule};
daemon off;
worker_processes ${c.workerProcesses};
pid ${p('nginx.pid')};
error_log ${p('error.log')} error;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  client_body_temp_path ${p('client_body')};
  proxy_temp_path ${p('proxy')};
  fastcgi_temp_path ${p('fastcgi')};
  uwsgi_temp_path ${p('uwsgi')};
  scgi_temp_path ${p('scgi')};
  client_max_body_size ${MAX_BODY_BYTES};
  # Bodies up to the capture limit stay in memory, where the njs script can read them for the log.
  client_body_buffer_size ${c.captureLimitBytes};
  js_path ${c.prefix};
  js_import mlcd from ${NJS_FILE};
  js_var $mlcd_response "";
  js_set $mlcd_request_body mlcd.requestBody;
  map $http_${headerVar(ROUTE_KEY_HEADER)} $mlcd_split_key { "" $request_id; default $http_${headerVar(ROUTE_KEY_HEADER)}; }
  map $http_${headerVar(REQUEST_ID_HEADER)} $mlcd_request_id { "" $request_id; default $http_${headerVar(REQUEST_ID_HEADER)}; }
  map $http_${headerVar(REQUEST_ID_HEADER)} $mlcd_request_id_ok { "" 1; "${idPattern}" 1; default 0; }
  log_format mlcd escape=json '{"id":"$mlcd_request_id","m":"$mlcd_model","v":"$mlcd_version","s":"$status","ut":"$upstream_response_time","rt":"$request_time","req":"$mlcd_request_body","res":"$mlcd_response"}';
  map $upstream_status $mlcd_failure {
    "502" "is unreachable";
    "504" "did not answer within ${c.upstreamTimeoutMs} ms";
    "" "was not called: nginx failed first (see error.log in its prefix)";
    default "answered HTTP $upstream_status";
  }
  upstream mlcd_control {
    server ${control.host};
    keepalive 8;
  }
${models.join('\n')}
  server {
    listen ${listenHost}:${c.listenPort};
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_connect_timeout ${timeout};
    proxy_read_timeout ${timeout};
    proxy_send_timeout ${timeout};
    # One try per prediction: a retry on another server would be another version's answer.
    proxy_next_upstream off;
    # Declared for every request; a model's location sets them.
    set $mlcd_model "";
    set $mlcd_version "";
    location = ${GENERATION_PATH} {
      default_type application/json;
      return 200 '{"generation":${c.generation},"instance":"${c.instance}"}';
    }
    # A model server's failure, as the Node router answers it: 502 naming the version and what went wrong.
    location @mlcd_failed {
      default_type application/json;
      add_header ${VERSION_HEADER} $mlcd_version always;
      add_header ${REQUEST_ID_HEADER} $mlcd_request_id always;
      access_log syslog:server=127.0.0.1:${c.logPort},nohostname,tag=${LOG_TAG} mlcd;
      return 502 '{"error":"version $mlcd_version of model $mlcd_model $mlcd_failure","version":"$mlcd_version"}';
    }
${locations.join('\n')}
    location / {
      proxy_pass http://mlcd_control;
      proxy_buffering off;
      # A deploy answers once its model server is healthy: as long as its startup timeout.
      proxy_read_timeout 3600s;
    }
  }
}
`;
}

/** The part every predict location shares, kept in its own file so the main config stays short. */
export function renderPredictInclude(logPort: number): string {
  return `# Written by the mlcd serving daemon: what every model's predict location does.
if ($request_method != POST) {
  return 405 '{"error":"method $request_method not allowed here; use POST"}';
}
if ($mlcd_request_id_ok = 0) {
  return 400 '{"error":"${REQUEST_ID_HEADER} header: request id must be 1 to ${MAX_REQUEST_ID_LENGTH} visible ASCII characters (no spaces)"}';
}
default_type application/json;
add_header ${VERSION_HEADER} $mlcd_version always;
add_header ${REQUEST_ID_HEADER} $mlcd_request_id always;
proxy_set_header ${REQUEST_ID_HEADER} $mlcd_request_id;
proxy_buffering off;
# Every failed answer goes to @mlcd_failed (a 502 naming the version), as in the Node router.
proxy_intercept_errors on;
error_page ${FAILED_STATUSES.join(' ')} = @mlcd_failed;
js_body_filter mlcd.captureResponse;
access_log syslog:server=127.0.0.1:${logPort},nohostname,tag=${LOG_TAG} mlcd;
`;
}

/**
 * The njs script: the request body for the log line, and a body filter that copies the model
 * server's answer into `$mlcd_response` as it passes. Either is "-" when longer than the limit
 * (the request still counts; its rows and scores are not kept), so a log line stays one datagram.
 */
export function renderNjsScript(captureLimitBytes: number): string {
  return `// Written by the mlcd serving daemon.
var LIMIT = ${captureLimitBytes};
function requestBody(r) {
  var body;
  try {
    body = r.requestText;
  } catch (e) {
    return '-'; // "request body is in a file": longer than the in-memory buffer
  }
  if (body === undefined) return r.variables.content_length > 0 ? '-' : '';
  return body.length <= LIMIT ? body : '-';
}
function captureResponse(r, data, flags) {
  var seen = r.variables.mlcd_response;
  if (seen !== '-') r.variables.mlcd_response = seen.length + data.length <= LIMIT ? seen + data : '-';
  r.sendBuffer(data, flags);
}
export default { requestBody, captureResponse };
`;
}

/** `x-mlcd-route-key` → `x_mlcd_route_key`, as nginx names a request header's variable. */
function headerVar(header: string): string {
  return header.toLowerCase().replace(/-/g, '_');
}
