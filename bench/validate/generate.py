#!/usr/bin/env python3
"""Seeded generator of the validation benchmark's data sets.

Writes a reference set (1M rows by default) and a current set (10M rows by default) with the same
21 columns (id + 12 numeric + 8 categorical/string), each as an Arrow IPC file (record batches of
65,536 rows) and as a Parquet file (snappy, row groups of 1,048,576 rows = 16 batches). Rows are made
batch by batch from a per-batch seed, so memory stays bounded (one row group at a time) and the data
is the same whatever the machine. A stamp file next to each pair records the parameters; files are
regenerated only when the stamp differs.

Columns (reference -> current):
  id               int64    unique, 0..n-1
  f_normal         float64  N(0, 1)
  f_normal_null    float64  N(50, 10), 3% null
  f_lognormal      float64  LogNormal(0, 1)
  f_lognormal_null float64  LogNormal(3, 0.5), 5% null
  f_uniform        float64  U(0, 100)
  f_score          float64  Beta(2, 5) in [0, 1]
  f_mild_drift     float64  N(10, 2)  -> N(10.1, 2.05)   (mild drift)
  f_strong_drift   float64  N(0, 1)   -> N(1.5, 1.5)     (strong drift)
  i_count          int64    Poisson(3)
  i_count_null     int64    Poisson(20), 2% null
  i_age            int64    uniform 18..90
  i_clicks         int64    NegBinomial(2, 0.1) (heavy right tail)
  c_device         dict     3 categories
  c_status         dict     4 categories
  c_plan           dict     5 categories
  c_channel_drift  dict     8 categories, shares change in current (drift)
  c_segment        dict     12 categories, 2% null
  c_country        dict     20 categories, Zipf-like shares
  c_region         dict     50 categories
  c_user_id        string   id-like "u%06d", 100,000 distinct values (plain utf8, not dictionary)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

GENERATOR_VERSION = 1
BATCH_ROWS = 65_536
BATCHES_PER_ROW_GROUP = 16  # 1,048,576 rows per Parquet row group
USER_IDS = 100_000


def _cats(prefix: str, n: int) -> list[str]:
    return [f"{prefix}_{i:02d}" for i in range(n)]


def _zipf_shares(n: int, s: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


CATEGORICAL = {
    "c_device": ["mobile", "desktop", "tablet"],
    "c_status": ["active", "trial", "churned", "paused"],
    "c_plan": ["free", "basic", "plus", "pro", "enterprise"],
    "c_channel_drift": ["organic", "paid_search", "social", "email", "referral", "display", "affiliate", "direct"],
    "c_segment": _cats("seg", 12),
    "c_country": ["US", "GB", "DE", "FR", "IN", "BR", "CA", "AU", "JP", "ES",
                  "IT", "NL", "MX", "SE", "PL", "KR", "TR", "ZA", "AR", "NG"],
    "c_region": _cats("region", 50),
}
SHARES_REF = {
    "c_device": np.array([0.6, 0.3, 0.1]),
    "c_status": np.array([0.7, 0.1, 0.15, 0.05]),
    "c_plan": np.array([0.4, 0.25, 0.15, 0.15, 0.05]),
    "c_channel_drift": np.array([0.30, 0.20, 0.15, 0.10, 0.10, 0.05, 0.05, 0.05]),
    "c_segment": np.full(12, 1 / 12),
    "c_country": _zipf_shares(20),
    "c_region": np.full(50, 1 / 50),
}
# Drift in category shares for the current set: paid/social up, organic down.
CHANNEL_SHARES_CUR = np.array([0.18, 0.28, 0.22, 0.08, 0.09, 0.05, 0.05, 0.05])

_DICTS = {name: pa.array(values, pa.string()) for name, values in CATEGORICAL.items()}
_USER_ID_STRINGS = np.array([f"u{i:06d}" for i in range(USER_IDS)], dtype=object)

SCHEMA = pa.schema(
    [("id", pa.int64())]
    + [(n, pa.float64()) for n in ["f_normal", "f_normal_null", "f_lognormal", "f_lognormal_null",
                                   "f_uniform", "f_score", "f_mild_drift", "f_strong_drift"]]
    + [(n, pa.int64()) for n in ["i_count", "i_count_null", "i_age", "i_clicks"]]
    + [(n, pa.dictionary(pa.int8(), pa.string())) for n in CATEGORICAL]
    + [("c_user_id", pa.string())]
)


def _with_nulls(values: np.ndarray, rng: np.random.Generator, frac: float, typ: pa.DataType) -> pa.Array:
    mask = rng.random(len(values)) < frac
    return pa.array(values, type=typ, mask=mask)


def make_batch(seed: int, kind: str, index: int, start: int, rows: int) -> pa.RecordBatch:
    """Rows [start, start + rows) of data set `kind` ('reference' or 'current')."""
    current = kind == "current"
    rng = np.random.default_rng([seed, 1 if current else 0, index])
    cols: dict[str, pa.Array] = {}
    cols["id"] = pa.array(np.arange(start, start + rows, dtype=np.int64))
    cols["f_normal"] = pa.array(rng.standard_normal(rows))
    cols["f_normal_null"] = _with_nulls(rng.normal(50, 10, rows), rng, 0.03, pa.float64())
    cols["f_lognormal"] = pa.array(rng.lognormal(0, 1, rows))
    cols["f_lognormal_null"] = _with_nulls(rng.lognormal(3, 0.5, rows), rng, 0.05, pa.float64())
    cols["f_uniform"] = pa.array(rng.uniform(0, 100, rows))
    cols["f_score"] = pa.array(rng.beta(2, 5, rows))
    cols["f_mild_drift"] = pa.array(rng.normal(10.1, 2.05, rows) if current else rng.normal(10, 2, rows))
    cols["f_strong_drift"] = pa.array(rng.normal(1.5, 1.5, rows) if current else rng.normal(0, 1, rows))
    cols["i_count"] = pa.array(rng.poisson(3, rows).astype(np.int64))
    cols["i_count_null"] = _with_nulls(rng.poisson(20, rows).astype(np.int64), rng, 0.02, pa.int64())
    cols["i_age"] = pa.array(rng.integers(18, 91, rows, dtype=np.int64))
    cols["i_clicks"] = pa.array(rng.negative_binomial(2, 0.1, rows).astype(np.int64))
    for name, dictionary in _DICTS.items():
        shares = CHANNEL_SHARES_CUR if (current and name == "c_channel_drift") else SHARES_REF[name]
        codes = rng.choice(len(shares), size=rows, p=shares).astype(np.int8)
        mask = (rng.random(rows) < 0.02) if name == "c_segment" else None
        indices = pa.array(codes, type=pa.int8(), mask=mask)
        cols[name] = pa.DictionaryArray.from_arrays(indices, dictionary)
    users = rng.integers(0, USER_IDS, rows)
    cols["c_user_id"] = pa.array(_USER_ID_STRINGS[users], type=pa.string())
    return pa.RecordBatch.from_arrays([cols[f.name] for f in SCHEMA], schema=SCHEMA)


def write_dataset(out_dir: str, kind: str, rows: int, seed: int) -> tuple[str, str]:
    base = os.path.join(out_dir, f"{kind}-{rows}")
    arrow_path, parquet_path, stamp_path = base + ".arrow", base + ".parquet", base + ".stamp"
    stamp = json.dumps({"version": GENERATOR_VERSION, "kind": kind, "rows": rows, "seed": seed,
                        "batch_rows": BATCH_ROWS, "script": _script_hash()}, sort_keys=True)
    if (os.path.exists(arrow_path) and os.path.exists(parquet_path) and os.path.exists(stamp_path)
            and open(stamp_path).read() == stamp):
        print(f"generate: {kind} ({rows:,} rows) up to date: {arrow_path}, {parquet_path}")
        return arrow_path, parquet_path
    if os.path.exists(stamp_path):
        os.remove(stamp_path)
    t0 = time.monotonic()
    tmp_arrow, tmp_parquet = arrow_path + ".tmp", parquet_path + ".tmp"
    pending: list[pa.RecordBatch] = []
    with pa.OSFile(tmp_arrow, "wb") as sink, ipc.new_file(sink, SCHEMA) as arrow_writer, \
            pq.ParquetWriter(tmp_parquet, SCHEMA, compression="snappy") as parquet_writer:
        for index, start in enumerate(range(0, rows, BATCH_ROWS)):
            batch = make_batch(seed, kind, index, start, min(BATCH_ROWS, rows - start))
            arrow_writer.write_batch(batch)
            pending.append(batch)
            if len(pending) == BATCHES_PER_ROW_GROUP:
                parquet_writer.write_table(pa.Table.from_batches(pending), row_group_size=len(pending) * BATCH_ROWS)
                pending = []
        if pending:
            parquet_writer.write_table(pa.Table.from_batches(pending), row_group_size=len(pending) * BATCH_ROWS)
    os.replace(tmp_arrow, arrow_path)
    os.replace(tmp_parquet, parquet_path)
    with open(stamp_path, "w") as f:
        f.write(stamp)
    mib = lambda p: os.path.getsize(p) / 2**20  # noqa: E731
    print(f"generate: {kind} ({rows:,} rows) in {time.monotonic() - t0:.1f}s: "
          f"{arrow_path} ({mib(arrow_path):.0f} MiB), {parquet_path} ({mib(parquet_path):.0f} MiB)")
    return arrow_path, parquet_path


def _script_hash() -> str:
    with open(__file__, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def main(argv: list[str]) -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10_000_000, help="rows of the current set (default 10,000,000)")
    p.add_argument("--reference-rows", type=int, default=1_000_000, help="rows of the reference set (default 1,000,000)")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--out", default=os.path.join(here, ".data"))
    args = p.parse_args(argv)
    if args.rows < 1 or args.reference_rows < 1:
        p.error("--rows and --reference-rows must be positive")
    os.makedirs(args.out, exist_ok=True)
    write_dataset(args.out, "reference", args.reference_rows, args.seed)
    write_dataset(args.out, "current", args.rows, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
