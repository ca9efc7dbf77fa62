"""statsforecast side of the accuracy protocol (issue 11): AutoARIMA, AutoETS and AutoTheta.

    flock /tmp/forecast-cpu.lock /work/venv-sf/bin/python scripts/bench/statsforecast_accuracy.py OUT.json [DATA_DIR]

DATA_DIR defaults to ../shared/data (relative to the repository root). About 15 s of CPU on one core.

The protocol, for each of the 7 shared series (file, target, season from the catalog):
- rows whose target is missing are dropped; n is the number of rows left;
- test = the last floor(0.2 n) points; every model is fitted on the points before (training);
- each test point y[t] is forecast one step ahead from y[0..<t] (actual values only) with the
  parameters fixed at their training values;
- score = MAE(model) / MAE(naive) on the test points, where naive forecasts y[t] by y[t-1];
- summary: geometric mean of the scores over the series, and how many series score below 1.
"Best of three" is, per series, the lowest score of the three models (chosen in hindsight).

One-step forecasts with fixed parameters (checked for statsforecast 2.1.1). The definition is
`forward(y[:t], h=1)["mean"][0]`: the fitted model (parameters fixed) applied to the actual values
before t, forecasting y[t]; it is what statsforecast's cross_validation with refit=False does.
- AutoETS: `forward(y_all, h=1, fitted=True)["fitted"][t]` re-runs the model's filter over all
  actual values and equals that definition: on airpassengers, lynx and seatbelts to within 1e-13
  (relative) at the first, sixth and last test origins. It is used (one pass instead of one per
  origin), and the script re-checks it on every series (first, middle and last test origin,
  relative tolerance 1e-8) and stops if it fails.
- AutoARIMA: the fitted values are NOT the one-step forecasts. They are y minus R's standardized
  innovations (innovation / sqrt(gain), gain = prediction variance / sigma^2), which equal the
  innovations only once the Kalman filter has converged (gain = 1). On seatbelts
  (ARIMA(1,0,2)(0,1,1)[12], seasonal MA -0.81, slow convergence) they differ from the
  origin-by-origin forecasts by up to 0.055 deaths over the test part, and (y - fitted) / (y -
  forecast) is 0.99904 at the first test origin rising to 0.99974 at the last, whatever y is: a
  gain just above 1. On airpassengers and lynx they agreed to 5e-13. AutoARIMA is therefore
  forecast origin by origin.
- AutoTheta: the fitted values use the theta line's coefficients computed from the whole series
  and, for a seasonal series, seasonal indices from the whole series (on airpassengers they differ
  from the origin-by-origin forecasts by up to 7 passengers): future values leak in. AutoTheta is
  forecast origin by origin: alpha, theta, the initial level and the model type stay fixed; the
  seasonality test and the classical decomposition are redone on y[:t], which holds past values only.

Everything is deterministic (no random numbers; same inputs give the same JSON).
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd
import statsforecast
from statsforecast.arima import arima_string
from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

# (file stem, target column, season length): the catalog's 7 shared series.
SERIES = [
    ("airpassengers", "passengers", 12),
    ("sunspot_month", "sunspots", 1),
    ("lynx", "trappings", 1),
    ("seatbelts", "driverskilled", 12),
    ("vega_stocks", "aapl", 1),
    ("seattle_weather", "temp_max", 1),
    ("gold_prices", "price", 1),
]
MODELS = ["AutoARIMA", "AutoETS", "AutoTheta"]
TEST_FRACTION = 0.2
FORWARD_TOLERANCE = 1e-8
# Models whose forward(..., fitted=True) values are not one-step forecasts (see the header).
ORIGIN_BY_ORIGIN = {"AutoARIMA", "AutoTheta"}


def load(data_dir, stem, target):
    """Dates and target values (float) of the rows whose target is present."""
    frame = pd.read_csv(os.path.join(data_dir, stem + ".csv"), dtype={"date": str})
    frame = frame[frame[target].notna()]
    return frame["date"].tolist(), frame[target].to_numpy(dtype=np.float64)


def make(name, season):
    if name == "AutoARIMA":
        return AutoARIMA(season_length=season)
    if name == "AutoETS":
        return AutoETS(season_length=season)
    return AutoTheta(season_length=season)


def spec(name, model):
    """The model the automatic search selected on the training part."""
    fitted = model.model_
    if name == "AutoARIMA":
        return arima_string(fitted).strip()
    if name == "AutoETS":
        return fitted["method"]
    text = fitted["modeltype"]
    if fitted.get("decompose", False):
        text += f" on {fitted['decomposition_type']}ly deseasonalized data"
    return text


def one_step_origin(model, y, t):
    """Forecast of y[t] from y[0..<t] with the fitted parameters."""
    return float(model.forward(y[:t], h=1)["mean"][0])


def one_step_forecasts(name, model, y, start):
    """One-step forecasts of y[start:], parameters fixed; returns (forecasts, method)."""
    n = len(y)
    if name in ORIGIN_BY_ORIGIN:
        return np.array([one_step_origin(model, y, t) for t in range(start, n)]), "origin by origin: forward(y[:t], h=1)"
    fitted = np.asarray(model.forward(y, h=1, fitted=True)["fitted"], dtype=np.float64)
    for t in sorted({start, (start + n - 1) // 2, n - 1}):
        direct = one_step_origin(model, y, t)
        if not abs(fitted[t] - direct) <= FORWARD_TOLERANCE * max(1.0, abs(direct)):
            raise SystemExit(f"{name}: forward fitted[{t}] = {fitted[t]!r} but forward(y[:{t}]) = {direct!r}")
    return fitted[start:], "forward(y, fitted=True), checked against forward(y[:t]) at 3 origins"


def mae(actual, forecast):
    return float(np.mean(np.abs(actual - forecast)))


def geometric_mean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    out_path = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    data_dir = sys.argv[2] if len(sys.argv) == 3 else os.path.join(root, "..", "shared", "data")
    warnings.simplefilter("ignore")

    rows = []
    for stem, target, season in SERIES:
        dates, y = load(data_dir, stem, target)
        n = len(y)
        n_test = math.floor(TEST_FRACTION * n)
        start = n - n_test
        actual = y[start:]
        naive_mae = mae(actual, y[start - 1:n - 1])
        row = {
            "series": stem, "target": target, "season": season, "n": n, "n_test": n_test,
            "test_first_date": dates[start], "test_last_date": dates[-1],
            "naive_mae": naive_mae, "models": {},
        }
        for name in MODELS:
            model = make(name, season).fit(y[:start])
            forecasts, method = one_step_forecasts(name, model, y, start)
            if not np.all(np.isfinite(forecasts)):
                raise SystemExit(f"{stem} {name}: non-finite forecasts")
            model_mae = mae(actual, forecasts)
            row["models"][name] = {"spec": spec(name, model), "mae": model_mae,
                                   "score": model_mae / naive_mae, "one_step": method}
        best = min(MODELS, key=lambda m: row["models"][m]["score"])
        row["best_of_three"] = {"model": best, "score": row["models"][best]["score"]}
        rows.append(row)
        print(f"{stem:16s} n={n:5d} test={n_test:4d} " + " ".join(
            f"{m}={row['models'][m]['score']:.3f} ({row['models'][m]['spec']})" for m in MODELS), file=sys.stderr)

    summary = {}
    for name in MODELS:
        scores = [r["models"][name]["score"] for r in rows]
        summary[name] = {"geometric_mean": geometric_mean(scores), "beat_naive": sum(s < 1 for s in scores)}
    best = [r["best_of_three"]["score"] for r in rows]
    summary["best_of_three"] = {"geometric_mean": geometric_mean(best), "beat_naive": sum(s < 1 for s in best)}

    document = {
        "statsforecast_version": statsforecast.__version__,
        "numpy_version": np.__version__,
        "protocol": "test = last floor(0.2 n) points after dropping rows with a missing target; fit on the points "
                    "before; one-step forecasts from all actual values before each test point, parameters fixed; "
                    "score = MAE / MAE of naive (y[t-1]) on the test points; summary = geometric mean, count < 1",
        "series": rows,
        "summary": summary,
    }
    with open(out_path, "w") as f:
        json.dump(document, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
