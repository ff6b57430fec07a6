#!/usr/bin/env bash
# Benchmarks the bot as it runs in production, three processes apart: the
# Bot API emulator (`ocopbot emulator`), the bot (`ocopbot serve`, pointed
# at it with TELEGRAM_API_URL) and simulated producers (`ocopbot loadtest`,
# registering products through the emulator's user API). It compares this
# tree with an earlier revision:
#
#   scripts/bench-serve.sh PREV_REF [runs]      (make bench-serve PREV=ref)
#
# builds this tree to bin/ocopbot and PREV_REF to bin/ocopbot-prev, then for
# each run and case starts the bot of each binary in turn (prev first in odd
# runs, new first in even ones, so that neither always runs on a warmer
# machine) on a fresh database (the binary's own migrate) and a flushed
# Redis database of its own; the emulator and the load generator are always
# this tree's. It measures the CPU time of the bot and of redis-server over
# the measured window (utime+stime of /proc/PID/stat) and prints, per run,
# replies/s, latency and CPU per 1,000 replies, then the medians per binary
# and case and the ratios new/prev.
#
# Settings: DURATION (30s per case), EMU_PORT (8096), BOT_PORT (8097),
# REDIS_DB (15: flushed before each case; no test uses it), KEEP_LOGS=1.
# redis-server and PostgreSQL are this machine's shared ones: run nothing
# else meanwhile. "pg" is the CPU of the PostgreSQL processes (all of them).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
settings "$@"
duration=${DURATION:-30s}

# The cases: name, chats, pause between steps.
cases=("50 chats, no pause|50|0s" "200 chats, no pause|200|0s" "200 chats, 1 s pauses|200|1s")

setup createdb dropdb redis-cli curl

redis_pid=$(redis_server_pid)

# bench BINARY LABEL RUN CASE: one case with one binary; appends a line to
# $work/results (label, case, run, replies/s, p50, p99, errors, CPU ms per
# 1,000 replies of bot, redis and postgres) and prints it.
bench() {
  local bin=$1 label=$2 run=$3 spec=$4
  local name chats think
  IFS='|' read -r name chats think <<<"$spec"
  local tag="${label}_r${run}_c${chats}_t${think%s}"
  local db="bench_serve_$$_$tag"
  local emu="http://127.0.0.1:$emu_port"
  local emu_pid bot_pid

  fresh_db "$bin" "$db"
  start_bot "$bin" "$db" "$tag"

  bin/ocopbot loadtest --emulator "$emu" --chats "$chats" --phase warmup 2>>"$work/loadtest-$tag.log"
  local b0 r0 p0 b1 r1 p1
  # shellcheck disable=SC2046 # one PID per word
  b0=$(ticks "$bot_pid") r0=$(ticks "$redis_pid") p0=$(ticks $(postgres_pids))
  bin/ocopbot loadtest --emulator "$emu" --chats "$chats" --think "$think" --duration "$duration" \
    --phase measure --out json >"$work/$tag.json" 2>>"$work/loadtest-$tag.log"
  # shellcheck disable=SC2046
  b1=$(ticks "$bot_pid") r1=$(ticks "$redis_pid") p1=$(ticks $(postgres_pids))
  stop "$bot_pid"
  stop "$emu_pid"
  drop_db "$db"

  # The report's fields by name, from its one line of JSON.
  local line
  line=$(tr -d '{}"' <"$work/$tag.json" | tr ',' '\n' | awk -F: -v label="$label" -v name="$name" -v run="$run" \
    -v db="$(gained "$b0" "$b1")" -v dr="$(gained "$r0" "$r1")" -v dp="$(gained "$p0" "$p1")" -v tck="$clk_tck" '
    { v[$1] = $2 }
    END {
      per = v["replies"] > 0 ? 1000 * 1000 / tck / v["replies"] : 0
      printf "%s\t%s\t%d\t%.1f\t%.1f\t%.1f\t%d\t%.0f\t%.0f\t%.0f\n", label, name, run, v["replies_per_s"],
        v["p50_ms"], v["p99_ms"], v["errors"], db * per, dr * per, dp * per
    }')
  echo "$line" >>"$work/results"
  printf '%-5s %-22s %9.1f %8.1f %8.1f %7d %9.0f %9.0f %9.0f\n' $(echo "$line" | cut -f1) "$name" \
    $(echo "$line" | cut -f4-10)
}

header() {
  printf '%-5s %-22s %9s %8s %8s %7s %9s %9s %9s\n' bin case replies/s "p50 ms" "p99 ms" errors \
    "bot ms" "redis ms" "pg ms"
}

# col LABEL CASE FIELD: the median of a field over the runs.
col() { awk -F'\t' -v l="$1" -v c="$2" -v f="$3" '$1 == l && $2 == c {print $f}' "$work/results" | median; }

summary() {
  echo
  echo "medians over $runs run(s), $duration per case; CPU in ms per 1,000 replies"
  header
  local spec name label
  for spec in "${cases[@]}"; do
    name=${spec%%|*}
    for label in prev new; do
      printf '%-5s %-22s %9.1f %8.1f %8.1f %7s %9.0f %9.0f %9.0f\n' "$label" "$name" \
        "$(col "$label" "$name" 4)" "$(col "$label" "$name" 5)" "$(col "$label" "$name" 6)" \
        "$(col "$label" "$name" 7)" "$(col "$label" "$name" 8)" "$(col "$label" "$name" 9)" "$(col "$label" "$name" 10)"
    done
  done
  echo
  echo "new/prev (medians): replies/s higher is better; p99 and CPU per reply lower is better"
  printf '%-22s %9s %8s %9s %9s\n' case replies/s p99 "bot CPU" "redis CPU"
  for spec in "${cases[@]}"; do
    name=${spec%%|*}
    printf '%-22s %9s %8s %9s %9s\n' "$name" \
      "$(ratio "$(col new "$name" 4)" "$(col prev "$name" 4)")" "$(ratio "$(col new "$name" 6)" "$(col prev "$name" 6)")" \
      "$(ratio "$(col new "$name" 8)" "$(col prev "$name" 8)")" "$(ratio "$(col new "$name" 9)" "$(col prev "$name" 9)")"
  done
}

free_ports
build "$prev_ref"
for ((run = 1; run <= runs; run++)); do
  echo
  echo "run $run of $runs, $duration per case; CPU in ms per 1,000 replies"
  header
  for spec in "${cases[@]}"; do both "$run" "$spec"; done
done
summary
