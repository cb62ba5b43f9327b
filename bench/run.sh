#!/usr/bin/env bash
# cakupan vs DuckDB on the same generated files, same thread count, in alternation.
#
#   bench/run.sh                      # 1M x5 and 10M x3, CSV and Parquet
#   bench/run.sh 1000000:5 10000000:3 50000000:1
#   BENCH_KABS=all bench/run.sh 285000000:1     # national scale (all 514 kab/kota)
#   BENCH_KABS=all BENCH_FORMATS=parquet BENCH_RECORDINGS=205000000 bench/run.sh 285000000:1
#                                               # ... at the issue's 205M recordings
#
# Environment:
#   BENCH_DATA   where generated inputs are kept (default /tmp/cakupan-bench); reused if present
#   BENCH_OUT    where results go (default bench/results)
#   BENCH_FORMATS  "csv parquet" (default) or one of them
#   BENCH_THREADS  threads for both engines (default 2)
#   BENCH_KABS   kab/kota codes to generate (default: every kab/kota of Java, provinces 31-36;
#                "all" = all 514)
#   CAKUPAN_BIN  the binary (default: built with cargo build --release)
#   BENCH_EXTRA  extra flags for `cakupan run` (default "--no-pii": the same job as the SQL,
#                which writes no worklists; set BENCH_EXTRA=" " for the full run)
#   BENCH_ENGINES  "cakupan duckdb" (default) or one of them
#   BENCH_TIMEOUT  seconds after which a run is stopped and recorded as failed (default 3600)
#   BENCH_RECORDINGS  recordings to give both engines (Parquet only; default: the generator's
#                own count, which is below the real register's ~205M). More than generated:
#                DuckDB copies the generated file's first recordings into a second file, and
#                both engines read the directory of the two (rekam-N/ beside the inputs).
#                The copies repeat people already recorded, so the counts do not change.
#
# Not run by CI. Needs python3 (venv), /usr/bin/time (apt-get install time).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DATA="${BENCH_DATA:-/tmp/cakupan-bench}"
OUT="${BENCH_OUT:-$ROOT/bench/results}"
THREADS="${BENCH_THREADS:-2}"
FORMATS="${BENCH_FORMATS:-csv parquet}"
ENGINES="${BENCH_ENGINES:-cakupan duckdb}"
SPECS=("$@")
[ ${#SPECS[@]} -eq 0 ] && SPECS=(1000000:5 10000000:3)
S=2024-08-26
E=2024-11-27

[ -x /usr/bin/time ] || { echo "needs /usr/bin/time: apt-get install time" >&2; exit 1; }

# DuckDB from PyPI, in a venv of our own.
VENV="${BENCH_VENV:-$ROOT/bench/.venv}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q duckdb
fi
PY="$VENV/bin/python"

if [ -z "${CAKUPAN_BIN:-}" ]; then
  cargo build --release --quiet
  CAKUPAN_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/cakupan"
fi

if [ -z "${BENCH_KABS:-}" ]; then
  KABS=$(awk -F, 'length($1)==5 && substr($1,1,2)>="31" && substr($1,1,2)<="36" {print $1}' data-schema/data/wilayah.csv | tr '\n' ' ')
elif [ "$BENCH_KABS" = all ]; then
  KABS=$(awk -F, 'length($1)==5 {print $1}' data-schema/data/wilayah.csv | tr '\n' ' ')
else
  KABS="$BENCH_KABS"
fi

mkdir -p "$OUT" "$DATA"
RESULTS="$OUT/results.tsv"
# (A results file from before the recordings column is set aside.)
[ -f "$RESULTS" ] && ! head -1 "$RESULTS" | grep -q recordings && mv "$RESULTS" "$RESULTS.old"
[ -f "$RESULTS" ] || printf 'residents\tformat\tengine\trun\twall_s\tmax_rss_kb\texit\trecordings\n' > "$RESULTS"

measure() { # label file -- command...
  local tf; tf=$(mktemp)
  local rc=0
  /usr/bin/time -v -o "$tf" timeout "${BENCH_TIMEOUT:-3600}" "$@" > "$tf.out" 2>&1 || rc=$?
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$tf")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
  if [ "$rc" -ne 0 ]; then echo "  FAILED ($rc):" >&2; tail -5 "$tf.out" >&2; fi
  rm -f "$tf" "$tf.out"
  echo "$wall $rss $rc"
}

# One run of each engine on the current size/format/run (P, R, co, do_, N, fmt, i).
run_cakupan() {
  read -r w m rc < <(RAYON_NUM_THREADS=$THREADS POLARS_MAX_THREADS=$THREADS measure \
    "$CAKUPAN_BIN" run --population "$P" --enrollment "$R" --election-date $E --as-of $S \
    --out "$co" --no-report ${BENCH_EXTRA---no-pii})
  printf '%s\t%s\tcakupan\t%s\t%s\t%s\t%s\t%s\n' "$N" "$fmt" "$i" "$w" "$m" "$rc" "$REC" >> "$RESULTS"
  echo "  $N $fmt run $i: cakupan ${w}s $((m / 1024)) MB rc=$rc"
}
run_duckdb() {
  read -r w m rc < <(measure "$PY" bench/duckdb_job.py --population "$P" --enrollment "$R" \
    --as-of $S --election-date $E --out "$do_" --threads "$THREADS")
  printf '%s\t%s\tduckdb\t%s\t%s\t%s\t%s\t%s\n' "$N" "$fmt" "$i" "$w" "$m" "$rc" "$REC" >> "$RESULTS"
  echo "  $N $fmt run $i: duckdb  ${w}s $((m / 1024)) MB rc=$rc"
}

# top_up G N: a directory of N recordings (echoed): the generated Parquet
# file (hard-linked) and a file of its first recordings, copied by DuckDB.
top_up() {
  local g=$1 n=$2 d="$1/rekam-$2"
  if [ ! -f "$d.done" ]; then
    rm -rf "$d"; mkdir -p "$d"
    ln "$g/rekam_ktpel.parquet" "$d/part-0.parquet" 2>/dev/null || cp "$g/rekam_ktpel.parquet" "$d/part-0.parquet"
    "$PY" - "$g/rekam_ktpel.parquet" "$d/part-1.parquet" "$n" "$THREADS" >&2 <<'PYEOF'
import sys, duckdb
src, dst, n, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
have = con.execute("SELECT count(*) FROM read_parquet(?)", [src]).fetchone()[0]
if n <= have:
    sys.exit(f"BENCH_RECORDINGS={n} is not more than the {have:,} recordings generated")
con.execute(f"COPY (SELECT * FROM read_parquet('{src}') LIMIT {n - have}) TO '{dst}' "
            "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1048576)")
print(f"recordings: {have:,} generated + {n - have:,} repeated = {n:,} in {src.rsplit('/', 1)[0]}/rekam-{n}/")
PYEOF
    touch "$d.done"
  fi
  echo "$d"
}

REC="${BENCH_RECORDINGS:-}"
if [ -n "$REC" ] && [ "$FORMATS" != parquet ]; then
  echo "BENCH_RECORDINGS needs BENCH_FORMATS=parquet" >&2; exit 1
fi

for spec in "${SPECS[@]}"; do
  N="${spec%%:*}"; RUNS="${spec##*:}"
  G="$DATA/gen-$N"
  if [ ! -f "$G/done" ]; then
    echo "generating $N residents into $G (${KABS%% *} …)"
    rm -rf "$G"
      GEN_FORMAT=both; case " $FORMATS " in *" csv "*) ;; *) GEN_FORMAT=parquet ;; esac
    "$CAKUPAN_BIN" generate --kab $KABS --residents "$N" --seed 1 --out "$G" --format $GEN_FORMAT
    touch "$G/done"
  fi
  du -sh "$G"/penduduk.csv "$G"/rekam_ktpel.csv "$G"/penduduk.parquet "$G"/rekam_ktpel.parquet 2>/dev/null || true
  for fmt in $FORMATS; do
    ext=$fmt; [ "$fmt" = parquet ] && ext=parquet
    P="$G/penduduk.$ext"; R="$G/rekam_ktpel.$ext"
    [ -n "$REC" ] && R=$(top_up "$G" "$REC")
    for ((i = 1; i <= RUNS; i++)); do
      co="$DATA/out-cakupan-$N-$fmt"; do_="$DATA/out-duckdb-$N-$fmt"
      rm -rf "$co" "$do_"
      # Which engine goes first switches from run to run.
      order="cakupan duckdb"; [ $((i % 2)) -eq 0 ] && order="duckdb cakupan"
      for engine in $order; do
        if [[ " $ENGINES " == *" $engine "* ]]; then "run_$engine"; fi
      done
    done
    # correctness cross-check: the two engines' kecamatan tables (and the generator's own counts)
    [ -f "$do_/coverage_kecamatan.csv" ] && [ -f "$co/coverage_kecamatan.csv" ] &&
      python3 bench/compare.py "$do_/coverage_kecamatan.csv" "$co/coverage_kecamatan.csv" | tee -a "$OUT/crosscheck.txt"
    [ -f "$co/coverage_kecamatan.csv" ] && [ -f "$G/expected_kecamatan.csv" ] &&
      python3 bench/compare.py "$G/expected_kecamatan.csv" "$co/coverage_kecamatan.csv" | tee -a "$OUT/crosscheck.txt"
    python3 -c 'import json,sys; print(sys.argv[2], json.load(open(sys.argv[1]))["timings_ms"])' \
      "$co/manifest.json" "  $N $fmt cakupan stages (ms):" | tee -a "$OUT/stages.txt" || true
  done
done

{
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "duckdb $("$PY" -c 'import duckdb; print(duckdb.__version__)'), $("$CAKUPAN_BIN" --version 2>/dev/null || echo cakupan)"
  python3 bench/summarize.py "$RESULTS"
} | tee "$OUT/summary.md"
