#!/usr/bin/env python3
"""Replays pick rules on the forecasts of a kept accuracy run (issue 11's noise rule).

    KEEP=DIR scripts/bench/accuracy.sh && python3 scripts/bench/selection_replay.py DIR

For each series, reads the newest report's forecasts.csv (validation and test rows, step 1),
scores every model on the targets all models share, and prints the protocol score (test MAE /
naive test MAE, geometric mean over the series) and the regret of each rule:
  - lowest validation MAE (the rule before the noise rule);
  - that pick unless it is not better than naive on validation by a Diebold-Mariano test
    (squared error, Harvey-Leybourne-Newbold correction, Student-t(n-1)) at one-sided
    levels 2.5%, 10% (shipped) and 25%, then naive.
fit's own rule also considers seasonal naive as the reference; on the shared series only
airpassengers and seatbelts have one, and neither falls back. Needs scipy (benchmark tool only).
"""
import csv, glob, math, sys
from collections import defaultdict
from scipy.stats import t as student_t


def dm_two_sided_p(e1, e2):
    d = [a * a - b * b for a, b in zip(e1, e2)]
    n = len(d)
    mean = sum(d) / n
    var = sum((x - mean) ** 2 for x in d) / n
    if n < 3 or var <= 0:
        return 1.0, mean
    stat = mean / math.sqrt(var / n) * math.sqrt((n - 1) / n)
    return 2 * student_t.sf(abs(stat), n - 1), mean


def load(root):
    series = {}
    for f in sorted(glob.glob(root + '/reports-*/*/2*/forecasts.csv')):
        name = f.split('/reports-')[1].split('/')[0]
        parts = {'validation': defaultdict(dict), 'test': defaultdict(dict)}
        for r in csv.DictReader(open(f)):
            if r['part'] in parts and r['step'] == '1':
                parts[r['part']][r['model']][r['date']] = (float(r['actual']), float(r['forecast']))
        series[name] = parts  # the newest run folder wins
    return series


def evaluate(series, rule):
    scores, regrets = [], []
    for name, d in sorted(series.items()):
        models = [m for m in d['validation'] if m in d['test']]
        vd = sorted(set.intersection(*[set(d['validation'][m]) for m in models]))
        td = sorted(set.intersection(*[set(d['test'][m]) for m in models]))
        mae = lambda part, m, dates: sum(abs(d[part][m][x][0] - d[part][m][x][1]) for x in dates) / len(dates)
        v = {m: mae('validation', m, vd) for m in models}
        t = {m: mae('test', m, td) for m in models}
        pick = rule(d, models, v, vd)
        scores.append(math.log(t[pick] / t['naive']))
        regrets.append(math.log(t[pick] / min(t.values())))
    g = lambda xs: math.exp(sum(xs) / len(xs))
    return g(scores), g(regrets)


def lowest(d, models, v, vd):
    return min(models, key=lambda m: v[m])


def noise_rule(one_sided):
    def rule(d, models, v, vd):
        pick = lowest(d, models, v, vd)
        if pick == 'naive':
            return pick
        e1 = [d['validation'][pick][x][0] - d['validation'][pick][x][1] for x in vd]
        e2 = [d['validation']['naive'][x][0] - d['validation']['naive'][x][1] for x in vd]
        p, mean = dm_two_sided_p(e1, e2)
        return pick if mean < 0 and p < 2 * one_sided else 'naive'
    return rule


if __name__ == '__main__':
    data = load(sys.argv[1])
    print('| rule | pick (geometric mean) | regret |\n|---|--:|--:|')
    for label, rule in [('lowest validation MAE', lowest)] + [
            (f'noise rule, one-sided {a:.1%}', noise_rule(a)) for a in (0.025, 0.10, 0.25)]:
        score, regret = evaluate(data, rule)
        print(f'| {label} | {score:.3f} | {regret:.3f} |')
