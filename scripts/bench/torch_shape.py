#!/usr/bin/env python3
"""bench_torch.py (../shared/anchors) on one extra workload shape, e.g. the pooled windows of
a global network: the anchors' models, data and timing method unchanged, only the shape added.

    torch_shape.py --shape G-visnights=8,1,64,64,1060 --threads 1 --models gru [--reps 5] [--out F]

The anchors directory comes from ANCHORS_DIR (default ../shared/anchors from the repository).
"""
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
anchors = os.environ.get("ANCHORS_DIR", os.path.join(root, "..", "shared", "anchors"))
sys.path.insert(0, anchors)
import bench_torch  # noqa: E402

args = sys.argv[1:]
if "--shape" not in args:
    sys.exit("torch_shape.py: --shape NAME=T,D,H,B,N is required")
i = args.index("--shape")
name, _, numbers = args[i + 1].partition("=")
shape = tuple(int(v) for v in numbers.split(","))
if not name or len(shape) != 5 or min(shape) <= 0:
    sys.exit(f"torch_shape.py: --shape wants NAME=T,D,H,B,N (got {args[i + 1]})")
bench_torch.WORKLOADS[name] = shape
del args[i:i + 2]
if "--workloads" not in args:
    args += ["--workloads", name]
sys.argv = [sys.argv[0]] + args
bench_torch.main()
