/**
 * An open-loop HTTP load: request i is due at start + i / rate whatever happened to the earlier
 * ones, and its latency is timed from that due time, so a stall of the server (or of this client)
 * shows up in the latencies instead of quietly lowering the rate (coordinated omission).
 *
 * `node:http` with a keep-alive agent rather than the global fetch (undici): it costs the client
 * less CPU per request, which matters with the client, the router and the model server sharing
 * two cores, and it is the same for both paths measured.
 */
import { Agent, request } from 'node:http';
import { summarizeLatencies, type LatencySummary } from './latency-stats';

/** Options of {@link runOpenLoop}. Every bound is required: the load ends on its own. */
export interface OpenLoopOptions {
  /** URL every request is POSTed to (JSON). */
  url: string;
  /** Request bodies, used round-robin; at least one. */
  bodies: readonly Buffer[];
  /** Requests due per second; > 0. */
  ratePerSecond: number;
  /** Requests sent at the same rate before the measured period and not counted, ms. */
  warmupMs: number;
  /** Measured period, ms. */
  durationMs: number;
  /** Keep-alive connections at most; requests beyond wait in the agent's queue (and that wait counts). */
  connections: number;
  /** Requests started and not finished at most; a request due beyond that is not sent and counts as dropped. */
  maxInFlight: number;
  /** A request not answered within this long from its send is aborted and counts as failed, ms. */
  requestTimeoutMs: number;
  /** After the last due time, how long requests in flight may still finish, ms. */
  drainTimeoutMs: number;
  /** A response header every answer must carry (the router's `x-mlcd-version`); an answer without it counts as failed. */
  requiredHeader?: string;
  /**
   * A response header holding a time in ms that the server reports for itself (the router's
   * `x-mlcd-router-ms`), summarized over the measured answers as `headerMs`; an answer without
   * a finite number in it counts as failed.
   */
  timingHeader?: string;
}

/** What one open-loop run measured (the warm-up left out). */
export interface OpenLoopResult {
  offeredPerSecond: number;
  /** Requests due in the measured period. */
  offered: number;
  /** Answered 2xx (with the required header). */
  ok: number;
  /** Answered otherwise, timed out, failed to connect or unfinished when the drain ended. */
  errors: number;
  /** Never sent because `maxInFlight` requests were already outstanding. */
  dropped: number;
  /** `ok` ÷ the time from the first due time to the last answer (at least the measured period). */
  achievedPerSecond: number;
  /** From each request's due time to the end of its answer: what a caller arriving then waits. */
  latencyMs: LatencySummary;
  /**
   * From the actual send (a wait for a free connection included) to the end of the answer: the
   * latency without this client's timer lag, as a closed-loop client would time it.
   */
  serviceMs: LatencySummary;
  /** How late this client sent requests after their due time: its own timer and event-loop lag. */
  sendLagMs: LatencySummary;
  /** The `timingHeader` values of the measured answers, when one was asked for. */
  headerMs?: LatencySummary;
  /** CPU time of this client over the run (warm-up included), ms. */
  clientCpuMs: number;
  /** The first failure seen, for the report. */
  firstError?: string;
}

/** Runs the load and resolves once every request has finished or been given up (no later than warm-up + duration + drain + timeout). */
export async function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  if (o.bodies.length === 0) throw new RangeError('runOpenLoop: bodies must hold at least one body');
  const intervalMs = 1000 / o.ratePerSecond;
  const warmupCount = Math.floor(o.warmupMs / intervalMs);
  const measuredCount = Math.floor(o.durationMs / intervalMs);
  const total = warmupCount + measuredCount;
  const latency = new Float64Array(measuredCount);
  const service = new Float64Array(measuredCount);
  const lag = new Float64Array(measuredCount);
  const reported = new Float64Array(o.timingHeader === undefined ? 0 : measuredCount);
  let recorded = 0;
  let ok = 0;
  let errors = 0;
  let dropped = 0;
  let inFlight = 0;
  let firstError: string | undefined;
  let lastAnswerAt = 0;
  const pending = new Set<AbortController>();
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections, maxFreeSockets: o.connections });
  const target = new URL(o.url);
  const required = o.requiredHeader?.toLowerCase();
  const timing = o.timingHeader?.toLowerCase();
  const cpu0 = process.cpuUsage();
  const start = performance.now() + 5; // a few ms for the first timer to settle
  const measuredFrom = start + warmupCount * intervalMs;

  const fail = (measured: boolean, message: string): void => {
    if (measured) errors++;
    firstError ??= message;
  };

  const send = (i: number, due: number): void => {
    const measured = i >= warmupCount;
    if (inFlight >= o.maxInFlight) {
      if (measured) dropped++;
      firstError ??= `dropped: ${o.maxInFlight} requests already in flight`;
      return;
    }
    inFlight++;
    const body = o.bodies[i % o.bodies.length] as Buffer;
    const ctl = new AbortController();
    pending.add(ctl);
    const timer = setTimeout(() => ctl.abort(), o.requestTimeoutMs);
    const sentAt = performance.now();
    let settled = false;
    const settle = (outcome: { ok: true; reportedMs: number } | { ok: false; message: string }): void => {
      if (settled) return;
      settled = true;
      const now = performance.now();
      clearTimeout(timer);
      pending.delete(ctl);
      inFlight--;
      if (!outcome.ok) return fail(measured, outcome.message);
      if (!measured) return;
      ok++;
      lastAnswerAt = now;
      latency[recorded] = now - due;
      service[recorded] = now - sentAt;
      lag[recorded] = sentAt - due;
      if (timing !== undefined) reported[recorded] = outcome.reportedMs;
      recorded++;
    };
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        signal: ctl.signal,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const missing = required !== undefined && res.headers[required] === undefined;
        const reportedMs = timing === undefined ? 0 : Number(res.headers[timing] ?? NaN);
        res.resume(); // the body is read (and dropped) so the connection can be reused
        res.once('end', () => {
          if (status < 200 || status >= 300) settle({ ok: false, message: `HTTP ${status} from ${o.url}` });
          else if (missing)
            settle({ ok: false, message: `answer from ${o.url} lacks the ${required} header` });
          else if (!Number.isFinite(reportedMs))
            settle({ ok: false, message: `answer from ${o.url} has no time in ms in the ${timing} header` });
          else settle({ ok: true, reportedMs });
        });
        res.once('error', (e) => settle({ ok: false, message: e.message }));
      },
    );
    req.once('error', (e) =>
      settle({
        ok: false,
        message: ctl.signal.aborted ? `no answer within ${o.requestTimeoutMs} ms` : e.message,
      }),
    );
    req.end(body);
  };

  // Sends every request whose due time has come, then sleeps until the next one. Node's timers have
  // a 1 ms grain; spinning instead would take a core from the servers on this 2-core machine.
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = (): void => {
      const now = performance.now();
      while (i < total && start + i * intervalMs <= now) {
        send(i, start + i * intervalMs);
        i++;
      }
      if (i >= total) return resolve();
      setTimeout(tick, Math.max(0, start + i * intervalMs - performance.now()));
    };
    setTimeout(tick, Math.max(0, start - performance.now()));
  });

  const drainUntil = performance.now() + o.drainTimeoutMs;
  while (inFlight > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  const unfinished = inFlight;
  for (const ctl of [...pending]) ctl.abort();
  agent.destroy();
  const cpu = process.cpuUsage(cpu0);
  // Every measured request was sent or dropped; those neither answered 2xx nor failed yet were
  // still in flight when the drain ended (their aborts settle later), so they count as failed here.
  errors = measuredCount - dropped - ok;
  if (unfinished > 0)
    firstError ??= `${unfinished} requests unfinished ${o.drainTimeoutMs} ms after the last was due`;
  const elapsedMs = Math.max(o.durationMs, lastAnswerAt - measuredFrom);
  return {
    offeredPerSecond: o.ratePerSecond,
    offered: measuredCount,
    ok,
    errors,
    dropped,
    achievedPerSecond: ok / (elapsedMs / 1000),
    latencyMs: summarizeLatencies(latency.subarray(0, recorded)),
    serviceMs: summarizeLatencies(service.subarray(0, recorded)),
    sendLagMs: summarizeLatencies(lag.subarray(0, recorded)),
    ...(timing === undefined ? {} : { headerMs: summarizeLatencies(reported.subarray(0, recorded)) }),
    clientCpuMs: (cpu.user + cpu.system) / 1000,
    ...(firstError === undefined ? {} : { firstError }),
  };
}
