"""Writes a numeric CSV of about SIZE_MB megabytes: header a..f, 6 columns of normal(1000, 300)
values with 6 decimals (seeded, so the file is the same on every run).
Usage: generate_numeric_csv.py PATH SIZE_MB"""
import sys

import numpy as np

path, size_mb = sys.argv[1], float(sys.argv[2])
rng = np.random.default_rng(42)
target = int(size_mb * 1e6)
written = 0
with open(path, "w") as f:
    header = "a,b,c,d,e,f\n"
    f.write(header)
    written += len(header)
    while written < target:
        block = rng.normal(1000, 300, size=(50_000, 6))
        text = "\n".join(",".join(f"{v:.6f}" for v in row) for row in block) + "\n"
        f.write(text)
        written += len(text)
