#!/usr/bin/env bash
# Benchmarks /status as an official sees it on the national dataset, three
# processes apart: the Bot API emulator (`ocopbot emulator`), the bot
# (`ocopbot serve`, pointed at it) and an official's chat (`ocopbot
# statusload`), timed from the command sent to the status received. It
# compares this tree with an earlier revision:
#
#   scripts/bench-status.sh PREV_REF [runs]      (make bench-status PREV=ref)
#
# Each binary gets its own database (its own migrate, which loads both unit
# trees, then `ocopbot generate`: 100,000 producers in the communes of the
# three-level tree, 200,000 products, 300,000 certificates), made once and
# kept between invocations (BENCH_FRESH=1 makes them again). Per run, the
# bot of each binary is started in turn (prev first in odd runs, new first
# in even ones) and three officials invited from the command line each
# send /status --calls times (50): a commune of Hà Nội (the first by code
# in today's tree), Hà Nội, and the country (an administrator). It prints
# p50, p99 and max per run, then medians per binary and the ratios
# new/prev.
#
# Settings: CALLS (50), EMU_PORT (8096), BOT_PORT (8097), REDIS_DB (15:
# flushed before each bot; no test uses it), KEEP_LOGS=1. PostgreSQL and
# redis-server are this machine's shared ones: run nothing else meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
settings "$@"
calls=${CALLS:-50}

setup createdb psql redis-cli curl

dburl() { db_url "bench_status_$1"; }

# dataset LABEL BINARY: the national dataset in LABEL's database, made with
# BINARY unless it is there already.
dataset() {
  local label=$1 bin=$2 db=bench_status_$1
  if [[ ${BENCH_FRESH:-} == 1 ]]; then dropdb "${pg[@]}" --if-exists "$db"; fi
  if psql "${pg[@]}" -d "$db" -qAtc "SELECT 1 FROM producers LIMIT 1" 2>/dev/null | grep -q 1; then
    echo "bench-status: $label's dataset is there ($db)"
    return
  fi
  dropdb "${pg[@]}" --if-exists "$db"
  createdb "${pg[@]}" "$db"
  DATABASE_URL=$(dburl "$label") "$bin" migrate >"$work/migrate-$label.log"
  echo "bench-status: generating $label's dataset ($db)"
  DATABASE_URL=$(dburl "$label") "$bin" generate
  psql "${pg[@]}" -d "$db" -qc "VACUUM ANALYZE"
}

# invite LABEL ARGS…: a new invitation code in LABEL's database.
invite() {
  local label=$1
  shift
  DATABASE_URL=$(dburl "$label") bin/ocopbot invite --bot bench "$@" | sed -n 's/.*start=\([A-Za-z0-9_-]*\).*/\1/p'
}

# bench BINARY LABEL RUN: the three officials with one binary; appends
# "label scope run p50 p99 max" lines to $work/results.
bench() {
  local bin=$1 label=$2 run=$3 emu="http://127.0.0.1:$emu_port"
  local hanoi commune
  # A dataset kept from an older build: bring it to this binary's schema.
  DATABASE_URL=$(dburl "$label") "$bin" migrate >>"$work/migrate-$label.log"
  redis-cli -n "$redis_db" flushdb >/dev/null
  local emu_pid bot_pid
  start_bot "$bin" "bench_status_$label" "$label-$run"

  hanoi="(SELECT id FROM admin_units WHERE level = 1 AND code = '01' ORDER BY valid_from DESC LIMIT 1)"
  commune=$(psql "${pg[@]}" -d "bench_status_$label" -qAtc \
    "SELECT code FROM admin_units WHERE level = 3 AND parent_id = $hanoi ORDER BY code LIMIT 1")
  local scope code n=0
  for scope in commune province country; do
    case $scope in
      commune) code=$(invite "$label" --unit "$commune" --role commune) ;;
      province) code=$(invite "$label" --unit 01 --role province) ;;
      country) code=$(invite "$label" --role admin) ;;
    esac
    n=$((n + 1))
    bin/ocopbot statusload --emulator "$emu" --invite "$code" --calls "$calls" --chat $((6000000000 + run * 100 + n)) \
      --out json >"$work/$label-$run-$scope.json" 2>>"$work/statusload-$label-$run.log"
    tr -d '{}"' <"$work/$label-$run-$scope.json" | tr ',' '\n' | awk -F: -v l="$label" -v s="$scope" -v r="$run" '
      { v[$1] = $2 } END { printf "%s\t%s\t%d\t%.1f\t%.1f\t%.1f\n", l, s, r, v["p50_ms"], v["p99_ms"], v["max_ms"] }' |
      tee -a "$work/results" | awk -F'\t' '{printf "%-5s %-9s %8.1f %8.1f %8.1f\n", $1, $2, $4, $5, $6}'
  done
  stop "$bot_pid"
  stop "$emu_pid"
}

col() { awk -F'\t' -v l="$1" -v s="$2" -v f="$3" '$1 == l && $2 == s {print $f}' "$work/results" | median; }

free_ports
build "$prev_ref"
dataset prev bin/ocopbot-prev
dataset new bin/ocopbot
for ((run = 1; run <= runs; run++)); do
  echo
  echo "run $run of $runs: /status sent $calls times per official, ms from sent to reply"
  printf '%-5s %-9s %8s %8s %8s\n' bin scope p50 p99 max
  both "$run"
done
echo
echo "medians over $runs run(s) of $calls calls each, ms"
printf '%-9s %10s %10s %10s %10s %10s %10s %9s\n' scope "prev p50" "prev p99" "prev max" "new p50" "new p99" "new max" "p99 n/p"
for scope in commune province country; do
  printf '%-9s %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f %9s\n' "$scope" \
    "$(col prev $scope 4)" "$(col prev $scope 5)" "$(col prev $scope 6)" \
    "$(col new $scope 4)" "$(col new $scope 5)" "$(col new $scope 6)" \
    "$(ratio "$(col new $scope 5)" "$(col prev $scope 5)")"
done
