/**
 * A real Prometheus server for the Prometheus MetricsSource suite: a config scraping one static
 * target on 127.0.0.1 every second, and its TSDB, in a fresh temporary directory; listening on a
 * free port of 127.0.0.1. The binary is the Debian package's /usr/bin/prometheus (scripts/setup.sh
 * installs it), `prometheus` on PATH, or MLCD_PROMETHEUS_BIN. Stopped with SIGTERM, then SIGKILL.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';

import { PortTakenError, startServerProcess } from './server-process';

/** Set to `1` where Prometheus may be missing (a dev machine without setup.sh): the suite skips. */
export const PROMETHEUS_OPTIONAL_ENV = 'MLCD_PROMETHEUS_OPTIONAL';
/** Overrides where the binary is looked up. */
export const PROMETHEUS_BIN_ENV = 'MLCD_PROMETHEUS_BIN';

/** What Prometheus scrapes. */
export interface ScrapeTarget {
  /** `127.0.0.1:<port>` of the server exposing the metrics. */
  target: string;
  /** Path of the metrics page. Default `/metrics`. */
  metricsPath?: string;
  /** Scrape interval, ms (a whole number of ms ≥ 100). Default 1 000. */
  scrapeIntervalMs?: number;
}

/** A running server. */
export interface PrometheusServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Temporary directory holding prometheus.yml, data/ and server.log. */
  dir: string;
  /** Scrape interval in use, ms. */
  scrapeIntervalMs: number;
  /** The server's combined stdout/stderr so far. */
  log(): string;
  /** SIGTERM, then SIGKILL after 5 s; removes `dir`. */
  stop(): Promise<void>;
}

/** `$MLCD_PROMETHEUS_BIN`, else /usr/bin/prometheus, else the first `prometheus` on PATH. */
export function prometheusBinary(): string {
  const fromEnv = process.env[PROMETHEUS_BIN_ENV];
  if (fromEnv) return fromEnv;
  const candidates = [
    '/usr/bin/prometheus',
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter((d) => d !== '')
      .map((d) => join(d, 'prometheus')),
  ];
  return candidates.find((p) => existsSync(p)) ?? '/usr/bin/prometheus';
}

/**
 * Why the suite must skip, or undefined when it must run: only a missing binary AND
 * `MLCD_PROMETHEUS_OPTIONAL=1` skip. Without the variable (CI) a missing binary fails the suite.
 */
export function prometheusSkipReason(): string | undefined {
  if (existsSync(prometheusBinary())) return undefined;
  if (process.env[PROMETHEUS_OPTIONAL_ENV] !== '1') return undefined;
  return `${prometheusBinary()} is absent and ${PROMETHEUS_OPTIONAL_ENV}=1: run scripts/setup.sh (apt-get install prometheus) to test the Prometheus metrics source`;
}

/**
 * Starts Prometheus scraping `scrape` and waits until `GET /-/ready` answers 200.
 *
 * @param timeoutMs - how long the server may take to become ready. Default 30 000.
 * @throws Error with the server's log when the binary is missing, the process exits, or it is not
 *   ready in time (one retry on another port when the port was taken meanwhile).
 */
export async function startPrometheusServer(
  scrape: ScrapeTarget,
  timeoutMs = 30_000,
): Promise<PrometheusServer> {
  const bin = prometheusBinary();
  if (!existsSync(bin)) {
    throw new Error(
      `prometheus binary ${bin} is absent: run scripts/setup.sh (apt-get install prometheus), set ${PROMETHEUS_BIN_ENV}, ` +
        `or set ${PROMETHEUS_OPTIONAL_ENV}=1 to skip the Prometheus suite`,
    );
  }
  const scrapeIntervalMs = scrape.scrapeIntervalMs ?? 1000;
  if (!Number.isInteger(scrapeIntervalMs) || scrapeIntervalMs < 100)
    throw new Error(`scrapeIntervalMs must be a whole number of ms ≥ 100, got ${scrapeIntervalMs}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, { ...scrape, scrapeIntervalMs }, timeoutMs);
    } catch (err) {
      if (attempt >= 2 || !(err instanceof PortTakenError)) throw err;
    }
  }
}

async function startOnce(
  bin: string,
  scrape: ScrapeTarget & { scrapeIntervalMs: number },
  timeoutMs: number,
): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mlcd-prometheus-'));
  const configPath = join(dir, 'prometheus.yml');
  const interval = `${scrape.scrapeIntervalMs}ms`;
  writeFileSync(
    configPath,
    stringify({
      global: {
        scrape_interval: interval,
        // The default scrape timeout (10 s) longer than the interval is a config error.
        scrape_timeout: `${Math.max(50, scrape.scrapeIntervalMs - 100)}ms`,
        evaluation_interval: interval,
      },
      scrape_configs: [
        {
          job_name: 'mlcd-router',
          metrics_path: scrape.metricsPath ?? '/metrics',
          static_configs: [{ targets: [scrape.target] }],
        },
      ],
    }),
  );
  const server = await startServerProcess({
    name: 'prometheus',
    bin,
    dir,
    args: (port) => [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    readyPath: '/-/ready',
    timeoutMs,
  });
  return { ...server, dir, scrapeIntervalMs: scrape.scrapeIntervalMs };
}
