"""Ingest throughput: ForecastIngest (IngestBench, release) vs pandas.read_csv on the same file.

Runs the two readers alternately, each in its own process (so peak RSS is per reader), and
prints MB/s per run, the median and best of each, their ratio, and peak RSS against the size of
the parsed numbers (rows x columns x 8 bytes).

Usage: ingest_bench.py BENCH_BINARY CSV_FILE [ROUNDS]
"""
import os
import re
import resource
import statistics
import subprocess
import sys
import time

# The machine is shared: before each round wait (up to WAIT_S seconds) until other processes
# use less than IDLE_CORES, and record the foreign load during every run.
WAIT_S = float(os.environ.get("BENCH_WAIT_S", "20"))
IDLE_CORES = float(os.environ.get("BENCH_IDLE_CORES", "0.3"))
HZ = os.sysconf("SC_CLK_TCK")


def busy_seconds():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:8]]
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / HZ  # user nice system irq softirq


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wait_idle():
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < WAIT_S:
        b0, c0, w0 = busy_seconds(), children_cpu(), time.perf_counter()
        time.sleep(1.0)
        foreign = (busy_seconds() - b0 - (children_cpu() - c0)) / (time.perf_counter() - w0)
        if foreign < IDLE_CORES:
            return

PANDAS_SNIPPET = r"""
import os, resource, sys, time
import pandas as pd
path = sys.argv[1]
if len(sys.argv) > 2:
    pd.set_option("mode.max_threads", int(sys.argv[2]))
size = os.path.getsize(path)
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
c = cpu()
t = time.perf_counter()
frame = pd.read_csv(path)
dt = time.perf_counter() - t
c = cpu() - c
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"pandas {size / dt / 1e6:.1f} MB/s {dt:.3f} s rows={frame.shape[0]} cols={frame.shape[1]} maxrss_kb={rss} "
      f"checksum={frame.to_numpy().sum():.6e} cpu={c:.3f}")
"""

LINE = re.compile(r"(\w+) ([\d.]+) MB/s ([\d.]+) s rows=(\d+) cols=(\d+) maxrss_kb=(\d+) checksum=(\S+) cpu=([\d.]+)")


def run(cmd, size):
    b0, c0, w0 = busy_seconds(), children_cpu(), time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    wall = time.perf_counter() - w0
    foreign = max(0.0, (busy_seconds() - b0 - (children_cpu() - c0)) / wall)
    m = LINE.match(out)
    if not m:
        raise SystemExit(f"unexpected output: {out}")
    return {"mbps": float(m[2]), "rows": int(m[4]), "cols": int(m[5]), "rss_kb": int(m[6]), "checksum": float(m[7]),
            "cpu_mbps": size / float(m[8]) / 1e6, "foreign": foreign}


def summarize(label, ours, theirs):
    med_o = statistics.median(x["mbps"] for x in ours)
    med_p = statistics.median(x["mbps"] for x in theirs)
    best_o = max(x["mbps"] for x in ours)
    best_p = max(x["mbps"] for x in theirs)
    cpu_o = statistics.median(x["cpu_mbps"] for x in ours)
    cpu_p = statistics.median(x["cpu_mbps"] for x in theirs)
    print(f"{label}: median ours {med_o:.1f} MB/s vs pandas {med_p:.1f} MB/s, ratio {med_o / med_p:.2f}; "
          f"best {best_o:.1f} vs {best_p:.1f}, ratio {best_o / best_p:.2f}; "
          f"per CPU-second {cpu_o:.0f} vs {cpu_p:.0f} MB, ratio {cpu_o / cpu_p:.2f}")


def main():
    binary, path = sys.argv[1], sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    header = open(path).readline().strip().split(",")
    size = os.path.getsize(path)
    print(f"file: {path}, {size / 1e6:.1f} MB, columns {','.join(header)}, {os.cpu_count()} CPUs")
    runs = {"ours": [], "pandas": [], "ours-1": [], "pandas-1": []}
    for r in range(rounds):
        wait_idle()
        # Default settings first (pandas 3 parses in parallel threads, so do we), then one thread each.
        runs["ours"].append(run([binary, path, ",".join(header), "1"], size))
        runs["pandas"].append(run([sys.executable, "-c", PANDAS_SNIPPET, path], size))
        runs["ours-1"].append(run([binary, path, ",".join(header), "1", "1"], size))
        runs["pandas-1"].append(run([sys.executable, "-c", PANDAS_SNIPPET, path, "1"], size))
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]['mbps']:.1f} MB/s (other load {v[-1]['foreign']:.2f} cores)"
                                             for k, v in runs.items()))
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
