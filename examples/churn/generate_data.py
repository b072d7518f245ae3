#!/usr/bin/env python3
"""Synthetic churn data for the mlcd example.

Writes DIR/train.arrow, DIR/eval.arrow, DIR/reference.arrow (Arrow IPC file format) and
DIR/eval.csv. Churn depends on the features non-linearly, with interactions, so a gradient
boosted model beats a linear baseline clearly.

    python generate_data.py --out data/clean --rows 6000 --seed 7
    python generate_data.py --out data/corrupt --seed 7 --fault corrupt   # violates validation
    python generate_data.py --out data/drift --seed 7 --fault drift       # valid, shifted
    python generate_data.py --out data/schema --seed 7 --fault schema     # upstream schema change

Deterministic for a given seed (and row counts).
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as ipc

PLANS = ["basic", "standard", "premium"]
REGIONS = ["north", "south", "east", "west"]

SCHEMA = pa.schema(
    [
        ("tenure_months", pa.int64()),
        ("monthly_charges", pa.float64()),
        ("support_calls", pa.int64()),
        ("usage_gb", pa.float64()),
        ("plan", pa.string()),
        ("region", pa.string()),
        ("churned", pa.int64()),
    ]
)


def make_rows(rng: np.random.Generator, n: int, drift: bool) -> dict[str, np.ndarray]:
    """One split: features, then a churn label drawn from a non-linear risk score."""
    plan_p = [0.25, 0.35, 0.40] if drift else [0.45, 0.35, 0.20]
    plan_idx = rng.choice(3, size=n, p=plan_p)
    plan = np.array(PLANS, dtype=object)[plan_idx]
    region = np.array(REGIONS, dtype=object)[rng.choice(4, size=n, p=[0.3, 0.25, 0.25, 0.2])]

    # Tenure: many short-lived customers, a long tail of loyal ones.
    tenure = np.clip(np.round(rng.exponential(30.0, size=n)), 0, 120).astype(np.int64)

    # Charges depend on the plan: basic ~ 20-70, standard ~ 50-120, premium ~ 90-200.
    lo = np.array([20.0, 50.0, 90.0])[plan_idx]
    hi = np.array([70.0, 120.0, 200.0])[plan_idx]
    charges = lo + (hi - lo) * rng.beta(2.0, 2.0, size=n)
    if drift:
        charges = charges * 1.4
    charges = np.round(np.clip(charges, 10.0, 500.0 if drift else 200.0), 2)

    support = np.clip(rng.poisson(1.8, size=n), 0, 20).astype(np.int64)
    usage = np.round(rng.lognormal(mean=np.log(40.0), sigma=0.8, size=n), 3)

    # Risk: thresholds and interactions a linear model cannot represent well.
    z = np.full(n, -2.6)
    short = tenure < 12
    z += np.where(short & (support >= 3), 4.5, 0.0)  # new and unhappy
    z += np.where(short & (support < 3), 1.0, 0.0)
    z += np.where((tenure >= 12) & (support >= 5), 3.0, 0.0)  # long-term but fed up
    # Price shock: charges above a plan-specific threshold.
    thresh = np.array([55.0, 100.0, 170.0])[plan_idx]
    z += np.where(charges > thresh, 2.8, 0.0)
    # Premium customers who do not use what they pay for.
    z += np.where((plan_idx == 2) & (usage < 20.0), 3.0, 0.0)
    # Loyalty sweet spot: mid tenure is safest, very long tenure a little less so.
    z += np.where((tenure >= 24) & (tenure <= 72), -2.0, 0.0)
    z += np.where(region == "south", np.where(support >= 2, 1.5, -0.8), 0.0)
    z += np.where((region == "west") & (plan_idx == 0), 1.4, 0.0)
    z += rng.normal(0.0, 1.0, size=n)
    churned = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(np.int64)

    usage_f = usage.astype(np.float64)
    usage_f[rng.random(n) < 0.01] = np.nan  # ~1% nulls
    return {
        "tenure_months": tenure,
        "monthly_charges": charges.astype(np.float64),
        "support_calls": support,
        "usage_gb": usage_f,
        "plan": plan,
        "region": region,
        "churned": churned,
    }


def to_table(cols: dict[str, np.ndarray], null_charges: np.ndarray | None = None) -> pa.Table:
    """Arrow table with the fixed schema; NaN usage (and flagged charges) become nulls."""
    arrays = []
    for field in SCHEMA:
        v = cols[field.name]
        if field.name == "usage_gb":
            arrays.append(pa.array(v, type=field.type, mask=np.isnan(v)))
        elif field.name == "monthly_charges" and null_charges is not None:
            arrays.append(pa.array(v, type=field.type, mask=null_charges))
        elif field.type == pa.string():
            arrays.append(pa.array(list(v), type=field.type))
        else:
            arrays.append(pa.array(v, type=field.type))
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def corrupt(rng: np.random.Generator, cols: dict[str, np.ndarray]) -> pa.Table:
    """Breaks the spec's validation rules: null charges, negative tenure, unknown plan."""
    n = len(cols["churned"])
    null_charges = rng.random(n) < 0.08
    tenure = cols["tenure_months"].copy()
    neg = rng.random(n) < 0.03
    tenure[neg] = -rng.integers(1, 24, size=int(neg.sum()))
    plan = cols["plan"].copy()
    plan[rng.random(n) < 0.04] = "gold"
    out = dict(cols, tenure_months=tenure, plan=plan)
    return to_table(out, null_charges=null_charges)


def schema_change(cols: dict[str, np.ndarray]) -> pa.Table:
    """An upstream schema change: `region` renamed to `area`, `tenure_months` now fractional."""
    table = to_table(cols)
    tenure = pa.array(cols["tenure_months"].astype(np.float64) + 0.5, type=pa.float64())
    table = table.set_column(table.schema.get_field_index("tenure_months"), "tenure_months", tenure)
    names = ["area" if n == "region" else n for n in table.column_names]
    return table.rename_columns(names)


def write_arrow(table: pa.Table, path: str) -> None:
    tmp = path + ".tmp"
    with pa.OSFile(tmp, "wb") as sink:
        with ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--rows", type=int, default=6000, help="training rows (default 6000)")
    ap.add_argument("--eval-rows", type=int, default=None, help="eval rows (default rows/2)")
    ap.add_argument("--reference-rows", type=int, default=None, help="reference rows (default rows/2)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fault", choices=["none", "corrupt", "drift", "schema"], default="none")
    args = ap.parse_args(argv)
    if args.rows < 10:
        print("generate_data: --rows must be at least 10", file=sys.stderr)
        return 2
    n_eval = args.eval_rows if args.eval_rows is not None else args.rows // 2
    n_ref = args.reference_rows if args.reference_rows is not None else args.rows // 2

    os.makedirs(args.out, exist_ok=True)
    drift = args.fault == "drift"
    # One independent stream per split, so changing one split's size leaves the others alone.
    seeds = np.random.SeedSequence(args.seed).spawn(4)
    train = make_rows(np.random.default_rng(seeds[0]), args.rows, drift)
    ev = make_rows(np.random.default_rng(seeds[1]), n_eval, drift)
    ref = make_rows(np.random.default_rng(seeds[2]), n_ref, drift)

    if args.fault == "corrupt":
        train_t = corrupt(np.random.default_rng(seeds[3]), train)
    elif args.fault == "schema":
        train_t = schema_change(train)
    else:
        train_t = to_table(train)
    eval_t = to_table(ev)
    write_arrow(train_t, os.path.join(args.out, "train.arrow"))
    write_arrow(eval_t, os.path.join(args.out, "eval.arrow"))
    write_arrow(to_table(ref), os.path.join(args.out, "reference.arrow"))
    pacsv.write_csv(eval_t, os.path.join(args.out, "eval.csv"))
    rate = float(np.mean(train["churned"]))
    print(f"generate_data: wrote {args.out} (train={args.rows} eval={n_eval} reference={n_ref} "
          f"fault={args.fault} churn_rate={rate:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
