#!/usr/bin/env python3
"""compare.py A.csv B.csv: do two coverage tables agree, cell for cell?

Rows are keyed by area_code; every column of A that B also has is compared
(numbers as numbers, so `64.50` equals `64.5`). Prints a one-line verdict and
exits 1 when anything differs.
"""
import csv
import sys


def load(p):
    with open(p, newline="", encoding="utf-8-sig") as f:
        r = csv.DictReader(f)
        return r.fieldnames, {row["area_code"]: row for row in r}


def same(a, b):
    if a == b:
        return True
    try:
        return abs(float(a) - float(b)) < 1e-9
    except ValueError:
        return a.lower() == b.lower()  # true/false


def main():
    a, b = sys.argv[1], sys.argv[2]
    ha, ra = load(a)
    hb, rb = load(b)
    cols = [c for c in ha if c in hb]
    bad = []
    if set(ra) != set(rb):
        bad.append(f"areas differ: only in A {sorted(set(ra) - set(rb))[:5]}, only in B {sorted(set(rb) - set(ra))[:5]}")
    cells = 0
    for k in sorted(set(ra) & set(rb)):
        for c in cols:
            cells += 1
            if not same(ra[k][c], rb[k][c]):
                bad.append(f"{k} {c}: {ra[k][c]} vs {rb[k][c]}")
    if bad:
        print(f"DIFFER: {a} vs {b}: {len(bad)} differences, first: " + "; ".join(bad[:5]))
        sys.exit(1)
    print(f"SAME: {len(ra)} areas x {len(cols)} columns = {cells} cells agree ({a} vs {b})")


if __name__ == "__main__":
    main()
