#!/usr/bin/env bash
# Side-by-side speed comparison of our ForecastModels with PyTorch on the reference
# workloads of ../shared/anchors/ (relative to the repository root).
#
#   scripts/bench/models.sh [--workloads W-small,W-ref,W-large] [--models mlp,rnn,gru,lstm]
#                           [--reps 5] [--pairs 1] [--out DIR]
#
# 1. builds the Benchmarks package (Benchmarks/Package.swift) in release;
# 2. for each workload × model runs our ModelBench, then bench_torch.py, back to back in
#    this one session, both on one thread (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1));
# 3. prints the ratio table ours/PyTorch (training s/epoch and inference time) via compare.py.
# --pairs K repeats step 2 K times per workload × model (ours, PyTorch, ours, PyTorch, …); the
# table then gives the median of the K pair ratios and their range.
#
# Environment: TORCH_PYTHON (default $TORCH_VENV/bin/python, TORCH_VENV default ../venv-torch),
# ANCHORS_DIR (default ../shared/anchors), BENCH_WAIT_SCALE=0 disables waiting for idle cores
# (both sides), BENCH_ATTEMPTS caps re-measurements of a disturbed block (default 3).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
ANCHORS_DIR="${ANCHORS_DIR:-$ROOT/../shared/anchors}"
TORCH_VENV="${TORCH_VENV:-$ROOT/../venv-torch}"
TORCH_PYTHON="${TORCH_PYTHON:-$TORCH_VENV/bin/python}"
WORKLOADS="W-small,W-ref,W-large"
MODELS="mlp,rnn,gru,lstm"
REPS=5
PAIRS=1
OUT="$ROOT/Benchmarks/results/$(date +%Y%m%d-%H%M%S)"
while [ $# -gt 0 ]; do
    case "$1" in
        --workloads) WORKLOADS="$2"; shift 2 ;;
        --models) MODELS="$2"; shift 2 ;;
        --reps) REPS="$2"; shift 2 ;;
        --pairs) PAIRS="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        *) echo "usage: $0 [--workloads LIST] [--models LIST] [--reps N] [--pairs K] [--out DIR]" >&2; exit 64 ;;
    esac
done
[ -f "$ANCHORS_DIR/bench_torch.py" ] || { echo "no bench_torch.py in $ANCHORS_DIR (set ANCHORS_DIR)" >&2; exit 10; }
[ -x "$TORCH_PYTHON" ] || { echo "no PyTorch python at $TORCH_PYTHON (set TORCH_PYTHON or TORCH_VENV)" >&2; exit 10; }

export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# SwiftPM can keep a stale build plan for a path dependency (a source file added to the main
# package is then missing from the benchmark build); dropping the plan forces re-planning only.
rm -f "$ROOT/Benchmarks/.build/release.yaml"
(cd "$ROOT/Benchmarks" && swift build -c release --product ModelBench)
BIN="$ROOT/Benchmarks/.build/release/ModelBench"
mkdir -p "$OUT"
{
    echo "commit: $(git -C "$ROOT" rev-parse --short HEAD) $(git -C "$ROOT" status --porcelain --untracked-files=no | grep -q . && echo dirty || echo clean)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2- | tr -d ' ') ($(getconf _NPROCESSORS_ONLN) cores)"
    echo "torch: $("$TORCH_PYTHON" -c 'import torch; print(torch.__version__, torch.backends.cpu.get_cpu_capability())')"
    echo "matrix backend: $("$BIN" --backend 2>/dev/null || echo unknown)"
    echo "openblas: $(ls /usr/lib/x86_64-linux-gnu/libopenblas*.so* 2>/dev/null | head -1 | xargs -r readlink -f)"
} | tee "$OUT/env.txt"

# Interleave per (workload, model) so both sides see the same machine conditions.
for wl in ${WORKLOADS//,/ }; do
    for m in ${MODELS//,/ }; do
        for k in $(seq 1 "$PAIRS"); do
            suffix=$([ "$PAIRS" -gt 1 ] && echo "-p$k" || true)
            "$BIN" --workloads "$wl" --models "$m" --reps "$REPS" --out "$OUT/ours-$wl-$m$suffix.json" | sed -u 's/^/ours  /'
            "$TORCH_PYTHON" "$ANCHORS_DIR/bench_torch.py" --threads 1 --workloads "$wl" --models "$m" \
                --reps "$REPS" --out "$OUT/torch-$wl-$m$suffix.json" | sed -u 's/^/torch /'
        done
    done
done
echo "results in $OUT"
# Exit status 1 when a required ratio is missed (compare.py's status, through pipefail).
python3 "$ROOT/scripts/bench/compare.py" "$OUT" | tee "$OUT/table.md"
