#!/usr/bin/env python3
"""Writes a seeded portfolio of monthly series in long format (date,series,value) for
scripts/bench/portfolio.sh.

    portfolio_generate.py OUT.csv [--series 1000] [--points 500] [--seed 2026]

Series k is level * (1 + trend * t) * (1 + amplitude * sin(2 pi (t + phase) / 12)) times
AR(1) multiplicative noise, all parameters drawn from random.Random(seed): a mix of trends,
seasonal strengths and noise levels, every value positive. Same arguments, same bytes.
Uses the standard library only.
"""
import argparse
import math
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--points", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    # Month starts from January 1980 onward: 500 points reach 2021-08.
    dates = [f"{1980 + m // 12:04d}-{m % 12 + 1:02d}-01" for m in range(args.points)]
    with open(args.out, "w", newline="\n") as out:
        out.write("date,series,value\n")
        for k in range(args.series):
            level = rng.uniform(50, 5000)
            trend = rng.uniform(-0.0008, 0.003)
            amplitude = rng.choice([0.0, rng.uniform(0.05, 0.4)])
            phase = rng.uniform(0, 12)
            phi, sigma = rng.uniform(0.0, 0.8), rng.uniform(0.01, 0.1)
            noise = 0.0
            name = f"s{k:04d}"
            for t, date in enumerate(dates):
                noise = phi * noise + rng.gauss(0.0, sigma)
                value = level * (1 + trend * t) * (1 + amplitude * math.sin(2 * math.pi * (t + phase) / 12)) * math.exp(noise)
                out.write(f"{date},{name},{max(value, 0.01):.4f}\n")


if __name__ == "__main__":
    main()
