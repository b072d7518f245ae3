"""`npm run bench:evaluate`: mlcd's metrics against scikit-learn's on the same predictions files,
side by side in this one script: AUC-ROC, average precision, and a 1000-round percentile
bootstrap of the AUC. Each tool runs in its own process, alternately (the order rotates each
round), `--repeat` times; medians are reported. scikit-learn's bootstrap (resample indices,
`roc_auc_score` per resample) runs `--sklearn-rounds` rounds and is reported per round and
extrapolated to 1000 rounds, because 1000 rounds on 10M rows would take it most of an hour.

Usage: python bench/evaluate/driver.py [--rows 1000000,10000000] [--repeat 3] [--out F]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, ".data")


def run(cmd: list[str]) -> dict:
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        raise SystemExit(f"bench:evaluate: {' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="1000000,10000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=1000, help="mlcd's bootstrap rounds")
    ap.add_argument("--sklearn-rounds", default="20,4", help="scikit-learn's bootstrap rounds per size")
    ap.add_argument("--out", default=os.path.join(HERE, "results.json"))
    args = ap.parse_args()
    sizes = [int(s) for s in args.rows.split(",")]
    sk_rounds = [int(s) for s in args.sklearn_rounds.split(",")]
    python = sys.executable
    results = []
    for i, rows in enumerate(sizes):
        subprocess.run([python, os.path.join(HERE, "generate.py"), "--rows", str(rows), "--out", DATA], check=True)
        path = os.path.join(DATA, f"predictions-{rows}.arrow")
        sk_r = sk_rounds[min(i, len(sk_rounds) - 1)]
        tools = {
            "mlcd": ["node", os.path.join(ROOT, "dist", "bench", "evaluate", "run-mlcd.js"), path, str(args.rounds)],
            "sklearn": [python, os.path.join(HERE, "run_sklearn.py"), path, str(sk_r)],
        }
        runs: dict[str, list[dict]] = {"mlcd": [], "sklearn": []}
        order = list(tools)
        for r in range(args.repeat):
            for name in order[r % 2:] + order[: r % 2]:
                t0 = time.monotonic()
                out = run(tools[name])
                print(f"  {rows:>10,} rows  {name:<8} run {r + 1}: auc {out['auc_s']:.3f} s, ap {out['ap_s']:.3f} s, "
                      f"{out['bootstrap_rounds']} rounds {out['bootstrap_s']:.2f} s ({time.monotonic() - t0:.1f} s total)",
                      flush=True)
                runs[name].append(out)
        m, s = runs["mlcd"], runs["sklearn"]
        agree = {
            "auc_abs_diff": abs(m[0]["auc"] - s[0]["auc"]),
            "ap_abs_diff": abs(m[0]["average_precision"] - s[0]["average_precision"]),
        }
        row = {
            "rows": rows,
            "repeat": args.repeat,
            "mlcd": {"auc_s": median(m, "auc_s"), "ap_s": median(m, "ap_s"), "bootstrap_rounds": args.rounds,
                     "bootstrap_s": median(m, "bootstrap_s"), "read_s": median(m, "read_s")},
            "sklearn": {"auc_s": median(s, "auc_s"), "ap_s": median(s, "ap_s"), "bootstrap_rounds": sk_r,
                        "bootstrap_s": median(s, "bootstrap_s"), "read_s": median(s, "read_s")},
            "agreement": agree,
            "runs": runs,
        }
        results.append(row)
    meta = {"node": subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip(),
            "python": sys.version.split()[0], "sklearn": results[0]["runs"]["sklearn"][0]["version"] if results else None,
            "cpus": os.cpu_count()}
    with open(args.out, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    print(f"\nwrote {args.out}\n")
    print("| rows | what | mlcd | scikit-learn | sklearn ÷ mlcd |")
    print("|---|---|---|---|---|")
    for r in results:
        ml, sk = r["mlcd"], r["sklearn"]
        print(f"| {r['rows']:,} | AUC-ROC | {ml['auc_s']:.3f} s | {sk['auc_s']:.3f} s | {sk['auc_s'] / ml['auc_s']:.1f}× |")
        print(f"| {r['rows']:,} | average precision | {ml['ap_s']:.3f} s | {sk['ap_s']:.3f} s | {sk['ap_s'] / ml['ap_s']:.1f}× |")
        per_ml = ml["bootstrap_s"] / ml["bootstrap_rounds"]
        per_sk = sk["bootstrap_s"] / sk["bootstrap_rounds"] if sk["bootstrap_rounds"] else float("nan")
        print(f"| {r['rows']:,} | bootstrap AUC, per round | {per_ml * 1000:.1f} ms | {per_sk * 1000:.1f} ms | {per_sk / per_ml:.1f}× |")
        print(f"| {r['rows']:,} | bootstrap AUC, {ml['bootstrap_rounds']} rounds | {ml['bootstrap_s']:.1f} s | "
              f"≈ {per_sk * ml['bootstrap_rounds']:.0f} s (from {sk['bootstrap_rounds']} rounds) | {per_sk / per_ml:.1f}× |")
        print(f"| {r['rows']:,} | agreement | AUC Δ {r['agreement']['auc_abs_diff']:.1e}, AP Δ {r['agreement']['ap_abs_diff']:.1e} | | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
