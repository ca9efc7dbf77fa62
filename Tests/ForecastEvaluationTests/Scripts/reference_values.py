"""Reference values for ForecastEvaluationTests, computed independently in 50-digit arithmetic
with mpmath (`pip install mpmath`; PyTorch's sympy dependency ships it too).

Run: python3 Tests/ForecastEvaluationTests/Scripts/reference_values.py   (any Python with mpmath)
The printed numbers are pasted into DieboldMarianoTests.swift.

The DM variant mirrors R forecast::dm.test(e1, e2, h = 1, power = 2):
d = e1^2 - e2^2; variance of the mean = (acf covariance at lag 0, divisor n) / n;
DM = mean(d)/sqrt(variance); HLN factor sqrt((n + 1 - 2h + h(h-1)/n)/n);
p = 2 * P(T_{n-1} > |DM*|) = I_{nu/(nu+t^2)}(nu/2, 1/2) with nu = n - 1.
"""
import math
import mpmath as mp

mp.mp.dps = 50


def t_two_sided(t, nu):
    t, nu = mp.mpf(t), mp.mpf(nu)
    return mp.betainc(nu / 2, mp.mpf(1) / 2, 0, nu / (nu + t * t), regularized=True)


def t_cdf(t, nu):
    tail = t_two_sided(t, nu) / 2
    return 1 - tail if t > 0 else tail


def dm_test(e1, e2, h=1):
    e1 = [mp.mpf(x) for x in e1]
    e2 = [mp.mpf(x) for x in e2]
    d = [a * a - b * b for a, b in zip(e1, e2)]
    n = len(d)
    mean = mp.fsum(d) / n
    gamma0 = mp.fsum((x - mean) ** 2 for x in d) / n
    dm = mean / mp.sqrt(gamma0 / n)
    stat = dm * mp.sqrt(mp.mpf(n + 1 - 2 * h + h * (h - 1) / n) / n)
    return mean, stat, t_two_sided(stat, n - 1)


def show(*xs):
    print(" ".join(mp.nstr(x, 17) for x in xs))


print("DM small case: mean d, DM*, p")
show(*dm_test([1, -2, 3, 0.5, -1], [0.5, 1, -1, 1, 2]))

# Longer case: deterministic pseudo-errors, generated the same way in the Swift test (Double).
e1 = [math.sin(1.3 * i) * (1 + 0.1 * i) for i in range(40)]
e2 = [math.cos(0.7 * i) * 1.5 + 0.2 for i in range(40)]
print("DM n=40 case: mean d, DM*, p")
show(*dm_test(e1, e2))

print("Student t: t, nu, cdf, two-sided p")
for t, nu in [(2.776445105197793, 4), (-1.5, 7), (0.3, 29), (3.2, 12), (-10.0, 3), (1.0, 2.5), (2.0, 200)]:
    show(t, nu, t_cdf(t, nu), t_two_sided(t, nu))

print("regularised incomplete beta: x, a, b, I")
for x, a, b in [(0.3, 2.0, 3.0), (0.9, 0.5, 0.5), (0.05, 10.0, 0.5), (0.7, 15.0, 0.5)]:
    show(x, a, b, mp.betainc(a, b, 0, x, regularized=True))
