#!/usr/bin/env bash
# The archive benchmark of docs/performance.md: a 1 GiB log zipped (deflate level 6) and
# gzipped, and a zip of 8 logs of 128 MiB, timed side by side in interleaved rounds against
# `unzip -p` / `gzip -dc` to /dev/null (inflating alone), with wall time and peak RSS from GNU
# time; prints medians as a Markdown table.
#
#   scripts/bench-archives.sh            # RUNS=5 rounds
#
# Environment: BENCH_DATA (default bench-data/, git-ignored), RUNS, REBUILD=1, SKIP_BUILD=1,
# CARGO_TARGET_DIR, as in bench-side-by-side.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${BENCH_DATA:-$ROOT/bench-data}
RUNS=${RUNS:-5}
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
mkdir -p "$DATA"
log() { printf '%s\n' "$*" >&2; }

if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    log "building release binaries (evtx-doctor, evtx-forge)"
    (cd "$ROOT" && cargo build --release --quiet -p evtx-doctor-cli -p evtx-forge)
fi
DOCTOR=$BIN/evtx-doctor
FORGE=$BIN/evtx-forge
for tool in zip unzip gzip /usr/bin/time; do
    command -v "$tool" >/dev/null || { log "needs $tool (apt-get install zip unzip gzip time)"; exit 2; }
done

# --- workloads: evtx-forge's sync-server noise, 611 failures in every 2048th chunk ---------
LOG=$DATA/archive-1GiB.evtx
ZIP=$DATA/archive-1GiB.zip
GZ=$DATA/archive-1GiB.evtx.gz
EIGHT=$DATA/archive-8x128MiB.zip
if [[ ${REBUILD:-0} == 1 || ! -s $ZIP || ! -s $GZ || ! -s $EIGHT ]]; then
    log "building the workloads in $DATA"
    "$FORGE" corpus --size 1GiB --signal-every 2048 --seed 1 -o "$LOG"
    rm -f "$ZIP" "$EIGHT"
    (cd "$DATA" && zip -q -6 "$ZIP" "$(basename "$LOG")")
    gzip -6 -c "$LOG" >"$GZ"
    parts=()
    for i in 1 2 3 4 5 6 7 8; do
        part=$DATA/part-$i.evtx
        "$FORGE" corpus --size 128MiB --signal-every 512 --seed "$i" -o "$part"
        parts+=("$(basename "$part")")
    done
    (cd "$DATA" && zip -q -6 "$EIGHT" "${parts[@]}" && rm -f "${parts[@]}")
    rm -f "$LOG"
fi

# --- rounds ----------------------------------------------------------------------------
# time_of NAME COMMAND...: appends "seconds kib" of one run to $DATA/NAME.times
time_of() {
    local name=$1
    shift
    /usr/bin/time -f '%e %M' -o "$DATA/$name.time1" "$@" >/dev/null 2>&1 || true
    # GNU time adds "Command exited with non-zero status 1" (findings): keep the numbers.
    grep -E '^[0-9.]+ [0-9]+$' "$DATA/$name.time1" >>"$DATA/$name.times"
}
names=(zip-doctor zip-unzip gz-doctor gz-gzip eight-doctor eight-doctor-1thread eight-unzip)
for name in "${names[@]}"; do rm -f "$DATA/$name.times"; done
for round in $(seq "$RUNS"); do
    log "round $round of $RUNS (load average $(cut -d' ' -f1 /proc/loadavg))"
    time_of zip-doctor "$DOCTOR" analyze "$ZIP" --format json -o /dev/null
    time_of zip-unzip sh -c "unzip -p '$ZIP' >/dev/null"
    time_of gz-doctor "$DOCTOR" analyze "$GZ" --format json -o /dev/null
    time_of gz-gzip sh -c "gzip -dc '$GZ' >/dev/null"
    time_of eight-doctor "$DOCTOR" analyze "$EIGHT" --format json -o /dev/null
    time_of eight-doctor-1thread "$DOCTOR" analyze "$EIGHT" --threads 1 --format json -o /dev/null
    time_of eight-unzip sh -c "unzip -p '$EIGHT' >/dev/null"
done

median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
wall() { cut -d' ' -f1 "$DATA/$1.times" | median; }
rss() { cut -d' ' -f2 "$DATA/$1.times" | median | awk '{printf "%.1f", $1/1024}'; }
ratio() { awk -v a="$(wall "$1")" -v b="$(wall "$2")" 'BEGIN {printf "%.2f", a/b}'; }

echo "| workload | evtx-doctor | peer | ratio | evtx-doctor peak RSS |"
echo "|---|---|---|---|---|"
echo "| 1 GiB log in a zip (deflate -6, $(du -h "$ZIP" | cut -f1)) | $(wall zip-doctor) s | unzip -p $(wall zip-unzip) s | $(ratio zip-doctor zip-unzip) × | $(rss zip-doctor) MiB |"
echo "| the same log gzipped ($(du -h "$GZ" | cut -f1)) | $(wall gz-doctor) s | gzip -dc $(wall gz-gzip) s | $(ratio gz-doctor gz-gzip) × | $(rss gz-doctor) MiB |"
echo "| zip of 8 logs of 128 MiB, 2 threads | $(wall eight-doctor) s | the same, --threads 1: $(wall eight-doctor-1thread) s | $(ratio eight-doctor eight-doctor-1thread) × | $(rss eight-doctor) MiB |"
echo "| zip of 8 logs of 128 MiB, 2 threads | $(wall eight-doctor) s | unzip -p $(wall eight-unzip) s | $(ratio eight-doctor eight-unzip) × | |"
echo
echo "medians of $RUNS rounds; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
