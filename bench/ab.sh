#!/usr/bin/env bash
# Is a change faster? Two cakupan binaries on the same generated inputs,
# alternated run by run in the order A B, B A, A B, ... (so that neither
# side always runs first) and the machine's swings fall on both. Prints each
# run, then per binary the medians of wall time, user CPU, peak RSS and the
# validate_population stage, and in how many pairs B beat A.
#
#   bench/ab.sh OLD_BIN NEW_BIN [residents:runs] [format]
#   bench/ab.sh /tmp/cakupan-old target/release/cakupan 1000000:20 parquet
#
# Inputs are bench/run.sh's (BENCH_DATA, default /tmp/cakupan-bench/gen-N);
# run bench/run.sh once (BENCH_ENGINES=cakupan is enough) to generate them.
# BENCH_THREADS (default 2) and BENCH_EXTRA (default "--no-pii") as there.
# Run it once with the same binary on both sides to see the noise floor:
# on the 2-core VM of BENCHMARKS.md, 20 pairs of one binary against itself
# at 1M gave a B/A median of 0.939 (B "faster" in 14 of 20), so a change
# of a few percent cannot be told from noise there. Not run by CI.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,17p' "$0"; exit 2; }
A=$1; B=$2; SPEC=${3:-1000000:7}; FMT=${4:-parquet}
N=${SPEC%%:*}; RUNS=${SPEC##*:}
G="${BENCH_DATA:-/tmp/cakupan-bench}/gen-$N"
THREADS="${BENCH_THREADS:-2}"
[ -f "$G/penduduk.$FMT" ] || { echo "no $G/penduduk.$FMT: generate it with bench/run.sh $N:1" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install time" >&2; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
LOG="$OUT/runs.tsv"
for ((i = 1; i <= RUNS; i++)); do
  order="A B"; [ $((i % 2)) -eq 0 ] && order="B A"
  for side in $order; do
    bin=$A; [ $side = B ] && bin=$B
    rm -rf "$OUT/run"
    r=$(RAYON_NUM_THREADS=$THREADS POLARS_MAX_THREADS=$THREADS /usr/bin/time -f "%e %U %M" \
      "$bin" run --population "$G/penduduk.$FMT" --enrollment "$G/rekam_ktpel.$FMT" \
      --election-date 2024-11-27 --as-of 2024-08-26 --out "$OUT/run" --no-report ${BENCH_EXTRA---no-pii} \
      2>&1 >/dev/null | tail -1)
    v=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings_ms"]["validate_population"])' "$OUT/run/manifest.json")
    read -r wall user rss <<< "$r"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$side" "$i" "$wall" "$user" "$rss" "$v" >> "$LOG"
    echo "$side run $i: wall ${wall}s user ${user}s rss $((rss / 1024)) MB validate_population ${v} ms"
  done
done
python3 - "$LOG" "$A" "$B" <<'PY'
import sys, statistics as st
rows = [l.split('\t') for l in open(sys.argv[1]).read().split('\n') if l]
by = {s: [r for r in rows if r[0] == s] for s in 'AB'}
col = lambda s, k: [float(r[k]) for r in by[s]]
for s, name in (('A', sys.argv[2]), ('B', sys.argv[3])):
    print(f"{s} {name}: median wall {st.median(col(s, 2)):.2f} s, user {st.median(col(s, 3)):.2f} s, "
          f"rss {st.median(col(s, 4)) / 1024:.0f} MB, validate_population {st.median(col(s, 5)):.0f} ms")
for k, what in ((2, 'wall'), (3, 'user CPU')):
    pairs = list(zip(col('A', k), col('B', k)))
    wins = sum(b < a for a, b in pairs)
    ratios = [b / a for a, b in pairs]
    print(f"{what}: B/A per pair {' '.join(f'{x:.3f}' for x in ratios)}; median {st.median(ratios):.3f}; B faster in {wins} of {len(pairs)}")
PY
