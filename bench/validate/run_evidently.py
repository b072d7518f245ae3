#!/usr/bin/env python3
"""Evidently 0.7 runner: drift of current vs reference and a data summary, on the same files.

Loads both files with pandas as users do (pandas.read_parquet / pandas.read_feather; load time
counts), maps columns with a DataDefinition (id as the id column, the 12 numeric and 8 string
columns explicitly, so no text descriptors are guessed), then runs one Report:

  DataDriftPreset(num_method="ks",          cat_method="chisquare")
  DataDriftPreset(num_method="psi",         cat_method="psi")
  DataDriftPreset(num_method="wasserstein", cat_method="jensenshannon")
  ValueDrift(column, method="jensenshannon") for each numeric column
  DataSummaryPreset()

i.e. every statistic mlcd computes: KS, PSI, Wasserstein, Jensen-Shannon on numeric columns and
chi-square, PSI, Jensen-Shannon on categorical ones, forced instead of Evidently's size-dependent
defaults. Evidently has no user-defined expectations (GE-style suite), so suite.json is not run.

Prints one line `RESULT {json}` on stdout.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

NUM_METHODS = ["ks", "psi", "wasserstein", "jensenshannon"]
CAT_METHODS = ["chisquare", "psi", "jensenshannon"]


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--current", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--format", choices=["arrow", "parquet"], required=True)
    p.add_argument("--suite", help="ignored: Evidently has no expectation suites")
    p.add_argument("--drop", action="append", default=[], metavar="COLUMN",
                   help="leave a column out of both files (repeatable), e.g. to see what c_user_id costs")
    args = p.parse_args(argv)

    t0 = time.monotonic()
    warnings.filterwarnings("ignore")
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently import __version__ as evidently_version
    from evidently.metrics import ValueDrift
    from evidently.presets import DataDriftPreset, DataSummaryPreset

    t_import = time.monotonic()
    read = pd.read_parquet if args.format == "parquet" else pd.read_feather
    reference = read(args.reference)
    current = read(args.current)
    if args.drop:
        reference, current = reference.drop(columns=args.drop), current.drop(columns=args.drop)
    t_load = time.monotonic()

    numeric = [c for c in current.columns if c != "id" and pd.api.types.is_numeric_dtype(current[c])]
    categorical = [c for c in current.columns if c != "id" and c not in numeric]
    definition = DataDefinition(id_column="id", numerical_columns=numeric, categorical_columns=categorical)
    ref_ds = Dataset.from_pandas(reference, data_definition=definition)
    cur_ds = Dataset.from_pandas(current, data_definition=definition)
    t_dataset = time.monotonic()

    presets = [DataDriftPreset(num_method=n, cat_method=c) for n, c in zip(NUM_METHODS, CAT_METHODS)]
    extra = [ValueDrift(column=col, method=m) for m in NUM_METHODS[len(CAT_METHODS):] for col in numeric]
    report = Report(presets + extra + [DataSummaryPreset()])
    snapshot = report.run(current_data=cur_ds, reference_data=ref_ds)
    t_report = time.monotonic()
    results = snapshot.dict()
    t_dict = time.monotonic()

    drift: dict[str, dict[str, float]] = {}
    metrics = results.get("metrics", [])
    for m in metrics:
        config = m.get("config", {})
        if config.get("type", "").endswith("ValueDrift"):
            drift.setdefault(config["column"], {})[config.get("method") or "?"] = _number(m.get("value"))
    out = {
        "tool": "evidently",
        "version": evidently_version,
        "format": args.format,
        "dropped": args.drop,
        "task": "drift (KS/PSI/Wasserstein/JS numeric; chi2/PSI/JS categorical) + data summary; no expectation suite",
        "rows": {"current": len(current), "reference": len(reference)},
        "metrics": len(metrics),
        "drift_values": sum(len(v) for v in drift.values()),
        "drift": drift,
        "phases_s": {"import": round(t_import - t0, 3), "load": round(t_load - t_import, 3),
                     "dataset": round(t_dataset - t_load, 3), "report": round(t_report - t_dataset, 3),
                     "results": round(t_dict - t_report, 3)},
    }
    print("RESULT " + json.dumps(out))
    return 0


def _number(v):
    try:
        return round(float(v), 6)
    except (TypeError, ValueError):
        return str(v)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
