#!/usr/bin/env bash
# The side-by-side benchmark of docs/performance.md: builds the workloads, then times
# evtx-doctor against `evtx_dump -o jsonl -t 2` and the `cat FILE > /dev/null` floor, in
# interleaved rounds (doctor, dump, cat, doctor, dump, cat, ...), page cache warm, and prints
# the medians and the medians of the paired ratios as a Markdown table.
#
#   scripts/bench-side-by-side.sh            # RUNS=5 rounds per workload
#
# Environment:
#   EVTX_DOCTOR_CORPUS  the shared corpus of real .evtx files (default ../shared/corpus)
#   BENCH_DATA          where the workloads go (default bench-data/, git-ignored)
#   RUNS                rounds per workload (default 5)
#   REBUILD=1           rebuild the workloads even when they exist
#   CARGO_TARGET_DIR    as usual
#   SKIP_BUILD=1        use the release binaries already built
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${BENCH_DATA:-$ROOT/bench-data}
CORPUS=${EVTX_DOCTOR_CORPUS:-$ROOT/../shared/corpus}
RUNS=${RUNS:-5}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release
mkdir -p "$DATA"

log() { printf '%s\n' "$*" >&2; }

# --- tools -----------------------------------------------------------------------------
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    log "building release binaries (evtx-doctor, evtx-forge, bench-workload)"
    (cd "$ROOT" && cargo build --release --quiet -p evtx-doctor-cli -p evtx-forge -p evtx-doctor-bench)
fi
DOCTOR=$BIN/evtx-doctor
FORGE=$BIN/evtx-forge
WORKLOAD=$BIN/bench-workload

DUMP=${EVTX_DUMP:-$(command -v evtx_dump || echo "$HOME/.cargo/bin/evtx_dump")}
if [[ ! -x $DUMP ]]; then
    log "installing evtx_dump (cargo install evtx)"
    cargo install evtx
    DUMP=$HOME/.cargo/bin/evtx_dump
fi
if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time"
    apt-get install -y time >/dev/null
fi
if [[ ! -d $CORPUS ]]; then
    log "no corpus at $CORPUS (set EVTX_DOCTOR_CORPUS): it is needed for the noise and many-files rows"
    exit 2
fi

# --- workloads ---------------------------------------------------------------------------
NOISE=$DATA/noise-1GiB.evtx
REAL=$DATA/real-1GiB.evtx
FORGE_NOISE=$DATA/forge-noise.evtx
SIGNAL=$DATA/signal-256MiB.evtx
DENSE=$DATA/dense-256MiB.evtx
if [[ ${REBUILD:-0} == 1 || ! -s $NOISE || ! -s $REAL ]]; then
    # The noise row: half of the 16383 chunks from evtx-forge (its noise is a sync server's
    # Application log: ADSync 904 in every chunk; signal in its chunks 0, 2048, 4096, 6144),
    # the other half real chunks of the corpus (the clean ones, cycled).
    log "building $NOISE and $REAL"
    "$FORGE" corpus --size 513MiB --signal-every 2048 --seed 7 -o "$FORGE_NOISE" >&2
    "$WORKLOAD" mix --forge "$FORGE_NOISE" --corpus "$CORPUS" --real-per-forge 1 --size 1GiB -o "$NOISE" >&2
    # For reference: real chunks only, but for 4 forge chunks (the first one with signal).
    "$WORKLOAD" mix --forge "$FORGE_NOISE" --corpus "$CORPUS" --real-per-forge 4095 --size 1GiB -o "$REAL" >&2
    rm -f "$FORGE_NOISE"
fi
if [[ ${REBUILD:-0} == 1 || ! -s $SIGNAL ]]; then
    log "building $SIGNAL"
    "$FORGE" corpus --size 256MiB --signal-every 1 --seed 7 -o "$SIGNAL" >&2
fi
if [[ ${REBUILD:-0} == 1 || ! -s $DENSE ]]; then
    # A sync server failing for a while: ~5 signal records spread among ~100 in every chunk
    # (611 bursts over four domains, heartbeat pairs, AADSTS50054 / 115 / 0 / 655 bursts).
    log "building $DENSE"
    "$FORGE" corpus --size 256MiB --mix dense --seed 7 -o "$DENSE" >&2
fi
mapfile -d '' FILES < <(find "$CORPUS" -type f -iname '*.evtx' -print0 | sort -z)

# --- timing ------------------------------------------------------------------------------
# Wall and CPU (user + system, the command and its children) milliseconds of one command, as
# "WALL CPU"; its output and exit status are ignored (evtx-doctor exits 1 when it finds
# something, evtx_dump 1 on the damaged corpus files). On a machine other jobs load, wall time
# waits for a core; CPU time does not, so both are reported.
TIMEFORMAT='%3R %3U %3S'
ms() {
    local t
    t=$({ time "$@" >/dev/null 2>&1 || true; } 2>&1)
    awk -v t="$t" 'BEGIN {split(t, a, " "); printf "%d %d\n", a[1] * 1000, (a[2] + a[3]) * 1000}'
}
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}'; }

doctor_one() { "$DOCTOR" analyze --no-progress --format json -o /dev/null "$1"; }
dump_one() { "$DUMP" -o jsonl -t 2 "$1" >/dev/null; }
cat_one() { cat "$1" >/dev/null; }
doctor_corpus() { "$DOCTOR" analyze --no-progress --format json -o /dev/null "$CORPUS"; }
dump_corpus() { local f; for f in "${FILES[@]}"; do "$DUMP" -o jsonl -t 2 "$f" >/dev/null 2>&1 || true; done; }
cat_corpus() { cat "${FILES[@]}" >/dev/null; }

ROWS=()
CPU_ROWS=()
# side_by_side NAME DOCTOR_CMD DUMP_CMD CAT_CMD [ARG]: RUNS interleaved rounds.
side_by_side() {
    local name=$1 doctor=$2 dump=$3 floor=$4 arg=${5:-}
    local d=() u=() c=() speedup=() overcat=() dc=() uc=() cc=() cpu_speedup=() i td tu tc tdc tuc tcc
    log "$name: warming up"
    $floor "$arg" >/dev/null 2>&1 || true
    $doctor "$arg" >/dev/null 2>&1 || true
    for ((i = 1; i <= RUNS; i++)); do
        read -r td tdc < <(ms $doctor "$arg")
        read -r tu tuc < <(ms $dump "$arg")
        read -r tc tcc < <(ms $floor "$arg")
        d+=("$td") u+=("$tu") c+=("$tc") dc+=("$tdc") uc+=("$tuc") cc+=("$tcc")
        speedup+=("$(ratio "$tu" "$td")") overcat+=("$(ratio "$td" "$tc")")
        cpu_speedup+=("$(ratio "$tuc" "$tdc")")
        log "  round $i: evtx-doctor ${td} ms (CPU ${tdc}), evtx_dump ${tu} ms (CPU ${tuc}), cat ${tc} ms (CPU ${tcc})"
    done
    ROWS+=("| $name | $(median "${d[@]}") | $(median "${u[@]}") | $(median "${c[@]}") | $(median "${speedup[@]}")× | $(median "${overcat[@]}")× |")
    CPU_ROWS+=("| $name | $(median "${dc[@]}") | $(median "${uc[@]}") | $(median "${cc[@]}") | $(median "${cpu_speedup[@]}")× |")
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
side_by_side "1 GiB noise (half forge, half real chunks), 4 chunks of 611 events" doctor_one dump_one cat_one "$NOISE"
side_by_side "1 GiB real chunks only, 1 chunk of 611 events (reference)" doctor_one dump_one cat_one "$REAL"
side_by_side "256 MiB, password-sync events in every chunk" doctor_one dump_one cat_one "$SIGNAL"
side_by_side "256 MiB dense: ~5 signal records among ~100 in every chunk" doctor_one dump_one cat_one "$DENSE"
side_by_side "shared corpus, ${#FILES[@]} files (evtx_dump one by one)" doctor_corpus dump_corpus cat_corpus ""

log "peak memory on $NOISE"
rss() { { /usr/bin/time -f %M "$@" 2>&1 >/dev/null || true; } | tail -n 1; }
RSS_DOCTOR=$(rss "$DOCTOR" analyze --no-progress --format json -o /dev/null "$NOISE")
RSS_DUMP=$(rss "$DUMP" -o jsonl -t 2 "$NOISE")
log "peak memory on $DENSE"
RSS_DOCTOR_DENSE=$(rss "$DOCTOR" analyze --no-progress --format json -o /dev/null "$DENSE")
RSS_DUMP_DENSE=$(rss "$DUMP" -o jsonl -t 2 "$DENSE")
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "evtx-doctor $("$DOCTOR" --version 2>/dev/null | awk '{print $2}') vs $("$DUMP" --version 2>/dev/null | tr -d '\n'); $(nproc) cores; $RUNS interleaved rounds; load average before ${LOAD_BEFORE}, after ${LOAD_AFTER}"
echo
echo "| workload | evtx-doctor ms | evtx_dump ms | cat ms | evtx_dump ÷ evtx-doctor | evtx-doctor ÷ cat |"
echo "|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
echo "CPU time (user + system), same rounds:"
echo
echo "| workload | evtx-doctor CPU ms | evtx_dump CPU ms | cat CPU ms | evtx_dump ÷ evtx-doctor |"
echo "|---|---:|---:|---:|---:|"
printf '%s\n' "${CPU_ROWS[@]}"
echo
echo "| peak RSS | evtx-doctor | evtx_dump |"
echo "|---|---:|---:|"
echo "| 1 GiB noise file | $((RSS_DOCTOR / 1024)) MiB | $((RSS_DUMP / 1024)) MiB |"
echo "| 256 MiB dense file | $((RSS_DOCTOR_DENSE / 1024)) MiB | $((RSS_DUMP_DENSE / 1024)) MiB |"
echo
echo "Times are medians; ratios are medians of the per-round ratios."
