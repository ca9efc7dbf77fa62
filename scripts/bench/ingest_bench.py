"""Ingest throughput: ForecastIngest (IngestBench, release) vs pandas.read_csv on the same file.

Runs the two readers alternately, each in its own process (so peak RSS is per reader), and
prints MB/s per run, the median and best of each, their ratio, and peak RSS against the size of
the parsed numbers (rows x columns x 8 bytes).

Usage: ingest_bench.py BENCH_BINARY CSV_FILE [ROUNDS]
"""
import os
import re
import statistics
import subprocess
import sys

PANDAS_SNIPPET = r"""
import os, resource, sys, time
import pandas as pd
path = sys.argv[1]
if len(sys.argv) > 2:
    pd.set_option("mode.max_threads", int(sys.argv[2]))
size = os.path.getsize(path)
t = time.perf_counter()
frame = pd.read_csv(path)
dt = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"pandas {size / dt / 1e6:.1f} MB/s {dt:.3f} s rows={frame.shape[0]} cols={frame.shape[1]} maxrss_kb={rss} checksum={frame.to_numpy().sum():.6e}")
"""

LINE = re.compile(r"(\w+) ([\d.]+) MB/s ([\d.]+) s rows=(\d+) cols=(\d+) maxrss_kb=(\d+) checksum=(\S+)")


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    m = LINE.match(out)
    if not m:
        raise SystemExit(f"unexpected output: {out}")
    return {"mbps": float(m[2]), "rows": int(m[4]), "cols": int(m[5]), "rss_kb": int(m[6]), "checksum": float(m[7])}


def summarize(label, ours, theirs):
    med_o = statistics.median(x["mbps"] for x in ours)
    med_p = statistics.median(x["mbps"] for x in theirs)
    best_o = max(x["mbps"] for x in ours)
    best_p = max(x["mbps"] for x in theirs)
    print(f"{label}: median ours {med_o:.1f} MB/s vs pandas {med_p:.1f} MB/s, ratio {med_o / med_p:.2f}; "
          f"best {best_o:.1f} vs {best_p:.1f}, ratio {best_o / best_p:.2f}")


def main():
    binary, path = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    header = open(path).readline().strip().split(",")
    size = os.path.getsize(path)
    print(f"file: {path}, {size / 1e6:.1f} MB, columns {','.join(header)}, {os.cpu_count()} CPUs")
    runs = {"ours": [], "pandas": [], "ours-1": [], "pandas-1": []}
    for r in range(rounds):
        # Default settings first (pandas 3 parses in parallel threads, so do we), then one thread each.
        runs["ours"].append(run([binary, path, ",".join(header), "1"]))
        runs["pandas"].append(run([sys.executable, "-c", PANDAS_SNIPPET, path]))
        runs["ours-1"].append(run([binary, path, ",".join(header), "1", "1"]))
        runs["pandas-1"].append(run([sys.executable, "-c", PANDAS_SNIPPET, path, "1"]))
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]['mbps']:.1f} MB/s" for k, v in runs.items()))
    ours, theirs = runs["ours"], runs["pandas"]
    assert ours[0]["rows"] == theirs[0]["rows"] and ours[0]["cols"] == theirs[0]["cols"], "readers disagree on shape"
    rel = abs(ours[0]["checksum"] - theirs[0]["checksum"]) / abs(theirs[0]["checksum"])
    print(f"rows {ours[0]['rows']}, columns {ours[0]['cols']}, checksums agree to {rel:.1e} (relative)")
    summarize("default threads", runs["ours"], runs["pandas"])
    summarize("one thread     ", runs["ours-1"], runs["pandas-1"])
    numbers_mib = ours[0]["rows"] * ours[0]["cols"] * 8 / 2**20
    for key in runs:
        peak = max(x["rss_kb"] for x in runs[key]) / 1024
        print(f"peak RSS {key}: {peak:.0f} MiB = {peak / numbers_mib:.2f} x the parsed numbers ({numbers_mib:.0f} MiB)")


if __name__ == "__main__":
    main()
