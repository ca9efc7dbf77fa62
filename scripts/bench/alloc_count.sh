#!/usr/bin/env bash
# Heap allocations per training step of the recurrent models, per matrix backend.
#
#   scripts/bench/alloc_count.sh [--workloads W-ref] [--models rnn,gru,lstm]
#
# Runs ModelBench (built in release by scripts/bench/models.sh or here) under an LD_PRELOAD
# counter of malloc-family calls (scripts/bench/count_alloc.c), once with 1 and once with 3 timed
# epochs. Both runs share their setup, so half the difference is the count of one training
# epoch plus one inference pass over the workload; it is divided by the number of recurrent
# steps those make (training: batches × T forward and T backward; inference: batches × T).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WORKLOADS="W-ref"
MODELS="rnn,gru,lstm"
while [ $# -gt 0 ]; do
    case "$1" in
        --workloads) WORKLOADS="$2"; shift 2 ;;
        --models) MODELS="$2"; shift 2 ;;
        *) echo "usage: $0 [--workloads LIST] [--models LIST]" >&2; exit 64 ;;
    esac
done
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 BENCH_WAIT_SCALE=0
BIN="$ROOT/Benchmarks/.build/release/ModelBench"
[ -x "$BIN" ] || (cd "$ROOT/Benchmarks" && swift build -c release --product ModelBench)
LIB="$(mktemp -d)/count_alloc.so"
clang -O2 -shared -fPIC "$ROOT/scripts/bench/count_alloc.c" -o "$LIB"
# T, B, N per workload (../shared/anchors/README.md); inference batches are 1024 windows.
declare -A T=([W-small]=16 [W-ref]=32 [W-large]=64) B=([W-small]=32 [W-ref]=64 [W-large]=128) \
           N=([W-small]=8192 [W-ref]=16384 [W-large]=16384)
count() { FORECAST_GEMM="$1" LD_PRELOAD="$LIB" "$BIN" --workloads "$2" --models "$3" --reps "$4" --out /dev/null 2>&1 \
            | sed -n 's/^allocation calls: //p'; }
printf '%-8s %-5s %-9s %14s %12s %16s\n' workload model backend "epoch+infer" "steps" "allocs/step"
for wl in ${WORKLOADS//,/ }; do
    for m in ${MODELS//,/ }; do
        steps=$(( (${N[$wl]} / ${B[$wl]}) * ${T[$wl]} * 2 + (${N[$wl]} / 1024) * ${T[$wl]} ))
        for backend in openblas onednn; do
            one=$(count "$backend" "$wl" "$m" 1); three=$(count "$backend" "$wl" "$m" 3)
            per=$(( (three - one) / 2 ))
            printf '%-8s %-5s %-9s %14d %12d %16s\n' "$wl" "$m" "$backend" "$per" "$steps" \
                "$(python3 -c "print(f'{$per / $steps:.3f}')")"
        done
    done
done
