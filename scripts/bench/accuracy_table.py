"""Markdown table of the accuracy protocol (issue 11): our models beside statsforecast's.

    python3 scripts/bench/accuracy_table.py table SF.json OURS_DIR DATA_DIR
    python3 scripts/bench/accuracy_table.py split CSV TARGET

`table`: SF.json is the output of statsforecast_accuracy.py (it also gives the series, targets and
seasons); OURS_DIR holds `<series>.json`, the output of `forecast fit ... --json` per series.
`split`: prints `n k f` for a CSV: n rows with the target present, k = floor(0.2 n) protocol test
points, and the --test-fraction f (shortest decimal of k/n) for which fit's rounded split
round(n f) equals k.

Score = test MAE / test MAE of naive (y[t-1]) on the same points: for our models, each model's
`mae` over the `mae` of the model named `naive` in the same fit output (both one step ahead on
fit's test part). Columns for our models come from the fit outputs, in their order (a model that
appears in any output gets a column; "seasonal naive (m=12)" is shown as "seasonal naive");
naive itself (1 by definition) is left out. Regret = MAE of our pick / lowest test MAE among all
our working models (naive included), 1 when the pick was the best in hindsight. Best of 3 = per
series, the lowest of statsforecast's three scores (hindsight).

The row's test points are compared with the protocol's (count and first/last date, from the CSV):
a row whose points differ is marked with "†" and its n_test cell says ours/protocol; its scores
are then on our own test points. When they are the same, fit's naive MAE must equal the
protocol's (relative 1e-9), or the table is not printed.
Summary rows: geometric mean per column (over the series that have the column; "(k)" when only
k series have it) and the count with score < 1. Standard library only.
"""

import csv
import json
import math
import os
import re
import sys

TEST_FRACTION = 0.2


def present_rows(path, target):
    """(dates, number of CSV rows) for the rows whose target cell is not empty/NA."""
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = [h.strip().lower() for h in next(reader)]
        col = header.index(target.lower())
        rows = [r for r in reader if r]
    missing = {"", "na", "nan", "null"}
    return [r[0] for r in rows if r[col].strip().lower() not in missing], [r[0] for r in rows]


def protocol_split(path, target):
    dates, _ = present_rows(path, target)
    n = len(dates)
    k = math.floor(TEST_FRACTION * n)
    # Shortest decimal f with round(n f) == k (fit rounds half away from zero; no tie here).
    for digits in range(1, 18):
        f = float(f"{k / n:.{digits}g}")
        if int(math.floor(n * f + 0.5)) == k:
            return n, k, f
    return n, k, k / n


def column_name(model):
    return re.sub(r"\s*\(m=\d+\)$", "", model)


def fmt(x):
    return "–" if x is None else f"{x:.3f}"


def geometric(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, 0
    return math.exp(sum(math.log(v) for v in values) / len(values)), len(values)


def our_test_dates(fit, data_dir, stem, target):
    """Dates of fit's test points, as fit saw the rows (None when its row count is unexplained)."""
    present, every = present_rows(os.path.join(data_dir, stem + ".csv"), target)
    policy = fit["dataset"]["missing_policy"]
    if policy == "drop":
        rows = present
    else:  # ffill / interpolate keep every row after the first present one
        first = every.index(present[0])
        rows = every[first:]
    if len(rows) != fit["dataset"]["rows"]:
        return None
    k = fit["dataset"]["split"]["test"]
    return rows[len(rows) - k:]


def table(sf_path, ours_dir, data_dir):
    sf = json.load(open(sf_path))
    sf_models = list(sf["summary"].keys() - {"best_of_three"})
    sf_models = [m for m in ("AutoARIMA", "AutoETS", "AutoTheta") if m in sf_models] + \
        sorted(m for m in sf_models if m not in ("AutoARIMA", "AutoETS", "AutoTheta"))

    columns = []  # our model columns, in first-seen order
    rows = []
    notes = []
    for s in sf["series"]:
        stem, target = s["series"], s["target"]
        fit = json.load(open(os.path.join(ours_dir, stem + ".json")))
        models = {m["model"]: m for m in fit["models"]}
        naive = models.get("naive")
        naive_mae = naive["mae"] if naive and naive["status"] == "ok" else None
        scores = {}
        for m in fit["models"]:
            name = column_name(m["model"])
            if name == "naive":
                continue
            if name not in columns:
                columns.append(name)
            ok = m["status"] == "ok" and m["mae"] is not None and naive_mae
            scores[name] = m["mae"] / naive_mae if ok else "failed"
        working = [m["mae"] for m in fit["models"] if m["status"] == "ok" and m["mae"] is not None]
        pick = fit.get("pick")
        pick_mae = models[pick]["mae"] if pick in models else None
        pick_score = pick_mae / naive_mae if pick_mae is not None and naive_mae else None
        regret = pick_mae / min(working) if pick_mae is not None and working and min(working) > 0 else None

        ours = our_test_dates(fit, data_dir, stem, target)
        protocol_dates = (s["test_first_date"], s["test_last_date"], s["n_test"])
        same = ours is not None and (ours[0], ours[-1], len(ours)) == protocol_dates
        # Same points, same naive forecasts: the two naive MAEs must agree (a check of the harness).
        if same and (naive_mae is None or abs(naive_mae - s["naive_mae"]) > 1e-9 * s["naive_mae"]):
            raise SystemExit(f"{stem}: same test points but naive MAE {naive_mae} (fit) vs {s['naive_mae']} (protocol)")
        if not same:
            extra = ""
            if fit["dataset"]["missing_values"] and fit["dataset"]["missing_policy"] != "drop":
                extra = f"; {fit['dataset']['missing_values']} missing values filled ({fit['dataset']['missing_policy']})"
            notes.append(f"† {stem}: our test = {fit['dataset']['split']['test']} points"
                         + (f" {ours[0]}…{ours[-1]}" if ours else "")
                         + f", protocol = {s['n_test']} points {s['test_first_date']}…{s['test_last_date']}{extra}")
        rows.append({
            "series": stem + ("" if same else " †"),
            "n_test": str(s["n_test"]) if same else f"{fit['dataset']['split']['test']}/{s['n_test']}",
            "scores": scores, "pick": pick or "–", "pick_score": pick_score, "regret": regret,
            "sf": {m: s["models"][m]["score"] for m in sf_models},
            "best3": s["best_of_three"]["score"],
        })

    head = ["series", "n_test"] + columns + ["our pick", "pick score", "regret"] + sf_models + ["best of 3"]
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["--:"] * (len(head) - 1)) + "|"]

    def cell(v):
        return v if isinstance(v, str) else fmt(v)

    for r in rows:
        cells = [r["series"], r["n_test"]] + [cell(r["scores"].get(c)) for c in columns] \
            + [r["pick"], fmt(r["pick_score"]), fmt(r["regret"])] + [fmt(r["sf"][m]) for m in sf_models] + [fmt(r["best3"])]
        out.append("| " + " | ".join(cells) + " |")

    def numeric(values):
        return [v if isinstance(v, float) else None for v in values]

    per_column = [numeric([r["scores"].get(c) for r in rows]) for c in columns] \
        + [[r["pick_score"] for r in rows]] + [[r["regret"] for r in rows]] \
        + [[r["sf"][m] for r in rows] for m in sf_models] + [[r["best3"] for r in rows]]
    labels = columns + ["pick score", "regret"] + sf_models + ["best of 3"]
    gm, beat = [], []
    for label, values in zip(labels, per_column):
        g, k = geometric(values)
        gm.append(fmt(g) + ("" if k == len(rows) else f" ({k})"))
        present = [v for v in values if v is not None]
        beat.append("" if label == "regret" else f"{sum(v < 1 for v in present)}/{len(present)}")
    n_ours = len(columns)
    out.append("| **geometric mean** | | " + " | ".join(gm[:n_ours] + [""] + gm[n_ours:]) + " |")
    out.append("| **beat naive (< 1)** | | " + " | ".join(beat[:n_ours] + [""] + beat[n_ours:]) + " |")
    print("\n".join(out))
    print()
    print(f"statsforecast {sf['statsforecast_version']}; score = test MAE / naive test MAE, one step ahead; "
          "regret = pick MAE / best of our models' MAE (hindsight).")
    for n in notes:
        print(n + "; scores of this row are on our test points.")


def main():
    args = sys.argv[1:]
    if len(args) == 4 and args[0] == "table":
        table(*args[1:])
    elif len(args) == 3 and args[0] == "split":
        n, k, f = protocol_split(args[1], args[2])
        print(n, k, repr(f))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
