#!/usr/bin/env python3
"""The mlcd example churn model: train, score and serve.

    model.py train --train F --eval F --out DIR [--fault none|bad-model]
                   [--serve-fault none|slow|errors|degrade]
    model.py score --model DIR --data F --out P
    model.py serve --model DIR --port P

`train` writes DIR/model/ (the candidate: HistGradientBoostingClassifier) and DIR/baseline/
(LogisticRegression on standardized numeric + one-hot features), each holding model.joblib,
metadata.json and serve_fault.json, so `score` and `serve` work on either.
Exit codes: 0 ok, 1 unexpected error, 2 bad input (missing file or column, bad request).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import joblib
import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc

RANDOM_STATE = 42
LABEL = "churned"
NUMERIC = ["tenure_months", "monthly_charges", "support_calls", "usage_gb"]
CATEGORIES = {"plan": ["basic", "standard", "premium"], "region": ["north", "south", "east", "west"]}
FEATURES = NUMERIC + list(CATEGORIES)
SLICES = ["plan", "region"]
# Single-row predictions timed after scoring, for the latency report.
LATENCY_SAMPLE_ROWS = 200
THRESHOLD = 0.5

SERVE_FAULTS: dict[str, dict[str, Any]] = {
    "none": {"kind": "none"},
    "slow": {"kind": "slow", "latency_ms": 300},
    "errors": {"kind": "errors", "error_rate": 0.3},
    "degrade": {"kind": "degrade", "after_seconds": 25, "error_rate": 0.5, "latency_ms": 300},
}


class InputError(Exception):
    """Bad input: missing file, missing column, malformed request. Exit code 2 / HTTP 400."""


def log(msg: str) -> None:
    print(f"[model] {msg}", flush=True)


# ---------------------------------------------------------------------------- data


def read_arrow(path: str) -> pa.Table:
    """Reads an Arrow IPC file (or stream), or a CSV file by its .csv extension."""
    if not os.path.isfile(path):
        raise InputError(f"data file not found: {path}")
    try:
        if path.endswith(".csv"):
            import pyarrow.csv as pacsv

            return pacsv.read_csv(path)
        with pa.memory_map(path, "r") as src:
            try:
                return ipc.open_file(src).read_all()
            except pa.ArrowInvalid:
                src.seek(0)
                return ipc.open_stream(src).read_all()
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"cannot read {path} as Arrow IPC or CSV: {e}") from None


def encode_columns(cols: dict[str, list[Any]], n: int, source: str) -> np.ndarray:
    """Feature matrix: numeric columns as float (null or "" → NaN), categories as codes (unknown → NaN)."""
    missing = [f for f in FEATURES if f not in cols]
    if missing:
        raise InputError(f"{source}: missing feature column(s): {', '.join(missing)}")
    x = np.empty((n, len(FEATURES)), dtype=np.float64)
    for j, name in enumerate(NUMERIC):
        try:
            x[:, j] = [np.nan if v is None or v == "" else float(v) for v in cols[name]]
        except (TypeError, ValueError) as e:
            raise InputError(f"{source}: column {name} must be numeric ({e})") from None
    for k, (name, values) in enumerate(CATEGORIES.items()):
        code = {v: float(i) for i, v in enumerate(values)}
        x[:, len(NUMERIC) + k] = [code.get(v, np.nan) if isinstance(v, str) else np.nan for v in cols[name]]
    return x


def table_features(table: pa.Table, source: str) -> np.ndarray:
    cols = {name: table.column(name).to_pylist() for name in FEATURES if name in table.column_names}
    return encode_columns(cols, table.num_rows, source)


def table_labels(table: pa.Table, source: str) -> np.ndarray:
    if LABEL not in table.column_names:
        raise InputError(f"{source}: missing label column {LABEL}")
    y = table.column(LABEL).to_numpy(zero_copy_only=False)
    return np.asarray(y, dtype=np.int64)


# ---------------------------------------------------------------------------- models


def make_candidate() -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    cat_mask = [False] * len(NUMERIC) + [True] * len(CATEGORIES)
    return HistGradientBoostingClassifier(
        max_iter=300,
        learning_rate=0.05,
        max_leaf_nodes=15,
        min_samples_leaf=40,
        l2_regularization=1.0,
        categorical_features=cat_mask,
        early_stopping=False,
        random_state=RANDOM_STATE,
    )


def make_baseline() -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    num_idx = list(range(len(NUMERIC)))
    cat_idx = list(range(len(NUMERIC), len(FEATURES)))
    cats = [[float(i) for i in range(len(v))] for v in CATEGORIES.values()]
    prep = ColumnTransformer(
        [
            ("num", Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]), num_idx),
            ("cat", OneHotEncoder(categories=cats, handle_unknown="ignore"), cat_idx),
        ]
    )
    return Pipeline([("prep", prep), ("lr", LogisticRegression(max_iter=1000, random_state=RANDOM_STATE))])


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score

    pred = (p >= THRESHOLD).astype(np.int64)
    auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")
    return {
        "auc_roc": round(auc, 6),
        "precision": round(float(precision_score(y, pred, zero_division=0)), 6),
        "recall": round(float(recall_score(y, pred, zero_division=0)), 6),
        "f1": round(float(f1_score(y, pred, zero_division=0)), 6),
        "accuracy": round(float(accuracy_score(y, pred)), 6),
    }


def write_json(path: str, obj: Any) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def save_model(out_dir: str, model: Any, meta: dict[str, Any], serve_fault: dict[str, Any]) -> None:
    os.makedirs(out_dir, exist_ok=True)
    joblib.dump(model, os.path.join(out_dir, "model.joblib"))
    write_json(os.path.join(out_dir, "metadata.json"), meta)
    write_json(os.path.join(out_dir, "serve_fault.json"), serve_fault)


def load_model(model_dir: str) -> tuple[Any, dict[str, Any]]:
    path = os.path.join(model_dir, "model.joblib")
    if not os.path.isfile(path):
        raise InputError(f"no model.joblib in {model_dir}")
    meta_path = os.path.join(model_dir, "metadata.json")
    meta: dict[str, Any] = {}
    if os.path.isfile(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
    return joblib.load(path), meta


def positive_proba(model: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict_proba(x)[:, 1], dtype=np.float64)


# ---------------------------------------------------------------------------- train


def cmd_train(args: argparse.Namespace) -> int:
    import sklearn

    log(f"reading train={args.train} eval={args.eval}")
    train = read_arrow(args.train)
    ev = read_arrow(args.eval)
    x_tr, y_tr = table_features(train, args.train), table_labels(train, args.train)
    x_ev, y_ev = table_features(ev, args.eval), table_labels(ev, args.eval)
    log(f"train rows={len(y_tr)} positive={y_tr.mean():.3f}; eval rows={len(y_ev)}")

    y_fit = y_tr
    if args.fault == "bad-model":
        log("fault bad-model: training the candidate on shuffled labels")
        y_fit = np.random.default_rng(RANDOM_STATE).permutation(y_tr)

    fault = SERVE_FAULTS[args.serve_fault]
    common = {
        "features": FEATURES,
        "numeric": NUMERIC,
        "categories": CATEGORIES,
        "label": LABEL,
        "threshold": THRESHOLD,
        "train_rows": int(len(y_tr)),
        "eval_rows": int(len(y_ev)),
        "sklearn_version": sklearn.__version__,
        "random_state": RANDOM_STATE,
    }

    t0 = time.monotonic()
    log("training candidate: HistGradientBoostingClassifier")
    cand = make_candidate().fit(x_tr, y_fit)
    cand_m = {"train": metrics(y_tr, positive_proba(cand, x_tr)), "eval": metrics(y_ev, positive_proba(cand, x_ev))}
    log(f"candidate eval auc={cand_m['eval']['auc_roc']:.4f} precision={cand_m['eval']['precision']:.4f} "
        f"({time.monotonic() - t0:.1f}s)")
    save_model(
        os.path.join(args.out, "model"),
        cand,
        dict(common, model_type="HistGradientBoostingClassifier", fault=args.fault, metrics=cand_m),
        fault,
    )

    t0 = time.monotonic()
    log("training baseline: LogisticRegression")
    base = make_baseline().fit(x_tr, y_tr)
    base_m = {"train": metrics(y_tr, positive_proba(base, x_tr)), "eval": metrics(y_ev, positive_proba(base, x_ev))}
    log(f"baseline eval auc={base_m['eval']['auc_roc']:.4f} precision={base_m['eval']['precision']:.4f} "
        f"({time.monotonic() - t0:.1f}s)")
    save_model(
        os.path.join(args.out, "baseline"),
        base,
        dict(common, model_type="LogisticRegression", fault="none", metrics=base_m),
        SERVE_FAULTS["none"],
    )
    log(f"wrote {os.path.join(args.out, 'model')} and {os.path.join(args.out, 'baseline')}")
    return 0


# ---------------------------------------------------------------------------- score


def cmd_score(args: argparse.Namespace) -> int:
    model, _ = load_model(args.model)
    table = read_arrow(args.data)
    x = table_features(table, args.data)
    missing = [c for c in [LABEL, *SLICES] if c not in table.column_names]
    if missing:
        raise InputError(f"{args.data}: missing column(s): {', '.join(missing)}")
    scores = positive_proba(model, x)
    out = pa.table(
        {
            LABEL: table.column(LABEL).cast(pa.int64()),
            "score": pa.array(scores, type=pa.float64()),
            "plan": table.column("plan").cast(pa.string()),
            "region": table.column("region").cast(pa.string()),
        }
    )
    parent = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(parent, exist_ok=True)
    tmp = args.out + ".tmp"
    with pa.OSFile(tmp, "wb") as sink:
        with ipc.new_file(sink, out.schema) as w:
            w.write_table(out)
    os.replace(tmp, args.out)
    # Latency of single-row predictions, as a server answers them: mlcd reads this report next to
    # the predictions and gates on latency_p50_ms / latency_p99_ms when the spec asks.
    sample = min(LATENCY_SAMPLE_ROWS, x.shape[0])
    times = []
    for i in range(sample):
        t0 = time.perf_counter()
        positive_proba(model, x[i : i + 1])
        times.append((time.perf_counter() - t0) * 1000)
    if times:
        with open(args.out + ".latency.json", "w") as f:
            json.dump({"latency_p50_ms": float(np.percentile(times, 50)),
                       "latency_p99_ms": float(np.percentile(times, 99)), "rows": sample}, f)
    log(f"scored {table.num_rows} rows from {args.data} with {args.model} → {args.out}")
    return 0


# ---------------------------------------------------------------------------- serve


class ServeFault:
    """serve_fault.json applied to /predict: latency, random 500s, degradation after N seconds."""

    def __init__(self, spec: dict[str, Any], started: float) -> None:
        self.kind = str(spec.get("kind", "none"))
        self.latency_ms = float(spec.get("latency_ms", 0))
        self.error_rate = float(spec.get("error_rate", 0))
        self.after_seconds = float(spec.get("after_seconds", 0))
        self.started = started
        self.rng = random.Random(RANDOM_STATE)
        self.lock = threading.Lock()

    def active(self) -> bool:
        if self.kind == "none":
            return False
        if self.kind == "degrade":
            return time.monotonic() - self.started >= self.after_seconds
        return True

    def apply(self) -> bool:
        """Sleeps if configured; returns True when this request should fail with a 500."""
        if not self.active():
            return False
        if self.latency_ms > 0:
            time.sleep(self.latency_ms / 1000.0)
        if self.error_rate > 0:
            with self.lock:
                return self.rng.random() < self.error_rate
        return False


def make_handler(model: Any, fault: ServeFault, meta: dict[str, Any]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mlcd-churn/1"
        # Headers and body go out in two writes; with Nagle on, the body waits for the client's
        # delayed ACK of the headers on a kept-alive connection: 40 ms per answer on Linux.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
            pass

        def send_json(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/healthz":
                self.send_json(200, {"status": "ok", "model_type": meta.get("model_type")})
            else:
                self.send_json(404, {"error": f"no route GET {self.path}"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
            if self.path != "/predict":
                self.send_json(404, {"error": f"no route POST {self.path}"})
                return
            try:
                rows = parse_rows(raw)
                cols = {f: [r.get(f) for r in rows] for f in FEATURES if all(f in r for r in rows)}
                x = encode_columns(cols, len(rows), "request")
            except InputError as e:
                self.send_json(400, {"error": str(e)})
                return
            if fault.apply():
                self.send_json(500, {"error": "injected fault"})
                return
            scores = positive_proba(model, x).tolist() if rows else []
            self.send_json(200, {"scores": scores})

    return Handler


def parse_rows(raw: bytes) -> list[dict[str, Any]]:
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(f"request body is not JSON: {e}") from None
    if not isinstance(body, dict) or not isinstance(body.get("rows"), list):
        raise InputError('request body must be {"rows": [{feature: value, ...}, ...]}')
    rows = body["rows"]
    for i, r in enumerate(rows):
        if not isinstance(r, dict):
            raise InputError(f"rows[{i}] must be an object")
    return rows


def cmd_serve(args: argparse.Namespace) -> int:
    model, meta = load_model(args.model)
    fault_path = os.path.join(args.model, "serve_fault.json")
    spec: dict[str, Any] = {"kind": "none"}
    if os.path.isfile(fault_path):
        with open(fault_path) as f:
            spec = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(model, ServeFault(spec, time.monotonic()), meta))
    server.daemon_threads = True

    def on_term(signum: int, _frame: Any) -> None:
        # shutdown() waits for serve_forever to return, so it must run off the main thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    log(f"serving {args.model} on http://127.0.0.1:{server.server_address[1]} (fault={spec.get('kind')})")
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    log("stopped")
    return 0


# ---------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train the candidate and the baseline")
    t.add_argument("--train", required=True)
    t.add_argument("--eval", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--fault", choices=["none", "bad-model"], default="none")
    t.add_argument("--serve-fault", choices=list(SERVE_FAULTS), default="none")
    s = sub.add_parser("score", help="write predictions (Arrow IPC file)")
    s.add_argument("--model", required=True)
    s.add_argument("--data", required=True)
    s.add_argument("--out", required=True)
    v = sub.add_parser("serve", help="HTTP server: GET /healthz, POST /predict")
    v.add_argument("--model", required=True)
    v.add_argument("--port", type=int, required=True)
    args = ap.parse_args(argv)
    try:
        return {"train": cmd_train, "score": cmd_score, "serve": cmd_serve}[args.cmd](args)
    except InputError as e:
        print(f"model.py {args.cmd}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
