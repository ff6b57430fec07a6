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

usage() { echo "usage: scripts/bench-serve.sh PREV_REF [runs]" >&2; exit 2; }
(($# >= 1 && $# <= 2)) || usage
prev_ref=$1
runs=${2:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || usage
duration=${DURATION:-30s}
emu_port=${EMU_PORT:-8096}
bot_port=${BOT_PORT:-8097}
redis_db=${REDIS_DB:-15}
token=100000001:DEMO-ocopbot-emulator-token-0000
pg=(-h 127.0.0.1 -U postgres)
clk_tck=$(getconf CLK_TCK)

# The cases: name, chats, pause between steps.
cases=("50 chats, no pause|50|0s" "200 chats, no pause|200|0s" "200 chats, 1 s pauses|200|1s")

scripts/services.sh
for tool in createdb dropdb redis-cli curl; do
  command -v "$tool" >/dev/null || { echo "bench-serve: $tool is missing" >&2; exit 1; }
done

work=$(mktemp -d /tmp/bench-serve.XXXXXX)
pids=() dbs=() prev_tree=""
cleanup() {
  local pid db
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for db in "${dbs[@]}"; do dropdb "${pg[@]}" --if-exists "$db" 2>/dev/null || true; done
  redis-cli -n "$redis_db" flushdb >/dev/null 2>&1 || true
  if [[ -n $prev_tree ]]; then git worktree remove --force "$prev_tree" 2>/dev/null || true; fi
  if [[ ${KEEP_LOGS:-} == 1 ]]; then echo "bench-serve: logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh

# ticks PID…: a line "PID TICKS" per process alive, TICKS its utime+stime.
# The fields after the command name (which may hold spaces) start at field
# 3: utime and stime are fields 14 and 15.
ticks() {
  local pid t
  for pid in "$@"; do
    t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $12 + $13}') || continue
    [[ -n $t ]] && echo "$pid $t"
  done
  return 0
}

# gained BEFORE AFTER: the ticks gained between two ticks listings by the
# processes in both (a process gone meanwhile took its ticks with it).
gained() {
  { sed 's/^/a /' <<<"$1"; sed 's/^/b /' <<<"$2"; } |
    awk '$1 == "a" {t0[$2] = $3; next} $1 == "b" && ($2 in t0) {d += $3 - t0[$2]} END {print d + 0}'
}

redis_pid=$(redis-cli info server | tr -d '\r' | awk -F: '$1 == "process_id" {print $2}')
postgres_pids() { pgrep -x postgres || true; }

# bench BINARY LABEL RUN CASE: one case with one binary; appends a line to
# $work/results (label, case, run, replies/s, p50, p99, errors, CPU ms per
# 1,000 replies of bot, redis and postgres) and prints it.
bench() {
  local bin=$1 label=$2 run=$3 spec=$4
  local name chats think
  IFS='|' read -r name chats think <<<"$spec"
  local tag="${label}_r${run}_c${chats}_t${think%s}"
  local db="bench_serve_$$_$tag"
  local dburl="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
  local emu="http://127.0.0.1:$emu_port"

  createdb "${pg[@]}" "$db"
  dbs+=("$db")
  DATABASE_URL=$dburl "$bin" migrate >"$work/migrate-$tag.log"
  redis-cli -n "$redis_db" flushdb >/dev/null

  HTTP_ADDR=127.0.0.1:$emu_port TELEGRAM_BOT_TOKEN=$token bin/ocopbot emulator >"$work/emulator-$tag.log" 2>&1 &
  local emu_pid=$!
  pids+=("$emu_pid")
  wait_until 10 "the emulator listening on $emu_port" listening "$emu_port"
  HTTP_ADDR=127.0.0.1:$bot_port TELEGRAM_BOT_TOKEN=$token TELEGRAM_API_URL=$emu DATABASE_URL=$dburl \
    REDIS_URL=redis://127.0.0.1:6379/$redis_db LOG_FORMAT=json "$bin" serve >"$work/serve-$tag.log" 2>&1 &
  local bot_pid=$!
  pids+=("$bot_pid")
  wait_until 20 "the bot polling the emulator" \
    sh -c "curl -sf $emu/emulator/stats | grep -q '\"getUpdates\"'"

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
  dropdb "${pg[@]}" "$db"
  forget dbs "$db"

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

for port in "$emu_port" "$bot_port"; do
  if listening "$port"; then echo "bench-serve: port $port is taken (EMU_PORT, BOT_PORT)" >&2; exit 1; fi
done
build "$prev_ref"
for ((run = 1; run <= runs; run++)); do
  echo
  echo "run $run of $runs, $duration per case; CPU in ms per 1,000 replies"
  header
  for spec in "${cases[@]}"; do
    if ((run % 2)); then order=(prev new); else order=(new prev); fi
    for label in "${order[@]}"; do
      bin=bin/ocopbot
      [[ $label == prev ]] && bin=bin/ocopbot-prev
      bench "$bin" "$label" "$run" "$spec"
    done
  done
done
summary
