#!/usr/bin/env python3
"""summarize.py results.tsv: the BENCHMARKS.md table (median, min-max, peak RSS, ratio),
then the ratio run by run: each run's two engines ran back to back, so the
median of those paired ratios follows the machine's swings less than the
ratio of the two medians does."""
import csv
import statistics
import sys
from collections import defaultdict


def label(n, rec):
    """Residents, and the recordings when given (BENCH_RECORDINGS)."""
    return f"{n:,}" + (f" + {rec:,} recordings" if rec else "")


def main():
    runs = defaultdict(list)
    # (residents, format) -> cakupan/DuckDB of each run whose two engines ran
    # back to back: adjacent rows of the same run (results.tsv gathers the
    # rows of every invocation of run.sh, so run numbers repeat).
    paired = defaultdict(list)
    prev = None
    with open(sys.argv[1]) as f:
        for r in csv.DictReader(f, delimiter="\t"):
            # The recordings given, when not the generator's own count.
            rec = int(r.get("recordings") or 0)
            run = (int(r["residents"]), rec, r["format"], r["run"])
            if r["exit"] != "0":
                prev = None
                continue
            runs[(int(r["residents"]), rec, r["format"], r["engine"])].append((float(r["wall_s"]), int(r["max_rss_kb"])))
            if prev and prev[0] == run and prev[1] != r["engine"]:
                w = {prev[1]: prev[2], r["engine"]: float(r["wall_s"])}
                paired[run[:3]].append(w["cakupan"] / w["duckdb"])
                prev = None
            else:
                prev = (run, r["engine"], float(r["wall_s"]))
    keys = sorted({(n, rec, f) for n, rec, f, _ in runs})
    print("| residents | input | engine | runs | median wall | min–max | peak RSS (max) | cakupan/DuckDB wall | cakupan/DuckDB RSS |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for n, rec, fmt in keys:
        med = {}
        rss = {}
        for eng in ("cakupan", "duckdb"):
            v = runs.get((n, rec, fmt, eng))
            if not v:
                continue
            w = [x[0] for x in v]
            med[eng] = statistics.median(w)
            rss[eng] = max(x[1] for x in v)
        for eng in ("cakupan", "duckdb"):
            v = runs.get((n, rec, fmt, eng))
            if not v:
                continue
            w = [x[0] for x in v]
            ratio = rss_ratio = ""
            if eng == "cakupan" and "duckdb" in med:
                ratio = f"{med['cakupan'] / med['duckdb']:.2f}"
                rss_ratio = f"{rss['cakupan'] / rss['duckdb']:.2f}"
            print(
                f"| {label(n, rec)} | {fmt} | {eng} | {len(v)} | {med[eng]:.2f} s | {min(w):.2f}–{max(w):.2f} s "
                f"| {rss[eng] / 1048576:.2f} GB | {ratio} | {rss_ratio} |"
            )

    if paired:
        print()
        print("| residents | input | paired runs | cakupan/DuckDB per run | median | min–max |")
        print("|---:|---|---:|---|---:|---:|")
        for (n, rec, fmt), r in sorted(paired.items()):
            each = " ".join(f"{x:.2f}" for x in r)
            print(f"| {label(n, rec)} | {fmt} | {len(r)} | {each} | {statistics.median(r):.2f} | {min(r):.2f}–{max(r):.2f} |")


if __name__ == "__main__":
    main()
