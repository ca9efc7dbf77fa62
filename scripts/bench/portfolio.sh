#!/usr/bin/env bash
# Portfolio throughput: series per minute and peak memory of `forecast fit` on many series, with
# the default models and with --models naive,ff,gru, each at --jobs 1 and --jobs 2 (the scaling
# ratio is the --jobs 2 rate over the --jobs 1 rate). Prints a markdown table. Columns: wall
# time; series per minute (fitted and skipped series alike: a skipped one is read and checked);
# CPU seconds (user + system) per series; core-seconds per series, wall × the machine's cores /
# series (what a projection to more cores uses: with --jobs 1 a series trains two networks at
# once, so one job already keeps both cores of a 2-core machine partly busy); peak RSS.
#   flock /tmp/forecast-cpu.lock scripts/bench/portfolio.sh
# Portfolios: the three shared ones (aus_accommodation by state, target takings; aus_arrivals by
# origin; visnights, every column) and a generated one (scripts/bench/portfolio_generate.py,
# seeded: GEN_SERIES series × GEN_POINTS monthly points, long format).
# Environment: DATA_DIR (default ../shared/data), GEN_SERIES (1000), GEN_POINTS (500),
# GEN_SERIES_DEFAULT (series of the generated portfolio for the default models, which fit
# networks; default GEN_SERIES; the first k series of the same seeded draw), ONLY (a regular
# expression on "portfolio models jobs" to run some rows only), FORECAST (default: the release
# build, built first).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA_DIR=${DATA_DIR:-$ROOT/../shared/data}
GEN_SERIES=${GEN_SERIES:-1000}
GEN_POINTS=${GEN_POINTS:-500}
GEN_SERIES_DEFAULT=${GEN_SERIES_DEFAULT:-$GEN_SERIES}
ONLY=${ONLY:-.}
cores=$(getconf _NPROCESSORS_ONLN)   # before OMP_NUM_THREADS, which nproc would obey
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
if [ -z "${FORECAST:-}" ]; then
  (cd "$ROOT" && swift build -c release --product forecast >/dev/null)
  FORECAST=$ROOT/.build/release/forecast
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
python3 "$ROOT/scripts/bench/portfolio_generate.py" "$OUT/generated.csv" --series "$GEN_SERIES" --points "$GEN_POINTS"
python3 "$ROOT/scripts/bench/portfolio_generate.py" "$OUT/generated-default.csv" --series "$GEN_SERIES_DEFAULT" --points "$GEN_POINTS"

echo "forecast $("$FORECAST" --version 2>/dev/null || echo '?'), $cores cores, $(date -u +%Y-%m-%d)"
echo
echo "| portfolio | series × points (skipped) | models | jobs | wall s | series/min | CPU s/series | core·s/series | peak RSS MiB | ×jobs 1 |"
echo "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|"
# name | points | input and shape options
portfolios=(
  "aus_accommodation|74|$DATA_DIR/aus_accommodation.csv --id-column state --target takings"
  "aus_arrivals|127|$DATA_DIR/aus_arrivals.csv --id-column origin"
  "visnights|76|$DATA_DIR/visnights.csv --targets all"
  "generated|$GEN_POINTS|@"
)
for entry in "${portfolios[@]}"; do
  IFS='|' read -r name points input <<<"$entry"
  for models in default naive,ff,gru; do
    if [ "$input" = @ ]; then
      if [ "$models" = default ]; then input_now="$OUT/generated-default.csv --id-column series"; else input_now="$OUT/generated.csv --id-column series"; fi
    else
      input_now=$input
    fi
    model_options=(); [ "$models" = default ] || model_options=(--models "$models")
    rate1=
    for jobs in 1 2; do
      echo "$name $models $jobs" | grep -Eq "$ONLY" || continue
      reports=$OUT/reports-$name-$models-$jobs
      status=0
      # shellcheck disable=SC2086 # input_now is words
      /usr/bin/time -f '%e %U %S %M' -o "$OUT/time" "$FORECAST" fit $input_now "${model_options[@]}" --jobs "$jobs" \
        --reports "$reports" --portfolio bench -q >"$OUT/log" 2>&1 || status=$?
      if [ "$status" != 0 ] && [ "$status" != 46 ]; then
        echo "| $name | | $models | $jobs | failed (exit $status) | | | | | |"; tail -5 "$OUT/log" >&2; continue
      fi
      read -r wall user system rss_kib <"$OUT/time"
      series=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); c=j["counts"]; print(c["series"], c["skipped"] + c["no_forecast"])' "$reports/bench/latest/summary.json")
      row=$(python3 - "$wall" "$user" "$system" "$rss_kib" $series "$cores" "$rate1" <<'PY'
import sys
wall, user, system, rss = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
series, skipped, cores = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
rate = series / wall * 60
ratio = f"{rate / float(sys.argv[8]):.2f}" if sys.argv[8] else ""
print(f"{series} ({skipped})|{wall:.1f}|{rate:.1f}|{(user + system) / series:.3f}|{wall * cores / series:.3f}|{rss / 1024:.0f}|{ratio}|{rate}")
PY
)
      IFS='|' read -r series wall rate cpu cost rss ratio raw <<<"$row"
      [ "$jobs" = 1 ] && rate1=$raw
      echo "| $name | ${series%% *} × $points ${series#* } | $models | $jobs | $wall | $rate | $cpu | $cost | $rss | $ratio |"
      rm -rf "$reports"
    done
  done
done
