#!/usr/bin/env python3
"""Ratio table ours/PyTorch from a scripts/bench/models.sh results directory.

    python3 scripts/bench/compare.py DIR

DIR holds ours-*.json (Benchmarks' ModelBench) and torch-*.json (bench_torch.py), both in
bench_torch.py's row format.  Ratios are ours/PyTorch of median seconds (training epoch,
inference over all N windows); below 1 means we are faster.  Required (issue 3): training
ratio <= 0.5 for rnn/gru/lstm at W-small and W-ref, <= 1.0 at W-large.  Standard library only.

With `models.sh --pairs K` a workload x model was measured K times, ours then PyTorch each
time (files ...-p1.json ... -pK.json): the ratio of each pair is computed, the table shows
the median over the pairs (and their range), and the requirement is checked on that median.
"""
import glob
import json
import os
import sys

ORDER_WL = ["W-small", "W-ref", "W-large"]
ORDER_M = ["mlp", "rnn", "gru", "lstm"]


def load(pattern):
    """(workload, model) -> rows in file-name order (one per pair)."""
    rows = {}
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            for r in json.load(f)["rows"]:
                rows.setdefault((r["workload"], r["model"]), []).append(r)
    return rows


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


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
        pairs = list(zip(ours[k], torch[k]))
        train_ratios = [o["train"]["median"] / t["train"]["median"] for o, t in pairs]
        infer_ratios = [o["infer"]["median"] / t["infer"]["median"] for o, t in pairs]
        tr, ir = median(train_ratios), median(infer_ratios)
        req = required(*k)
        if req is None:
            verdict = "—"
        elif tr <= req:
            verdict = f"≤ {req} ok"
        else:
            verdict = f"≤ {req} **FAIL**"
            failed += 1
        notes = []
        if len(pairs) > 1:
            notes.append(f"{len(pairs)} pairs, train ratio {min(train_ratios):.3f}–{max(train_ratios):.3f}")
        for o, t in pairs:
            notes += flag(o, "ours") + flag(t, "torch")
        med = lambda side, f: median([f(r) for r in side])
        o_train, t_train = med(ours[k], lambda r: r["train"]["median"]), med(torch[k], lambda r: r["train"]["median"])
        print(f"| {k[0]} | {k[1]} | {o_train:.4f} | {t_train:.4f} | "
              f"{tr:.3f} | {verdict} | {med(ours[k], lambda r: r['train_windows_per_s']):.0f} | "
              f"{med(torch[k], lambda r: r['train_windows_per_s']):.0f} | "
              f"{med(ours[k], lambda r: r['infer_windows_per_s']):.0f} | "
              f"{med(torch[k], lambda r: r['infer_windows_per_s']):.0f} | {ir:.3f} | "
              f"{', '.join(notes)} |")
    missing = sorted((set(ours) | set(torch)) - set(keys))
    for k in missing:
        side = "ours" if k in ours else "torch"
        print(f"\n{k[0]} {k[1]}: only {side} measured")
    print(f"\n{len(keys)} rows, {failed} below requirement" if failed else f"\n{len(keys)} rows, all requirements met")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
