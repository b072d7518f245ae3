"""scikit-learn's side of bench/evaluate: reads a predictions file with pyarrow and times
roc_auc_score, average_precision_score and a percentile bootstrap of the AUC done the usual way
(resample row indices with numpy, score each resample). Prints one JSON object.

Usage: python bench/evaluate/run_sklearn.py <predictions.arrow> <bootstrap rounds>
"""
import json
import sys
import time

import numpy as np
import pyarrow.ipc as ipc
import sklearn
from sklearn.metrics import average_precision_score, roc_auc_score


def main() -> int:
    path, rounds = sys.argv[1], int(sys.argv[2])
    t0 = time.perf_counter()
    with ipc.open_file(path) as f:
        table = f.read_all()
    y = table.column("label").to_numpy()
    s = table.column("score").to_numpy()
    t1 = time.perf_counter()
    auc = roc_auc_score(y, s)
    t2 = time.perf_counter()
    ap = average_precision_score(y, s)
    t3 = time.perf_counter()
    rng = np.random.default_rng(0)
    aucs = []
    for _ in range(rounds):
        idx = rng.integers(0, y.size, y.size)
        aucs.append(roc_auc_score(y[idx], s[idx]))
    t4 = time.perf_counter()
    out = {
        "tool": "sklearn",
        "version": sklearn.__version__,
        "rows": int(y.size),
        "read_s": t1 - t0,
        "auc_s": t2 - t1,
        "ap_s": t3 - t2,
        "bootstrap_rounds": rounds,
        "bootstrap_s": t4 - t3,
        "auc": float(auc),
        "average_precision": float(ap),
        "interval": [float(np.quantile(aucs, 0.025)), float(np.quantile(aucs, 0.975))] if rounds > 1 else None,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
