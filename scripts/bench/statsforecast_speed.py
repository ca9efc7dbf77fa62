"""Fit times of statsforecast's AutoETS and AutoTheta on the training part of the 7 shared series.

    flock /tmp/forecast-cpu.lock env OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 \\
        /work/venv-sf/bin/python scripts/bench/statsforecast_speed.py OUT.json [DATA_DIR] [--reps 5]

The training part is the one of the accuracy protocol (statsforecast_accuracy.py): rows with a
missing target dropped, then every point before the last floor(0.2 n). Each model is first fitted
once on a small series (a 48-point seasonal sine) so that one-time costs (imports, any JIT
compilation, first calls into the C++ core) are not timed; then each (series, model) fit is timed
`reps` times with time.perf_counter and the median is reported, with the minimum and maximum.
A fit here is `Model(season_length=m).fit(y_train)`: the whole automatic search (every candidate
model estimated and compared by its information criterion), nothing else. Run on an idle core,
one thread, for the Swift side to be compared with (same series, same training parts).
"""

import json
import math
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np
import statsforecast
from statsforecast.models import AutoETS, AutoTheta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from statsforecast_accuracy import SERIES, TEST_FRACTION, load  # noqa: E402

MODELS = {"AutoETS": AutoETS, "AutoTheta": AutoTheta}


def main():
    args = sys.argv[1:]
    reps = 5
    if "--reps" in args:
        i = args.index("--reps")
        reps = int(args[i + 1])
        del args[i:i + 2]
    if len(args) not in (1, 2) or reps < 1:
        raise SystemExit(__doc__)
    out_path = args[0]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    data_dir = args[1] if len(args) == 2 else os.path.join(root, "..", "shared", "data")
    warnings.simplefilter("ignore")

    warm = 10 + np.sin(np.arange(48) * 2 * math.pi / 12) + 0.01 * np.arange(48)
    for cls in MODELS.values():
        cls(season_length=12).fit(warm)
        cls(season_length=1).fit(warm)

    rows = []
    for stem, target, season in SERIES:
        _, y = load(data_dir, stem, target)
        train = y[:len(y) - math.floor(TEST_FRACTION * len(y))]
        row = {"series": stem, "season": season, "n_train": len(train), "models": {}}
        for name, cls in MODELS.items():
            times = []
            for _ in range(reps):
                started = time.perf_counter()
                cls(season_length=season).fit(train)
                times.append(time.perf_counter() - started)
            row["models"][name] = {"median_seconds": statistics.median(times),
                                   "min_seconds": min(times), "max_seconds": max(times)}
        rows.append(row)
        print(f"{stem:16s} n_train={len(train):5d} " + " ".join(
            f"{m}={row['models'][m]['median_seconds'] * 1e3:.2f} ms" for m in MODELS), file=sys.stderr)

    document = {
        "statsforecast_version": statsforecast.__version__,
        "python": platform.python_version(),
        "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?"),
        "reps": reps,
        "threads_env": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")},
        "series": rows,
        "total_median_seconds": {m: sum(r["models"][m]["median_seconds"] for r in rows) for m in MODELS},
    }
    with open(out_path, "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
