#!/usr/bin/env bash
# Accuracy check of the defaults (issue 4): forecast fit on the 7 shared series, target and
# season from ../shared/data/catalog.md; prints the pick, pick/naive MASE and every model's MASE.
# The pick must beat naive on at least 5 of 7 and never be more than 5 % worse.
#   swift build -c release && scripts/bench/accuracy.sh

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN=${BIN:-$ROOT/.build/release/forecast}
D=${DATA_DIR:-$ROOT/../shared/data}
OUT=$(mktemp -d)
run() { # file target season
  rm -rf $OUT/$1
  extra="--season $3"
  $BIN fit $D/$1.csv --target $2 $extra --reports $OUT/$1 --json 2>/dev/null > $OUT/$1.json
  python3 - $1 "$OUT/$1.json" <<'PY'
import json,sys
name=sys.argv[1]
d=json.load(open(sys.argv[2]))
ms={m['model']:m for m in d['models']}
pick=d['pick']; naive=ms['naive']['mase']
row={k:(f"{v['mase']:.3f}" if v.get('mase') is not None else '-') for k,v in ms.items()}
print(f"{name:16s} pick={pick:8s} pick/naive={ms[pick]['mase']/naive:.3f}  "+" ".join(f"{k}={v}" for k,v in row.items()))
PY
}
mkdir -p "$OUT"
run airpassengers passengers 12
run sunspot_month sunspots 1
run lynx trappings 1
run seatbelts driverskilled 12
run vega_stocks aapl 1
run seattle_weather temp_max 1
run gold_prices price 1
rm -rf "$OUT"
