#!/usr/bin/env python3
"""Driver of the validation benchmark (run by bench/validate/run.sh inside the benchmark venv).

For each format (Arrow IPC, Parquet) and each tool (GE, Evidently, pandas, mlcd) it runs one
process on the same files, measures its wall time and its peak RSS (os.wait4's rusage, which
covers the process and every descendant it waited for), kills it after --timeout seconds, and
writes bench/validate/results.json plus a markdown table with ratios to mlcd (tool / mlcd, so
2.0 means the tool took twice mlcd's time or memory).

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the environment of the Python processes
only (generator and runners): some machines set them for old OpenBLAS builds and they slow a
current numpy down. mlcd (node) gets the environment unchanged.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOLS = ["ge", "evidently", "pandas", "mlcd"]
FORMATS = ["arrow", "parquet"]
TOOL_NAMES = {"ge": "Great Expectations", "evidently": "Evidently", "pandas": "pandas/scipy", "mlcd": "mlcd"}
MLCD_MAIN = os.path.join(ROOT, "dist", "src", "cli", "main.js")
UNKNOWN_COMMAND = re.compile(r"unknown (command|option)", re.I)


def python_env() -> dict:
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    return env


def _csv(value: str, allowed: list[str], flag: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    bad = [v for v in items if v not in allowed]
    if bad or not items:
        raise argparse.ArgumentTypeError(f"{flag}: expected a comma list of {','.join(allowed)} (got {value!r})")
    return items


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="npm run bench:validate --", description="mlcd validation benchmark")
    p.add_argument("--rows", type=int, default=10_000_000, help="rows of the current file (default 10,000,000)")
    p.add_argument("--reference-rows", type=int, default=1_000_000, help="rows of the reference file (default 1,000,000)")
    p.add_argument("--tools", type=lambda v: _csv(v, TOOLS, "--tools"), default=TOOLS,
                   help="comma list of " + ",".join(TOOLS))
    p.add_argument("--formats", type=lambda v: _csv(v, FORMATS, "--formats"), default=FORMATS,
                   help="comma list of " + ",".join(FORMATS))
    p.add_argument("--timeout", type=float, default=1800, help="seconds per tool run before it is killed (default 1800)")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs per tool and format, interleaved across tools; the table shows the median "
                        "(default 1). This machine's timings move by 15-30%% between runs")
    p.add_argument("--no-build", action="store_true",
                   help="use dist/ as it is (by default mlcd is rebuilt when dist/ is missing or older than src/)")
    p.add_argument("--out", default=os.path.join(HERE, "results.json"))
    p.add_argument("--data", default=os.path.join(HERE, ".data"))
    args = p.parse_args(argv)
    if args.rows < 1 or args.reference_rows < 1:
        p.error("--rows and --reference-rows must be positive")
    if args.repeat < 1:
        p.error("--repeat must be positive")
    return args


# ---------------------------------------------------------------- running one process

def run_measured(cmd: list[str], env: dict, timeout: float, log_prefix: str) -> dict:
    """Runs cmd in its own process group; returns wall, peak RSS, exit code, stdout, stderr tail."""
    out_path, err_path = log_prefix + ".stdout", log_prefix + ".stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path, encoding="utf-8", errors="replace") as f:
        stdout = f.read()
    with open(err_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    return {"wall_s": round(wall, 3), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "exit_code": proc.returncode, "timed_out": timed_out.is_set(),
            "stdout": stdout, "stderr_tail": stderr[-4000:],
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 3)}


def parse_result_line(stdout: str):
    for line in reversed(stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return None


def parse_json_stdout(stdout: str):
    text = stdout.strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        start = text.find("{")  # tolerate a log line before the JSON document
        if start > 0:
            try:
                return json.loads(text[start:])
            except json.JSONDecodeError:
                return None
        return None


# ---------------------------------------------------------------- preparation

def ensure_data(args, py_env: dict) -> None:
    cmd = [sys.executable, os.path.join(HERE, "generate.py"), "--rows", str(args.rows),
           "--reference-rows", str(args.reference_rows), "--out", args.data]
    subprocess.run(cmd, cwd=ROOT, env=py_env, check=True)


def warm_cache(paths: list[str]) -> None:
    """Reads each file once so every tool starts from the same (warm) page cache."""
    for path in paths:
        with open(path, "rb") as f:
            while f.read(16 << 20):
                pass


def mlcd_build_state(no_build: bool) -> str | None:
    """Builds mlcd when dist/ is missing or older than src/; returns a problem, or None."""
    if no_build:
        return None if os.path.exists(MLCD_MAIN) else f"{os.path.relpath(MLCD_MAIN, ROOT)} missing (--no-build)"
    src_newest = 0.0
    for d in ("src", "workflows", "activities", "scripts"):
        for base, _, files in os.walk(os.path.join(ROOT, d)):
            for name in files:
                if name.endswith(".ts"):
                    src_newest = max(src_newest, os.path.getmtime(os.path.join(base, name)))
    exists = os.path.exists(MLCD_MAIN)
    if exists and os.path.getmtime(MLCD_MAIN) >= src_newest:
        return None
    print("bench:validate: building mlcd (npm run build)", flush=True)
    done = subprocess.run(["npm", "run", "build", "--silent"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode == 0:
        return None
    tail = (done.stdout + done.stderr).strip()[-1500:]
    if exists:
        print(f"bench:validate: npm run build failed; using the existing dist/ build\n{tail}", flush=True)
        return None
    return f"npm run build failed: {tail}"


def threadpool_info(py_env: dict) -> list:
    code = ("import json, numpy, scipy; from threadpoolctl import threadpool_info; "
            "print(json.dumps(threadpool_info()))")
    done = subprocess.run([sys.executable, "-c", code], env=py_env, capture_output=True, text=True)
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        return [{"error": done.stderr.strip()[-500:]}]


def versions(py_env: dict) -> dict:
    code = ("import json, importlib.metadata as m; print(json.dumps({p: m.version(p) for p in "
            "['great-expectations', 'evidently', 'pandas', 'numpy', 'pyarrow', 'scipy']}))")
    done = subprocess.run([sys.executable, "-c", code], env=py_env, capture_output=True, text=True)
    out = json.loads(done.stdout) if done.returncode == 0 else {}
    out["python"] = platform.python_version()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True)
    out["node"] = node.stdout.strip()
    return out


# ---------------------------------------------------------------- the tools

def python_cmd(tool: str, fmt: str, files: dict, suite: str) -> list[str]:
    script = {"ge": "run_ge.py", "evidently": "run_evidently.py", "pandas": "run_pandas.py"}[tool]
    return [sys.executable, os.path.join(HERE, script), "--format", fmt, "--current", files["current"][fmt],
            "--reference", files["reference"][fmt], "--suite", suite]


def mlcd_unavailable(res: dict) -> bool:
    return res["exit_code"] == 2 and bool(UNKNOWN_COMMAND.search(res["stderr_tail"] + res["stdout"][-2000:]))


def prepare_mlcd_schema(files: dict, schema_path: str, timeout: float, log_dir: str) -> dict:
    """`mlcd schema infer <reference> -o schema.yaml`, once, untimed in the table (reported apart)."""
    cmd = ["node", MLCD_MAIN, "schema", "infer", files["reference"]["arrow"], "-o", schema_path]
    res = run_measured(cmd, dict(os.environ), timeout, os.path.join(log_dir, "mlcd-schema-infer"))
    res["cmd"] = cmd
    return res


def slim_mlcd_report(doc):
    """mlcd's JSON report without per-column histograms and drift bins (bulk, not compared)."""
    if not isinstance(doc, dict):
        return doc
    doc = dict(doc)
    if isinstance(doc.get("columns"), list):
        doc["columns"] = [{k: v for k, v in c.items() if k != "histogram"} if isinstance(c, dict) else c
                          for c in doc["columns"]]
    drift = doc.get("drift")
    if isinstance(drift, dict) and isinstance(drift.get("columns"), list):
        doc["drift"] = {**drift, "columns": [{k: v for k, v in c.items() if k != "bins"} if isinstance(c, dict) else c
                                             for c in drift["columns"]]}
    return doc


def error_note(res: dict) -> str:
    """`exit N: <the last line that looks like an error>` for the table."""
    lines = [ln.strip() for ln in res["stderr_tail"].splitlines() if ln.strip()]
    pick = next((ln for ln in reversed(lines) if re.search(r"error|exception|invalid|failed", ln, re.I)),
                lines[-1] if lines else "")
    if len(lines) > 1 and pick.endswith(":"):  # a heading such as "invalid suite X:" — add its first item
        idx = lines.index(pick)
        if idx + 1 < len(lines):
            pick += " " + lines[idx + 1]
    return f"exit {res['exit_code']}: {pick[:300]}" if pick else f"exit {res['exit_code']}"


def outcome(tool: str, fmt: str, res: dict) -> dict:
    row = {"tool": tool, "format": fmt, "wall_s": res["wall_s"], "peak_rss_mib": res["peak_rss_mib"],
           "cpu_s": res["cpu_s"], "exit_code": res["exit_code"]}
    if res["timed_out"]:
        row["status"] = "timeout"
    elif tool == "mlcd":
        if mlcd_unavailable(res):
            row.update(status="skipped", note="skipped: mlcd validate not available")
        else:
            doc = parse_json_stdout(res["stdout"])
            # mlcd exits 1 when the data fails validation; that is a completed run.
            if doc is not None and res["exit_code"] in (0, 1):
                row.update(status="ok", result=slim_mlcd_report(doc))
            else:
                row.update(status="error", note=error_note(res), stderr_tail=res["stderr_tail"][-1500:])
    else:
        doc = parse_result_line(res["stdout"])
        if res["exit_code"] == 0 and doc is not None:
            row.update(status="ok", result=doc)
        else:
            row.update(status="error", note=error_note(res), stderr_tail=res["stderr_tail"][-1500:])
    if row["status"] != "ok":
        row["wall_s_measured"], row["wall_s"] = row["wall_s"], None
        row["peak_rss_mib_measured"], row["peak_rss_mib"] = row["peak_rss_mib"], None
    return row


def combine_runs(runs: list[dict]) -> dict:
    """One row from a tool's runs on one format: the first that did not finish, or else the
    median wall and CPU time and the highest peak RSS, with every run's figures listed."""
    failed = next((r for r in runs if r["status"] != "ok"), None)
    if failed is not None or len(runs) == 1:
        return failed or runs[0]
    row = dict(runs[len(runs) // 2])
    row["wall_s"] = round(statistics.median(r["wall_s"] for r in runs), 3)
    row["cpu_s"] = round(statistics.median(r["cpu_s"] for r in runs), 3)
    row["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
    row["runs"] = [{"wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "peak_rss_mib": r["peak_rss_mib"],
                    "load_average_before": r["load_average_before"]} for r in runs]
    return row


def summary(row: dict) -> str:
    r = row.get("result") or {}
    if row["tool"] == "ge":
        return f"{r.get('succeeded')}/{r.get('expectations')} expectations passed; no drift (GE has none)"
    if row["tool"] == "evidently":
        return f"{r.get('drift_values')} drift values, {r.get('metrics')} metrics; no expectation suite (Evidently has none)"
    if row["tool"] == "pandas":
        return (f"{r.get('succeeded')}/{r.get('expectations')} expectations passed, "
                f"{len(r.get('schema_findings', []))} schema findings, {r.get('drift_values')} drift values")
    if row["tool"] == "mlcd" and row["status"] == "ok":
        parts = []
        exps = r.get("expectations")
        if isinstance(exps, list):
            parts.append(f"{sum(1 for e in exps if e.get('success'))}/{len(exps)} expectations passed")
        if isinstance(r.get("issues"), list):
            parts.append(f"{len(r['issues'])} schema issues")
        drift = r.get("drift")
        if isinstance(drift, dict) and "columns" in drift:
            values = sum(len(c.get("statistics", {})) for c in drift["columns"])
            parts.append(f"{values} drift values on {len(drift['columns'])} columns"
                         f" ({len(drift.get('skipped', []))} skipped)")
        return ", ".join(parts) or f"passed={r.get('passed')}"
    return ""


def fmt_num(v, digits=1) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def table(rows: list[dict]) -> str:
    lines = ["| tool | format | status | wall s | CPU s | peak RSS MiB | wall / mlcd | RSS / mlcd | what it did |",
             "|---|---|---|---:|---:|---:|---:|---:|---|"]
    mlcd = {r["format"]: r for r in rows if r["tool"] == "mlcd" and r["status"] == "ok"}
    for r in rows:
        base = mlcd.get(r["format"])
        ok = r["status"] == "ok" and base is not None
        wall_ratio = r["wall_s"] / base["wall_s"] if ok and base["wall_s"] else None
        mem_ratio = r["peak_rss_mib"] / base["peak_rss_mib"] if ok and base["peak_rss_mib"] else None
        status = r["status"] if r["status"] != "skipped" else r.get("note", "skipped")
        if r["status"] == "timeout":
            status = f"timeout (> {fmt_num(r['wall_s_measured'], 0)} s)"
        what = summary(r) if r["status"] == "ok" else ("" if r["status"] == "skipped" else r.get("note") or "")
        cpu = r.get("cpu_s") if r["status"] == "ok" else None
        status, what = (x.replace("|", "\\|").replace("\n", " ") for x in (status, what))
        lines.append(f"| {TOOL_NAMES[r['tool']]} | {r['format']} | {status} | {fmt_num(r['wall_s'])} | {fmt_num(cpu)} | "
                     f"{fmt_num(r['peak_rss_mib'], 0)} | {fmt_num(wall_ratio, 2)} | {fmt_num(mem_ratio, 2)} | {what} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- main

def main(argv: list[str]) -> int:
    args = parse_args(argv)
    py_env = python_env()
    log_dir = os.path.join(args.data, "logs")
    os.makedirs(log_dir, exist_ok=True)
    suite = os.path.join(HERE, "suite.json")

    ensure_data(args, py_env)
    files = {
        "reference": {f: os.path.join(args.data, f"reference-{args.reference_rows}.{f}") for f in FORMATS},
        "current": {f: os.path.join(args.data, f"current-{args.rows}.{f}") for f in FORMATS},
    }
    tp = threadpool_info(py_env)
    print("bench:validate: threadpoolctl (Python runners, OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset):")
    for lib in tp:
        print("  " + ", ".join(f"{k}={lib.get(k)}" for k in ("internal_api", "version", "num_threads",
                                                             "threading_layer", "architecture", "error") if k in lib))
    meta = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "rows": {"current": args.rows, "reference": args.reference_rows},
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                        "load_average_at_start": [round(x, 2) for x in os.getloadavg()]},
            "versions": versions(py_env), "threadpoolctl": tp, "timeout_s": args.timeout, "repeat": args.repeat,
            "files": {k: {f: {"path": os.path.relpath(p, ROOT), "mib": round(os.path.getsize(p) / 2**20, 1)}
                          for f, p in v.items()} for k, v in files.items()},
            "notes": ["wall and peak RSS include interpreter start, imports and file load",
                      "ratios are tool / mlcd on the same format",
                      "GE: schema + the expectation suite on current only; it has no per-column drift",
                      "Evidently: drift (all stat tests forced) + data summary; it has no expectation suites",
                      "page cache warmed before every run: every tool reads from memory",
                      "with repeat > 1: runs interleaved across tools, the order rotated each round; wall "
                      "and CPU s are medians, peak RSS the highest, each run under runs[]"]}

    load1 = os.getloadavg()[0]
    if load1 > 0.5 * (os.cpu_count() or 1):
        print(f"bench:validate: warning: load average {load1:.1f} on {os.cpu_count()} CPUs: other work is running, "
              "wall times will be inflated (CPU s is less affected)", flush=True)

    mlcd_problem = None
    schema_path = os.path.join(args.data, "schema.yaml")
    if "mlcd" in args.tools:
        mlcd_problem = mlcd_build_state(args.no_build)
        if mlcd_problem is None:
            infer = prepare_mlcd_schema(files, schema_path, args.timeout, log_dir)
            meta["mlcd_schema_infer"] = {"cmd": " ".join(infer["cmd"]), "wall_s": infer["wall_s"],
                                         "peak_rss_mib": infer["peak_rss_mib"], "exit_code": infer["exit_code"]}
            if mlcd_unavailable(infer):
                mlcd_problem = "skipped: mlcd validate not available (mlcd schema infer: unknown command)"
            elif infer["exit_code"] != 0 or infer["timed_out"]:
                mlcd_problem = f"mlcd schema infer failed (exit {infer['exit_code']}): {infer['stderr_tail'][-500:]}"

    rows: list[dict] = []
    for fmt in args.formats:
        runs: dict[str, list[dict]] = {tool: [] for tool in args.tools}
        # Interleaved (every tool once, then again) so that a slow spell of the machine falls on
        # all tools alike rather than on one, and in a rotated order: a run right after a tool
        # that held several GiB is measurably slower here (15-25 %), so no tool always follows
        # the biggest one.
        for rep in range(args.repeat):
            order = args.tools[rep % len(args.tools):] + args.tools[:rep % len(args.tools)]
            for tool in order:
                label = f"{TOOL_NAMES[tool]} / {fmt}" + (f" (run {rep + 1} of {args.repeat})" if args.repeat > 1 else "")
                if tool == "mlcd" and mlcd_problem:
                    if rep == 0:
                        status = "skipped" if mlcd_problem.startswith("skipped") else "error"
                        runs[tool].append({"tool": tool, "format": fmt, "status": status, "note": mlcd_problem,
                                           "wall_s": None, "peak_rss_mib": None})
                        print(f"bench:validate: {label}: {mlcd_problem.splitlines()[0]}", flush=True)
                    continue
                if any(r["status"] != "ok" for r in runs[tool]):
                    continue  # one failed or timed-out run settles the tool's row
                if tool == "mlcd":
                    cmd = ["node", MLCD_MAIN, "validate", files["current"][fmt], "--reference",
                           files["reference"][fmt], "--schema", schema_path, "--expectations", suite, "--json"]
                    env = dict(os.environ)
                else:
                    cmd = python_cmd(tool, fmt, files, suite)
                    env = py_env
                print(f"bench:validate: {label} ...", end=" ", flush=True)
                # Before every run: the machine reclaims page cache between runs.
                warm_cache([files["reference"][fmt], files["current"][fmt]])
                load_before = round(os.getloadavg()[0], 2)
                res = run_measured(cmd, env, args.timeout, os.path.join(log_dir, f"{tool}-{fmt}-{args.rows}"))
                row = outcome(tool, fmt, res)
                row["load_average_before"] = load_before
                row["cmd"] = " ".join(os.path.relpath(c, ROOT) if os.path.isabs(c) else c for c in cmd)
                runs[tool].append(row)
                if row["status"] == "ok":
                    print(f"{row['wall_s']:.1f} s, {row['peak_rss_mib']:.0f} MiB", flush=True)
                else:
                    print(row.get("note") or row["status"], flush=True)
        rows.extend(combine_runs(runs[tool]) for tool in args.tools)

    with open(args.out, "w") as f:
        json.dump({"meta": meta, "runs": rows}, f, indent=2)
        f.write("\n")
    print()
    print(f"current: {args.rows:,} rows, reference: {args.reference_rows:,} rows; "
          f"ratios are tool / mlcd on the same format (— when mlcd did not run)"
          + (f"; wall and CPU s are medians of {args.repeat} runs, peak RSS the highest" if args.repeat > 1 else ""))
    print(table(rows))
    print(f"\nresults: {os.path.relpath(args.out, ROOT)}; logs: {os.path.relpath(log_dir, ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
