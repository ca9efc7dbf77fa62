#!/usr/bin/env bash
# Accuracy protocol (issue 11): `forecast fit` on the 7 shared series beside statsforecast's
# AutoARIMA, AutoETS and AutoTheta; prints one markdown table (scores = test MAE / naive test MAE,
# one step ahead; see Benchmarks/README.md, "Accuracy protocol (issue 11)").
#
#   swift build -c release --product forecast
#   flock /tmp/forecast-cpu.lock scripts/bench/accuracy.sh [--as-is]
#
# By default fit is run with `--missing drop --test-fraction f`, f chosen per series so that fit's
# test part (the last round(n f) rows) is exactly the protocol's (the last floor(0.2 n) rows once
# rows with a missing target are dropped); the table checks this per row. `--as-is` runs fit with
# its own defaults (ffill, test fraction 0.2 rounded): rows whose test points then differ from the
# protocol's are marked † and scored on fit's own test points.
#
# Environment: BIN (default .build/release/forecast), DATA_DIR (default ../shared/data),
# SF_PYTHON (default /work/venv-sf/bin/python), SF_JSON (reuse this statsforecast_accuracy.py
# output instead of running it; e.g. Benchmarks/accuracy/statsforecast_accuracy.json),
# KEEP=DIR (keep the fit outputs and the statsforecast JSON in DIR), FIT_ARGS (extra options for
# every fit, e.g. FIT_ARGS="--ensemble 3"; word-split).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN=${BIN:-$ROOT/.build/release/forecast}
D=${DATA_DIR:-$ROOT/../shared/data}
SF_PYTHON=${SF_PYTHON:-/work/venv-sf/bin/python}
AS_IS=0
case "${1:-}" in
    --as-is) AS_IS=1 ;;
    "") ;;
    *) echo "usage: $0 [--as-is]" >&2; exit 64 ;;
esac
[ -x "$BIN" ] || { echo "no forecast binary at $BIN (swift build -c release --product forecast)" >&2; exit 10; }
OUT=${KEEP:-$(mktemp -d)}
mkdir -p "$OUT"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

if [ -n "${SF_JSON:-}" ]; then
    cp "$SF_JSON" "$OUT/statsforecast.json"
else
    "$SF_PYTHON" "$ROOT/scripts/bench/statsforecast_accuracy.py" "$OUT/statsforecast.json" "$D" 2>/dev/null \
        || { echo "statsforecast_accuracy.py failed (set SF_PYTHON or SF_JSON)" >&2; exit 1; }
fi

mkdir -p "$OUT/ours"
# file target season: the catalog's 7 shared series (same list as statsforecast_accuracy.py).
while read -r name target season; do
    options=()
    if [ $AS_IS = 0 ]; then
        read -r _ _ fraction < <(python3 "$ROOT/scripts/bench/accuracy_table.py" split "$D/$name.csv" "$target")
        options=(--missing drop --test-fraction "$fraction")
    fi
    rm -rf "$OUT/reports-$name"
    "$BIN" fit "$D/$name.csv" --target "$target" --season "$season" "${options[@]}" \
        ${FIT_ARGS:-} --reports "$OUT/reports-$name" --json 2>"$OUT/ours/$name.log" >"$OUT/ours/$name.json"
    status=$?
    # 33: every network failed but a baseline gave the forecast; the table still has the row.
    if [ $status != 0 ] && [ $status != 33 ]; then
        echo "forecast fit $name failed (exit $status), see $OUT/ours/$name.log" >&2; exit 1
    fi
done <<'SERIES'
airpassengers passengers 12
sunspot_month sunspots 1
lynx trappings 1
seatbelts driverskilled 12
vega_stocks aapl 1
seattle_weather temp_max 1
gold_prices price 1
SERIES

python3 "$ROOT/scripts/bench/accuracy_table.py" table "$OUT/statsforecast.json" "$OUT/ours" "$D"
echo
echo "fit: $("$BIN" --version 2>/dev/null || echo '?') at $(git -C "$ROOT" rev-parse --short HEAD); mode: $([ $AS_IS = 1 ] && echo 'as-is (fit defaults)' || echo 'protocol split (--missing drop --test-fraction f)')${FIT_ARGS:+; extra options: $FIT_ARGS}"
[ -n "${KEEP:-}" ] || rm -rf "$OUT"
