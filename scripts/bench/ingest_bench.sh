#!/usr/bin/env bash
# Ingest benchmark: generates a ~100 MB numeric CSV (6 columns) in /tmp, builds the IngestBench
# executable (release), and times ForecastIngest against pandas.read_csv on that file, alternating
# runs in one session. Prints MB/s, the ratio and peak RSS.
#   scripts/bench/ingest_bench.sh [ROUNDS]        (default 5)
# PYTHON: a Python with pandas (default ../venv-torch/bin/python beside the repository, as
# models.sh); BENCH_FILE: where the generated CSV goes (default /tmp/forecast-ingest-bench.csv).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-$(pwd)/../venv-torch/bin/python}
FILE=${BENCH_FILE:-/tmp/forecast-ingest-bench.csv}
ROUNDS=${1:-5}

if [ ! -s "$FILE" ]; then
  echo "generating $FILE" >&2
  "$PYTHON" scripts/bench/generate_numeric_csv.py "$FILE" 100
fi
(cd Benchmarks/IngestBench && swift build -c release --product IngestBench >&2)
"$PYTHON" scripts/bench/ingest_bench.py Benchmarks/IngestBench/.build/release/IngestBench "$FILE" "$ROUNDS"
