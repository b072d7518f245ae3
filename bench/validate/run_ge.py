#!/usr/bin/env python3
"""Great Expectations 1.x runner: validate the current file against suite.json.

As a GE user would: an ephemeral data context, a pandas data source with a Parquet asset
(pandas.read_parquet) or a Feather asset (pandas.read_feather, i.e. the Arrow IPC file), one batch
of the whole file, then batch.validate(suite). Load time counts. GE has no reference-vs-current
drift statistics, so its task is the schema and the suite's expectations only.

Prints one line `RESULT {json}` on stdout.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--current", required=True)
    p.add_argument("--format", choices=["arrow", "parquet"], required=True)
    p.add_argument("--suite", required=True)
    p.add_argument("--reference", help="ignored: GE computes no drift")
    args = p.parse_args(argv)

    t0 = time.monotonic()
    warnings.filterwarnings("ignore")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    t_import = time.monotonic()
    context = gx.get_context(mode="ephemeral")
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("bench")
    path = os.path.abspath(args.current)
    if args.format == "parquet":
        asset = source.add_parquet_asset("current", path=path)
    else:
        asset = source.add_feather_asset("current", path=path)
    batch_definition = asset.add_batch_definition_whole_dataframe("whole")

    with open(args.suite) as f:
        spec = json.load(f)
    suite = gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"])
    if len(suite.expectations) != len(spec["expectations"]):
        raise SystemExit(f"GE accepted {len(suite.expectations)} of {len(spec['expectations'])} expectations")
    suite = context.suites.add(suite)

    t_setup = time.monotonic()
    batch = batch_definition.get_batch()  # reads the whole file into a pandas DataFrame
    t_load = time.monotonic()
    result = batch.validate(suite, result_format="SUMMARY")
    t_validate = time.monotonic()

    rows = None
    outcomes = []
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        if cfg.type == "expect_table_row_count_to_be_between":
            rows = res.get("observed_value")
        outcomes.append({
            "type": cfg.type,
            "column": cfg.kwargs.get("column") or cfg.kwargs.get("column_list"),
            "success": bool(r.success),
            "observed": _jsonable(res.get("observed_value", res.get("unexpected_percent"))),
            "error": _exception_message(r.exception_info),
        })
    failed = [o for o in outcomes if not o["success"]]
    out = {
        "tool": "great_expectations",
        "version": gx.__version__,
        "format": args.format,
        "task": "schema + expectations on current (GE has no per-column drift)",
        "rows": rows,
        "expectations": len(outcomes),
        "succeeded": len(outcomes) - len(failed),
        "failed": [{"type": o["type"], "column": o["column"], "observed": o["observed"], "error": o["error"]}
                   for o in failed],
        "phases_s": {"import": round(t_import - t0, 3), "setup": round(t_setup - t_import, 3),
                     "load": round(t_load - t_setup, 3), "validate": round(t_validate - t_load, 3)},
    }
    print("RESULT " + json.dumps(out))
    return 0


def _exception_message(info) -> str | None:
    """GE puts {raised_exception, exception_message} at the top, or per metric under its id."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    messages = [e.get("exception_message") for e in entries if e.get("raised_exception")]
    return "; ".join(str(m) for m in messages) or None


def _jsonable(v):
    try:
        json.dumps(v)
        return v
    except TypeError:
        return str(v)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
