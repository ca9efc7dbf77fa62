#!/usr/bin/env bash
# AutoETS and AutoTheta fit times, ours against statsforecast 2.1.1, in one run on the training
# parts of the 7 shared series (the accuracy protocol's split); prints a markdown table with the
# ratio statsforecast / ours per series (higher = ours faster). Both sides one thread, medians of
# REPS fits after a warm-up (statsforecast's first calls compile and load its core).
#   flock /tmp/forecast-cpu.lock scripts/bench/statistical_speed.sh
# Environment: SF_PYTHON (default /work/venv-sf/bin/python, a venv with statsforecast==2.1.1),
# DATA_DIR (default ../shared/data), REPS (default 5).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA_DIR=${DATA_DIR:-$ROOT/../shared/data}
SF_PYTHON=${SF_PYTHON:-/work/venv-sf/bin/python}
REPS=${REPS:-5}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
(cd "$ROOT/Benchmarks" && swift build -c release --product StatBench >/dev/null)
"$ROOT/Benchmarks/.build/release/StatBench" "$OUT/ours.json" "$DATA_DIR" --reps "$REPS"
"$SF_PYTHON" "$ROOT/scripts/bench/statsforecast_speed.py" "$OUT/sf.json" "$DATA_DIR" --reps "$REPS"
python3 - "$OUT/ours.json" "$OUT/sf.json" <<'PY'
import json, math, sys
ours = {r["series"]: r for r in json.load(open(sys.argv[1]))["series"]}
sf = json.load(open(sys.argv[2]))
print(f"statsforecast {sf['statsforecast_version']}, medians of {sf['reps']} fits, ms\n")
print("| series | n_train | AutoETS ours | AutoETS sf | ratio | AutoTheta ours | AutoTheta sf | ratio |")
print("|---|--:|--:|--:|--:|--:|--:|--:|")
ratios = {"AutoETS": [], "AutoTheta": []}
for row in sf["series"]:
    o = ours[row["series"]]
    cells = [row["series"], str(row["n_train"])]
    for m in ("AutoETS", "AutoTheta"):
        a = o["models"][m]["median_seconds"]; b = row["models"][m]["median_seconds"]
        ratios[m].append(b / a)
        cells += [f"{a*1e3:.2f}", f"{b*1e3:.2f}", f"{b/a:.1f}×"]
    print("| " + " | ".join(cells) + " |")
geo = {m: math.exp(sum(map(math.log, v)) / len(v)) for m, v in ratios.items()}
print(f"| geometric mean | | | | {geo['AutoETS']:.1f}× | | | {geo['AutoTheta']:.1f}× |")
print(f"\nslowest ratio: AutoETS {min(ratios['AutoETS']):.1f}×, AutoTheta {min(ratios['AutoTheta']):.1f}× (goal ≥ 10× per series)")
PY
