/**
 * Steal time: the share of the machine's CPU time the hypervisor gave to other guests while a
 * run lasted. On a shared VM the host moves tail latencies more than the code under test does
 * (a bare nginx hop added 0.65 ms at p99 on one day and 17.9 ms on another machine of the same
 * kind), and steal is the one sign of it a guest can read, so every run records it beside its
 * latencies. It does not show everything: cache and memory contention from other guests do not
 * count as steal.
 */
import { readFileSync } from 'node:fs';

/** The machine-wide CPU counters of /proc/stat's `cpu` line, in clock ticks. */
export interface CpuTimes {
  /** user + nice + system + idle + iowait + irq + softirq + steal (guest time is inside user). */
  total: number;
  steal: number;
}

/** Reads the aggregate `cpu` line of a /proc/stat text; null when it has none or it is malformed. */
export function parseCpuTimes(procStat: string): CpuTimes | null {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) return null;
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  // Kernels before 2.6.11 have no steal column: eight fields are needed.
  if (v.length < 8 || v.some((x) => !Number.isFinite(x) || x < 0)) return null;
  return { total: v.reduce((a, b) => a + b, 0), steal: v[7] as number };
}

/** The machine's CPU counters now; null where /proc/stat cannot be read (not Linux). */
export function readCpuTimes(): CpuTimes | null {
  try {
    return parseCpuTimes(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/** Percent of the CPU time between two readings that was stolen; null without both or without time passing. */
export function stealPercent(before: CpuTimes | null, after: CpuTimes | null): number | null {
  if (before === null || after === null) return null;
  const total = after.total - before.total;
  if (total <= 0) return null;
  return (100 * (after.steal - before.steal)) / total;
}
