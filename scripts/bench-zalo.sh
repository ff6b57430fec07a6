#!/usr/bin/env bash
# Benchmarks the Zalo channel as it runs in production, four processes
# apart: the Bot API emulator and the Zalo emulator (`ocopbot emulator`,
# `ocopbot emulator --zalo`), the bot (`ocopbot serve` with ZALO_BOT_TOKEN
# and ZALO_API_URL pointed at the Zalo emulator) and simulated producers
# writing on Zalo (`ocopbot loadtest --zalo`): numbers for the choices,
# the phone typed. Each step's latency is from the user's message to the
# reply the emulator holds.
#
#   scripts/bench-zalo.sh [runs]      (make bench-zalo [RUNS=3])
#
# One case, issue 28's: 200 chats pausing 1 s between steps, DURATION (30s)
# per run. It prints, per run and as medians, replies/s, p50 and p99 per
# step, errors and the CPU of the bot and redis-server per 1,000 replies.
# redis-server and PostgreSQL are this machine's shared ones: run nothing
# else meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
settings none "${1:-3}"
duration=${DURATION:-30s}
chats=${CHATS:-200}
think=${THINK:-1s}
export ZALO=1
zalo_port=${ZALO_PORT:-8098}

setup createdb dropdb redis-cli curl
free_ports
go build -o bin/ocopbot ./cmd/ocopbot
redis_pid=$(redis_server_pid)

printf '%-4s %9s %8s %8s %7s %9s %9s\n' run replies/s "p50 ms" "p99 ms" errors "bot ms" "redis ms"
for ((run = 1; run <= runs; run++)); do
  tag=zalo_r$run
  db=bench_zalo_$$_$run
  fresh_db bin/ocopbot "$db"
  start_bot bin/ocopbot "$db" "$tag"
  bin/ocopbot loadtest --zalo "http://127.0.0.1:$zalo_port" --chats "$chats" --phase warmup 2>>"$work/loadtest-$tag.log"
  # shellcheck disable=SC2046 # one PID per word
  b0=$(ticks "$bot_pid") r0=$(ticks "$redis_pid")
  bin/ocopbot loadtest --zalo "http://127.0.0.1:$zalo_port" --chats "$chats" --think "$think" --duration "$duration" \
    --phase measure --out json >"$work/$tag.json" 2>>"$work/loadtest-$tag.log"
  b1=$(ticks "$bot_pid") r1=$(ticks "$redis_pid")
  stop "$bot_pid"
  stop "$emu_pid"
  stop "$zemu_pid"
  drop_db "$db"
  line=$(tr -d '{}"' <"$work/$tag.json" | tr ',' '\n' | awk -F: -v run="$run" \
    -v db="$(gained "$b0" "$b1")" -v dr="$(gained "$r0" "$r1")" -v tck="$clk_tck" '
    { v[$1] = $2 }
    END {
      per = v["replies"] > 0 ? 1000 * 1000 / tck / v["replies"] : 0
      printf "%d\t%.1f\t%.1f\t%.1f\t%d\t%.0f\t%.0f\n", run, v["replies_per_s"], v["p50_ms"], v["p99_ms"], v["errors"], db * per, dr * per
    }')
  echo "$line" >>"$work/results"
  printf '%-4s %9.1f %8.1f %8.1f %7d %9.0f %9.0f\n' $(echo "$line" | tr '\t' ' ')
done
col() { cut -f"$1" "$work/results" | median; }
echo
echo "medians over $runs run(s) of $chats Zalo chats pausing $think, $duration each"
printf '%-4s %9.1f %8.1f %8.1f %7s %9.0f %9.0f\n' med "$(col 2)" "$(col 3)" "$(col 4)" "$(col 5)" "$(col 6)" "$(col 7)"
if [[ -s $work/loadtest-zalo_r1.log ]]; then echo "loadtest's messages (run 1):"; tail -5 "$work/loadtest-zalo_r1.log"; fi
