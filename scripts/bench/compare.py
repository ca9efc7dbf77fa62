#!/usr/bin/env python3
"""Ratio table ours/PyTorch from a scripts/bench/models.sh results directory.

    python3 scripts/bench/compare.py DIR

DIR holds ours-*.json (Benchmarks' ModelBench) and torch-*.json (bench_torch.py), both in
bench_torch.py's row format.  Ratios are ours/PyTorch of median seconds (training epoch,
inference over all N windows); below 1 means we are faster.  Required (issue 3): training
ratio <= 0.5 for rnn/gru/lstm at W-small and W-ref, <= 1.0 at W-large.  Standard library only.
"""
import glob
import json
import os
import sys

ORDER_WL = ["W-small", "W-ref", "W-large"]
ORDER_M = ["mlp", "rnn", "gru", "lstm"]


def load(pattern):
    rows = {}
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            for r in json.load(f)["rows"]:
                rows[(r["workload"], r["model"])] = r
    return rows


def required(wl, m):
    if m == "mlp":
        return None
    return 1.0 if wl == "W-large" else 0.5


def flag(row, side):
    notes = []
    for phase in ("train", "infer"):
        m = row[phase]
        if m["disturbed"]:
            notes.append(f"{side} {phase} disturbed ({m['foreign_cores']:.2f} foreign cores)")
        if m["spread"] > 0.20:
            notes.append(f"{side} {phase} spread {m['spread']:.0%}")
    return notes


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "."
    ours = load(os.path.join(d, "ours-*.json"))
    torch = load(os.path.join(d, "torch-*.json"))
    keys = sorted(set(ours) & set(torch),
                  key=lambda k: (ORDER_WL.index(k[0]) if k[0] in ORDER_WL else 9,
                                 ORDER_M.index(k[1]) if k[1] in ORDER_M else 9))
    print("| workload | model | ours s/epoch | torch s/epoch | train ratio | required | "
          "ours win/s | torch win/s | ours infer win/s | torch infer win/s | infer ratio | notes |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    failed = 0
    for k in keys:
        o, t = ours[k], torch[k]
        tr = o["train"]["median"] / t["train"]["median"]
        ir = o["infer"]["median"] / t["infer"]["median"]
        req = required(*k)
        if req is None:
            verdict = "—"
        elif tr <= req:
            verdict = f"≤ {req} ok"
        else:
            verdict = f"≤ {req} **FAIL**"
            failed += 1
        notes = flag(o, "ours") + flag(t, "torch")
        print(f"| {k[0]} | {k[1]} | {o['train']['median']:.4f} | {t['train']['median']:.4f} | "
              f"{tr:.3f} | {verdict} | {o['train_windows_per_s']:.0f} | {t['train_windows_per_s']:.0f} | "
              f"{o['infer_windows_per_s']:.0f} | {t['infer_windows_per_s']:.0f} | {ir:.3f} | "
              f"{', '.join(notes)} |")
    missing = sorted((set(ours) | set(torch)) - set(keys))
    for k in missing:
        side = "ours" if k in ours else "torch"
        print(f"\n{k[0]} {k[1]}: only {side} measured")
    print(f"\n{len(keys)} rows, {failed} below requirement" if failed else f"\n{len(keys)} rows, all requirements met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
