# Mean against median of combo's members, from the forecasts.csv of an accuracy run kept with
# KEEP=DIR scripts/bench/accuracy.sh; then: python3 scripts/bench/combo_mean_median.py DIR (needs pandas).
import glob, json, math, os, sys
import pandas as pd
rows = []
for path in sorted([p for p in glob.glob(os.path.join(sys.argv[1], 'reports-*/*/*/forecasts.csv')) if '/latest/' not in p]):
    series = path.split('/reports-')[1].split('/')[0]
    d = pd.read_csv(path)
    metrics = json.load(open(os.path.join(os.path.dirname(path), 'metrics.json')))
    combo = next(m for m in metrics['models'] if m['model'] == 'combo')
    members = combo['configuration'].replace('mean of ', '').split(', ')
    t = d[(d.part == 'test') & (d.step == 1)]
    wide = t.pivot_table(index='date', columns='model', values='forecast')
    actual = t.groupby('date').actual.first()
    naive = wide['naive']
    mae = lambda f: (f - actual).abs().mean()
    m_mean = mae(wide[members].mean(axis=1)); m_median = mae(wide[members].median(axis=1))
    rows.append((series, members, m_mean / mae(naive), m_median / mae(naive)))
g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
for s, mem, a, b in rows: print(f"{s:16s} {','.join(mem):22s} mean {a:.3f} median {b:.3f}")
print(f"geometric mean: mean {g([r[2] for r in rows]):.3f}, median {g([r[3] for r in rows]):.3f}; "
      f"mean better on {sum(r[2] < r[3] for r in rows)}/{len(rows)}")
