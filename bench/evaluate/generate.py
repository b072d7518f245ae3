"""Predictions files for bench/evaluate: `predictions-<rows>.arrow` (Arrow IPC file) with a 0/1
label, a candidate score and a baseline score per row. Deterministic (seeded); rewritten only
when missing or when this script changed (a stamp file records its hash).

Usage: python bench/evaluate/generate.py --rows 1000000 --out bench/evaluate/.data
"""
import argparse
import hashlib
import os

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

BATCH = 1 << 20


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"predictions-{args.rows}.arrow")
    stamp = path + ".stamp"
    with open(__file__, "rb") as f:
        want = f"{hashlib.sha256(f.read()).hexdigest()} {args.seed}"
    if os.path.exists(path) and os.path.exists(stamp) and open(stamp).read() == want:
        print(f"generate: {path} up to date")
        return 0
    schema = pa.schema([("label", pa.int8()), ("score", pa.float64()), ("baseline", pa.float64())])
    rng = np.random.default_rng(args.seed)
    tmp = path + ".tmp"
    with pa.OSFile(tmp, "wb") as sink, ipc.new_file(sink, schema) as w:
        for start in range(0, args.rows, BATCH):
            n = min(BATCH, args.rows - start)
            y = (rng.random(n) < 0.3).astype(np.int8)
            # Logistic scores: the candidate separates the classes a little better than the baseline.
            cand = 1 / (1 + np.exp(-(1.2 * y - 0.6 + rng.standard_normal(n))))
            base = 1 / (1 + np.exp(-(1.0 * y - 0.5 + rng.standard_normal(n))))
            w.write_batch(pa.record_batch([pa.array(y), pa.array(cand), pa.array(base)], schema=schema))
    os.replace(tmp, path)
    with open(stamp, "w") as f:
        f.write(want)
    print(f"generate: wrote {path} ({args.rows:,} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
