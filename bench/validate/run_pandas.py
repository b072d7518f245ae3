#!/usr/bin/env python3
"""Plain pandas + numpy + scipy runner: the same statistics mlcd computes, written directly.

Loads both files with pandas (load time counts), then:
  1. profile of every current column: count, nulls, NaN, +/-Inf, min, max, mean, std, quantiles
     (1/5/25/50/75/95/99%), distinct count, top-10 values;
  2. schema inferred from the reference (type, nullable, numeric range, category domain) and the
     current checked against it (type, unexpected nulls, out-of-range, out-of-domain counts);
  3. suite.json's expectations, each hand-written with pandas (see EXPECTATIONS);
  4. drift of every non-id column, current vs reference, with mlcd's (= Evidently's) definitions:
     numeric columns KS (scipy ks_2samp), Wasserstein (raw, and divided by the reference's
     population std, at least 0.001), PSI and Jensen-Shannon on Sturges bins over the pooled range
     (numpy.histogram_bin_edges(..., bins="sturges")), or per value when the reference has at most
     20 distinct values; categorical columns chi-square (expected = reference share x current
     total), PSI (Evidently's zero fill), Jensen-Shannon and L-infinity over the union of categories.

pandas reads nulls in float columns as NaN, so it cannot tell a null from a NaN; the profile counts
them together as nulls (the generated data holds no NaN).

Prints one line `RESULT {json}` on stdout.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

QUANTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
NUMERIC_BINNING_MIN_DISTINCT = 20
PSI_EPS = 0.0001


# ---------------------------------------------------------------- profile and schema

def is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def profile(df: pd.DataFrame) -> dict:
    out = {}
    for name, s in df.items():
        col = {"count": int(len(s)), "nulls": int(s.isna().sum())}
        if is_numeric(s):
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
            finite = v[np.isfinite(v)]
            col.update(nan=0, inf=int(np.isinf(v).sum()),
                       min=float(finite.min()), max=float(finite.max()),
                       mean=float(finite.mean()), std=float(finite.std(ddof=1)),
                       quantiles=[float(q) for q in np.quantile(finite, QUANTILES)])
            col["distinct"] = int(s.nunique())
        else:
            counts = s.value_counts(dropna=True)
            col["distinct"] = int(len(counts))
        top = s.value_counts(dropna=True).head(10)
        col["top"] = [[str(k), int(c)] for k, c in top.items()]
        out[name] = col
    return out


def infer_schema(ref: pd.DataFrame) -> dict:
    schema = {}
    for name, s in ref.items():
        col = {"dtype": str(s.dtype), "nullable": bool(s.isna().any())}
        if is_numeric(s):
            col.update(kind="numeric", min=float(s.min()), max=float(s.max()))
        else:
            domain = s.dropna().unique()
            col["kind"] = "categorical"
            if len(domain) <= 1000:  # an id-like column gets no domain
                col["domain"] = sorted(str(x) for x in domain)
        schema[name] = col
    return schema


def check_schema(cur: pd.DataFrame, schema: dict) -> list[dict]:
    findings = []
    for name, col in schema.items():
        if name not in cur.columns:
            findings.append({"column": name, "check": "missing"})
            continue
        s = cur[name]
        if col["kind"] == "numeric" and not is_numeric(s):
            findings.append({"column": name, "check": "type", "observed": str(s.dtype)})
            continue
        nulls = int(s.isna().sum())
        if nulls and not col["nullable"]:
            findings.append({"column": name, "check": "nulls", "count": nulls})
        if col["kind"] == "numeric":
            out = int(((s < col["min"]) | (s > col["max"])).sum())
            if out:
                findings.append({"column": name, "check": "range", "count": out})
        elif "domain" in col:
            out = int((~s.isin(col["domain"]) & s.notna()).sum())
            if out:
                findings.append({"column": name, "check": "domain", "count": out})
    for name in cur.columns:
        if name not in schema:
            findings.append({"column": name, "check": "unexpected column"})
    return findings


# ---------------------------------------------------------------- the suite, by hand

def _between(x, kw) -> bool:
    lo, hi = kw.get("min_value"), kw.get("max_value")
    if lo is not None and (x <= lo if kw.get("strict_min") else x < lo):
        return False
    if hi is not None and (x >= hi if kw.get("strict_max") else x > hi):
        return False
    return True


def _mostly(unexpected: int, total: int, kw) -> bool:
    if total == 0:
        return True
    return (total - unexpected) / total >= kw.get("mostly", 1.0)


def _values(df, kw):
    """Non-null values of the column, as GE's column map expectations see them."""
    return df[kw["column"]].dropna()


def _values_between(df, kw):
    s = _values(df, kw)
    ok = pd.Series(True, index=s.index)
    if kw.get("min_value") is not None:
        ok &= (s > kw["min_value"]) if kw.get("strict_min") else (s >= kw["min_value"])
    if kw.get("max_value") is not None:
        ok &= (s < kw["max_value"]) if kw.get("strict_max") else (s <= kw["max_value"])
    bad = int((~ok).sum())
    return _mostly(bad, len(s), kw), bad


def _quantiles(df, kw):
    q = kw["quantile_ranges"]
    observed = np.quantile(_values(df, kw).to_numpy(dtype=np.float64), q["quantiles"])
    ok = all(_between(o, {"min_value": lo, "max_value": hi}) for o, (lo, hi) in zip(observed, q["value_ranges"]))
    return ok, [float(o) for o in observed]


def _match_regex(df, kw):
    s = _values(df, kw).astype(str)
    bad = int((~s.str.match(re.compile(kw["regex"]))).sum())
    return _mostly(bad, len(s), kw), bad


def _of_type(df, kw):
    return str(df[kw["column"]].dtype) == kw["type_"], str(df[kw["column"]].dtype)


EXPECTATIONS = {
    "expect_table_row_count_to_be_between": lambda df, kw: (_between(len(df), kw), len(df)),
    "expect_table_columns_to_match_set": lambda df, kw: (
        set(df.columns) == set(kw["column_set"]) if kw.get("exact_match", True)
        else set(kw["column_set"]) <= set(df.columns), list(df.columns)),
    "expect_column_values_to_be_of_type": _of_type,
    "expect_column_values_to_be_unique": lambda df, kw: (
        lambda s: (not s.duplicated(keep=False).any(), int(s.duplicated(keep=False).sum())))(_values(df, kw)),
    "expect_column_values_to_not_be_null": lambda df, kw: (
        lambda n: (_mostly(n, len(df), kw), n))(int(df[kw["column"]].isna().sum())),
    "expect_column_proportion_of_non_null_values_to_be_between": lambda df, kw: (
        lambda p: (_between(p, kw), p))(float(df[kw["column"]].notna().mean())),
    "expect_column_values_to_be_between": _values_between,
    "expect_column_values_to_be_in_set": lambda df, kw: (
        lambda s, bad: (_mostly(bad, len(s), kw), bad))(_values(df, kw), int((~_values(df, kw).isin(kw["value_set"])).sum())),
    "expect_column_values_to_match_regex": _match_regex,
    "expect_column_mean_to_be_between": lambda df, kw: (lambda m: (_between(m, kw), m))(float(_values(df, kw).mean())),
    "expect_column_stdev_to_be_between": lambda df, kw: (lambda m: (_between(m, kw), m))(float(_values(df, kw).std())),
    "expect_column_median_to_be_between": lambda df, kw: (lambda m: (_between(m, kw), m))(float(_values(df, kw).median())),
    "expect_column_min_to_be_between": lambda df, kw: (lambda m: (_between(m, kw), m))(float(_values(df, kw).min())),
    "expect_column_quantile_values_to_be_between": _quantiles,
    "expect_column_proportion_of_unique_values_to_be_between": lambda df, kw: (
        lambda s: (lambda p: (_between(p, kw), p))(s.nunique() / len(s) if len(s) else 0.0))(_values(df, kw)),
    "expect_column_unique_value_count_to_be_between": lambda df, kw: (
        lambda n: (_between(n, kw), n))(int(_values(df, kw).nunique())),
    "expect_compound_columns_to_be_unique": lambda df, kw: (
        lambda d: (not d.any(), int(d.sum())))(df[list(kw["column_list"])].duplicated(keep=False)),
}


def run_suite(df: pd.DataFrame, suite: dict) -> list[dict]:
    results = []
    for e in suite["expectations"]:
        fn = EXPECTATIONS.get(e["type"])
        if fn is None:
            results.append({"type": e["type"], "success": False, "error": "not implemented"})
            continue
        ok, observed = fn(df, e["kwargs"])
        results.append({"type": e["type"], "column": e["kwargs"].get("column") or e["kwargs"].get("column_list"),
                        "success": bool(ok), "observed": observed if not isinstance(observed, np.generic) else observed.item()})
    return results


# ---------------------------------------------------------------- drift

def _zero_fill(p: np.ndarray) -> float:
    """Evidently's replacement for a zero proportion in PSI: 0.0001, or min nonzero / 1e6 if smaller."""
    nonzero = p[p > 0]
    low = nonzero.min() if len(nonzero) else PSI_EPS
    return low / 1e6 if low <= PSI_EPS else PSI_EPS


def psi(ref_counts: np.ndarray, cur_counts: np.ndarray) -> float:
    """PSI as Evidently's `psi` stat test: sum((ref - cur) * ln(ref / cur)) over zero-filled proportions."""
    r = ref_counts / ref_counts.sum()
    c = cur_counts / cur_counts.sum()
    r = np.where(r == 0, _zero_fill(r), r)
    c = np.where(c == 0, _zero_fill(c), c)
    return float(np.sum((r - c) * np.log(r / c)))


def numeric_drift(ref: np.ndarray, cur: np.ndarray) -> dict:
    ks = stats.ks_2samp(ref, cur)
    w = stats.wasserstein_distance(ref, cur)
    if len(np.unique(ref)) > NUMERIC_BINNING_MIN_DISTINCT:
        # Evidently's binning: Sturges bins over the pooled range.
        edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
        rc = np.histogram(ref, bins=edges)[0].astype(np.float64)
        cc = np.histogram(cur, bins=edges)[0].astype(np.float64)
    else:  # few distinct values: each value is a category
        rv, rn = np.unique(ref, return_counts=True)
        cv, cn = np.unique(cur, return_counts=True)
        values = np.union1d(rv, cv)
        rc = np.zeros(len(values)); rc[np.searchsorted(values, rv)] = rn
        cc = np.zeros(len(values)); cc[np.searchsorted(values, cv)] = cn
    return {"ks": float(ks.pvalue), "ks_statistic": float(ks.statistic),
            "wasserstein_distance": float(w), "wasserstein": float(w / max(float(np.std(ref)), 0.001)),
            "psi": psi(rc, cc), "jensenshannon": float(jensenshannon(rc, cc)), "bins": int(len(rc))}


def categorical_drift(ref: pd.Series, cur: pd.Series) -> dict:
    rc = ref.value_counts(dropna=True)
    cc = cur.value_counts(dropna=True)
    keys = rc.index.union(cc.index)
    r = rc.reindex(keys, fill_value=0).to_numpy(dtype=np.float64)
    c = cc.reindex(keys, fill_value=0).to_numpy(dtype=np.float64)
    expected = r / r.sum() * c.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = stats.chisquare(c, expected) if (expected > 0).all() else None
    return {"chisquare_statistic": float(chi.statistic) if chi else float("inf"),
            "chisquare": float(chi.pvalue) if chi else 0.0,
            "psi": psi(r, c), "jensenshannon": float(jensenshannon(r, c)),
            "linf": float(np.max(np.abs(r / r.sum() - c / c.sum()))), "categories": int(len(keys))}


def drift(ref: pd.DataFrame, cur: pd.DataFrame) -> dict:
    out = {}
    for name in cur.columns:
        if name == "id" or name not in ref.columns:
            continue
        if is_numeric(cur[name]):
            out[name] = numeric_drift(ref[name].dropna().to_numpy(dtype=np.float64),
                                      cur[name].dropna().to_numpy(dtype=np.float64))
        else:
            out[name] = categorical_drift(ref[name].astype(object), cur[name].astype(object))
    return out


# ---------------------------------------------------------------- main

def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--current", required=True)
    p.add_argument("--reference", required=True)
    p.add_argument("--format", choices=["arrow", "parquet"], required=True)
    p.add_argument("--suite", required=True)
    args = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    with open(args.suite) as f:
        suite = json.load(f)

    t0 = time.monotonic()
    read = pd.read_parquet if args.format == "parquet" else pd.read_feather
    reference = read(args.reference)
    current = read(args.current)
    t_load = time.monotonic()
    prof = profile(current)
    t_profile = time.monotonic()
    schema = infer_schema(reference)
    findings = check_schema(current, schema)
    t_schema = time.monotonic()
    suite_results = run_suite(current, suite)
    t_suite = time.monotonic()
    drifts = drift(reference, current)
    t_drift = time.monotonic()

    failed = [r for r in suite_results if not r["success"]]
    out = {
        "tool": "pandas",
        "version": f"pandas {pd.__version__}, numpy {np.__version__}, scipy {__import__('scipy').__version__}",
        "format": args.format,
        "task": "profile + schema (inferred from reference) + suite by hand + drift (KS/Wasserstein/PSI/JS; chi2/PSI/JS/Linf)",
        "rows": {"current": len(current), "reference": len(reference)},
        "profiled_columns": len(prof),
        "schema_findings": findings,
        "expectations": len(suite_results),
        "succeeded": len(suite_results) - len(failed),
        "failed": [{"type": r["type"], "column": r.get("column"), "observed": r.get("observed")} for r in failed],
        "drift_values": sum(len(v) for v in drifts.values()),
        "drift": {k: {m: round(x, 6) for m, x in v.items()} for k, v in drifts.items()},
        "phases_s": {"load": round(t_load - t0, 3), "profile": round(t_profile - t_load, 3),
                     "schema": round(t_schema - t_profile, 3), "suite": round(t_suite - t_schema, 3),
                     "drift": round(t_drift - t_suite, 3)},
    }
    print("RESULT " + json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
