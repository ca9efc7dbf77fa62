#!/usr/bin/env bash
# Global networks (issue 12): seconds per training epoch on the pooled windows of a portfolio,
# ours against PyTorch on the same window shape, in the same run, one thread each.
#
#   flock /tmp/forecast-cpu.lock scripts/bench/global_epoch.sh
#
# For each portfolio (visnights, every column; the generated one of scripts/bench/portfolio.sh,
# GEN_SERIES series × GEN_POINTS points):
# 1. `forecast fit … --global --models ff,gru,lstm --ensemble 1 --jobs 1` (release build, one
#    BLAS thread); the summary gives the common window T and the pooled training windows N,
#    and a series' metrics.json each global network's epochs and training seconds: "fit
#    s/epoch" is that training's wall time over its epochs (shuffled mini-batches, validation
#    pass and early-stopping bookkeeping included), with the run's two networks training side
#    by side on the 2 cores;
# 2. Benchmarks' ModelBench and bench_torch.py (../shared/anchors, through torch_shape.py) on the
#    shape (T, N, D = 1) with the run's hidden width 64 and batch 64, back to back: the anchors'
#    method (random windows, fixed mini-batches, Adam, MSE, one warm-up then the median of
#    REPS epochs). The ratio ours / PyTorch is of those two medians; below 1 we are faster.
# Environment: FORECAST (default: the release build, built first), TORCH_PYTHON (default
# ../venv-torch/bin/python), ANCHORS_DIR, GEN_SERIES (300), GEN_POINTS (500), REPS (5).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA_DIR=${DATA_DIR:-$ROOT/../shared/data}
GEN_SERIES=${GEN_SERIES:-300}
GEN_POINTS=${GEN_POINTS:-500}
REPS=${REPS:-5}
TORCH_PYTHON=${TORCH_PYTHON:-$ROOT/../venv-torch/bin/python}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
[ -x "$TORCH_PYTHON" ] || { echo "no PyTorch python at $TORCH_PYTHON (set TORCH_PYTHON)" >&2; exit 10; }
if [ -z "${FORECAST:-}" ]; then
  (cd "$ROOT" && swift build -c release --product forecast >/dev/null)
  FORECAST=$ROOT/.build/release/forecast
fi
rm -f "$ROOT/Benchmarks/.build/release.yaml"
(cd "$ROOT/Benchmarks" && swift build -c release --product ModelBench >/dev/null)
BENCH=$ROOT/Benchmarks/.build/release/ModelBench
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
python3 "$ROOT/scripts/bench/portfolio_generate.py" "$OUT/generated.csv" --series "$GEN_SERIES" --points "$GEN_POINTS" >/dev/null

echo "forecast $("$FORECAST" --version 2>/dev/null || echo '?'), torch $("$TORCH_PYTHON" -c 'import torch; print(torch.__version__)'), $(date -u +%Y-%m-%d), one thread each"
echo
echo "| portfolio | model | T | N pooled | epochs run | fit s/epoch | ours s/epoch | PyTorch s/epoch | ours / PyTorch |"
echo "|---|---|--:|--:|--:|--:|--:|--:|--:|"
portfolios=(
  "visnights|$DATA_DIR/visnights.csv --targets all"
  "generated-$GEN_SERIES|$OUT/generated.csv --id-column series"
)
for entry in "${portfolios[@]}"; do
  IFS='|' read -r name input <<<"$entry"
  reports=$OUT/reports-$name
  status=0
  # shellcheck disable=SC2086 # input is words
  "$FORECAST" fit $input --global --models ff,gru,lstm --ensemble 1 --jobs 1 --reports "$reports" --portfolio bench -q \
    >"$OUT/log" 2>&1 || status=$?
  if [ "$status" != 0 ] && [ "$status" != 46 ]; then echo "| $name | fit failed (exit $status) |"; tail -5 "$OUT/log" >&2; continue; fi
  # T, N and, per global network, its epochs and training seconds (from the first series in it).
  python3 - "$reports/bench" >"$OUT/shape" <<'PY'
import json, os, sys
folder = sys.argv[1]
summary = json.load(open(os.path.join(folder, "latest", "summary.json")))
g = summary["global_networks"]
excluded = {e["series"] for e in g["excluded"]}
first = next(r for r in summary["leaderboard"] if r.get("report") and r["series"] not in excluded)
metrics = json.load(open(os.path.join(folder, first["report"], "metrics.json")))
for m in metrics["models"]:
    if m["id"].startswith("global-") and m.get("epochs"):
        print(m["id"][len("global-"):], g["window"], g["training_windows"], m["epochs"], m["train_seconds"])
PY
  while read -r model T N epochs seconds; do
    shape="G-$name=$T,1,64,64,$N"
    bench_model=$([ "$model" = ff ] && echo mlp || echo "$model")
    ours=$("$BENCH" --shape "$shape" --models "$bench_model" --reps "$REPS" --out "$OUT/ours.json" >/dev/null && python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"][0]["train"]["median"])' "$OUT/ours.json")
    torch=$("$TORCH_PYTHON" "$ROOT/scripts/bench/torch_shape.py" --shape "$shape" --threads 1 --models "$bench_model" --reps "$REPS" --out "$OUT/torch.json" >/dev/null && python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"][0]["train"]["median"])' "$OUT/torch.json")
    python3 - "$name" "$model" "$T" "$N" "$epochs" "$seconds" "$ours" "$torch" <<'PY'
import sys
name, model, T, N, epochs, seconds, ours, torch = sys.argv[1:]
fit = float(seconds) / int(epochs)
print(f"| {name} | {model} | {T} | {N} | {epochs} | {fit:.4f} | {float(ours):.4f} | {float(torch):.4f} | {float(ours) / float(torch):.2f} |")
PY
  done <"$OUT/shape"
done
