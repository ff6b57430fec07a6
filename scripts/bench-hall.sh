#!/usr/bin/env bash
# The training hall (issue 27): hundreds of new producers registering at
# once while Telegram's flood limits hold the bot to 30 messages a second
# (1 a second per chat). Three processes apart: the Bot API emulator with
# Telegram's limits (`ocopbot emulator --limits`: 429 with retry_after), the
# bot (`ocopbot serve`, pointed at it) and the producers (`ocopbot loadtest
# --phase new`: each a new chat registering its producer and a product from
# /dangky, the personal-data notice included). It compares this tree with
# an earlier revision:
#
#   scripts/bench-hall.sh PREV_REF [runs]      (make bench-hall PREV=ref)
#
# builds this tree to bin/ocopbot and PREV_REF to bin/ocopbot-prev, then
# for each run and case starts the bot of each binary in turn (prev first
# in odd runs, new first in even ones) on a fresh database (the binary's
# own migrate) and a flushed Redis database; the emulator and the load
# generator are always this tree's. The cases:
#
#   training hall          CHATS (500) producers arriving evenly within
#                          RAMP (10s), a step every THINK (10s) after the
#                          bot's reply, registrations begun within DURATION
#                          (2m) and each taken on to its submission
#                          (--finish), the emulator with Telegram's limits
#   hall, webhook          the same with updates posted to the bot's
#                          webhook, as Telegram does (presses are answered
#                          in the webhook's responses: no call of their own)
#   200 chats, 1 s pauses  uncongested, no limits: 200 known producers (a
#                          warm-up registers them, unmeasured) registering
#                          products for 30 s, a step a second (the goal:
#                          p99 ≤ 20 ms)
#
# It prints per run and case: registrations completed, messages sent per
# registration (sendMessage, sendPhoto, sendDocument), Bot API calls per
# user action (polling and chat actions left out, 429s not counted), chat
# actions ("typing…") per user action, the reply wait from a
# user's action to the bot's reply it waited for (a new message or an edit:
# p50, p95, p99, max), the 429s the emulator answered (and how many were
# early sends, before a retry_after ended), steps that failed, and the CPU
# of the bot and of redis-server per registration (utime+stime from /proc
# over the measured window, less what they spent idle at the same rate over
# IDLE seconds just before it); then medians per binary and the ratios
# new/prev.
#
# Settings: CHATS, RAMP, THINK, DURATION (the hall's), CASES (all; hall: the
# two training halls; poll or hook: one of them; calm: the uncongested
# case), IDLE (10), EMU_PORT (8096), BOT_PORT (8097), REDIS_DB (15:
# flushed before each case; no test uses it), KEEP_LOGS=1. redis-server and
# PostgreSQL are this machine's shared ones: run nothing else meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
settings "$@"
idle=${IDLE:-10}

# The cases: name|chats|think|ramp|duration|emulator flags|loadtest phase|
# updates (poll: long polling; hook: the emulator posts to the bot's webhook).
hall="${CHATS:-500}|${THINK:-10s}|${RAMP:-10s}|${DURATION:-2m}|--limits|new"
uncongested="200 chats, 1 s pauses|200|1s|0s|30s||products|poll"
case ${CASES:-all} in
  all) cases=("training hall|$hall|poll" "hall, webhook|$hall|hook" "$uncongested") ;;
  hall) cases=("training hall|$hall|poll" "hall, webhook|$hall|hook") ;;
  poll) cases=("training hall|$hall|poll") ;;
  hook) cases=("hall, webhook|$hall|hook") ;;
  calm) cases=("$uncongested") ;;
  *) echo "bench-hall: CASES=${CASES}: want all, hall, poll, hook or calm" >&2; exit 2 ;;
esac

setup createdb dropdb redis-cli curl

redis_pid=$(redis_server_pid)

# The columns of $work/results, after label, case and run (fields 4 on).
fields=(registrations messages_per_registration calls_per_action chat_actions_per_action p50_ms p95_ms p99_ms max_ms
  too_many_requests early_sends errors)

# bench BINARY LABEL RUN CASE: one case with one binary; appends a line to
# $work/results (label, case, run, the report's fields, then the CPU ms per
# registration of the bot and of redis-server) and prints it.
bench() {
  local bin=$1 label=$2 run=$3 spec=$4
  local name chats think ramp duration flags phase updates
  IFS='|' read -r name chats think ramp duration flags phase updates <<<"$spec"
  local tag="${label}_r${run}_c${chats}_t${think%s}_${phase}_${updates}"
  local db="bench_hall_$$_$tag"
  local emu="http://127.0.0.1:$emu_port"
  local emu_pid bot_pid

  fresh_db "$bin" "$db"
  local hook=0
  if [[ $updates == hook ]]; then hook=1; fi
  # shellcheck disable=SC2086 # no flags, or one
  WEBHOOK=$hook start_bot "$bin" "$db" "$tag" $flags
  local load=(bin/ocopbot loadtest --emulator "$emu" --chats "$chats")
  if [[ $phase == products ]]; then
    "${load[@]}" --phase warmup 2>>"$work/loadtest-$tag.log"
    load+=(--phase measure)
  else
    load+=(--phase new --ramp "$ramp" --finish --timeout 5m)
  fi
  # The idle bot's and redis-server's CPU, taken off the window's: a
  # longer run must not look costlier per registration for its polling.
  local i0 j0 i1 j1 b0 r0 b1 r1 t0 t1
  i0=$(ticks "$bot_pid") j0=$(ticks "$redis_pid")
  sleep "$idle"
  i1=$(ticks "$bot_pid") j1=$(ticks "$redis_pid")
  b0=$(ticks "$bot_pid") r0=$(ticks "$redis_pid") t0=$(date +%s.%N)
  "${load[@]}" --think "$think" --duration "$duration" --out json >"$work/$tag.json" 2>>"$work/loadtest-$tag.log"
  b1=$(ticks "$bot_pid") r1=$(ticks "$redis_pid") t1=$(date +%s.%N)
  stop "$bot_pid"
  stop "$emu_pid"
  drop_db "$db"

  local line="$label"$'\t'"$name"$'\t'"$run" f regs
  for f in "${fields[@]}"; do line+=$'\t'$(json_num "$work/$tag.json" "$f"); done
  regs=$(json_num "$work/$tag.json" registrations)
  line+=$(awk -v b="$(gained "$b0" "$b1")" -v r="$(gained "$r0" "$r1")" -v ib="$(gained "$i0" "$i1")" \
    -v ir="$(gained "$j0" "$j1")" -v idle="$idle" -v t0="$t0" -v t1="$t1" -v n="$regs" -v tck="$clk_tck" '
    function net(t, i) { t -= i * (t1 - t0) / idle; return t > 0 ? t : 0 }
    BEGIN {per = n > 0 ? 1000 / tck / n : 0; printf "\t%.1f\t%.1f", net(b, ib) * per, net(r, ir) * per}')
  echo "$line" >>"$work/results"
  row "$line"
}

# wait MS: a reply wait, in ms under a second and in seconds above.
wait_fmt='function wait(v) { return v >= 1000 ? sprintf("%.1fs", v / 1000) : sprintf("%.1fms", v) }'

header() {
  printf '%-5s %-22s %5s %8s %9s %10s %8s %8s %8s %8s %6s %6s %6s %8s %8s\n' bin case regs msgs/reg calls/act \
    typing/act p50 p95 p99 max 429s early errors "bot ms" "redis ms"
}

# row LINE: a line of $work/results, as header shows it.
row() {
  awk -F'\t' "$wait_fmt"' {printf "%-5s %-22s %5d %8.1f %9.2f %10.2f %8s %8s %8s %8s %6d %6d %6d %8.1f %8.1f\n",
    $1, $2, $4, $5, $6, $7, wait($8), wait($9), wait($10), wait($11), $12, $13, $14, $15, $16}' <<<"$1"
}

# col LABEL CASE FIELD: the median of a field over the runs.
col() { awk -F'\t' -v l="$1" -v c="$2" -v f="$3" '$1 == l && $2 == c {print $f}' "$work/results" | median; }

# cpu LABEL CASE: the median over the runs of bot + redis CPU per registration.
cpu() { awk -F'\t' -v l="$1" -v c="$2" '$1 == l && $2 == c {print $15 + $16}' "$work/results" | median; }

summary() {
  echo
  echo "medians over $runs run(s); CPU in ms per registration"
  header
  local spec name label line f
  for spec in "${cases[@]}"; do
    name=${spec%%|*}
    for label in prev new; do
      line="$label"$'\t'"$name"$'\t'0
      for ((f = 4; f <= 16; f++)); do line+=$'\t'$(col "$label" "$name" "$f"); done
      row "$line"
    done
  done
  echo
  echo "new/prev (medians), lower is better"
  printf '%-22s %9s %9s %9s %9s %9s %9s %9s %9s\n' case msgs/reg calls/act p50 p95 p99 max 429s CPU/conv
  for spec in "${cases[@]}"; do
    name=${spec%%|*}
    printf '%-22s' "$name"
    for f in 5 6 8 9 10 11 12; do printf ' %9s' "$(ratio "$(col new "$name" $f)" "$(col prev "$name" $f)")"; done
    printf ' %9s\n' "$(ratio "$(cpu new "$name")" "$(cpu prev "$name")")"
  done
  echo "(CPU/conv: bot + redis-server CPU per registration, their idle CPU taken off)"
}

free_ports
build "$prev_ref"
for ((run = 1; run <= runs; run++)); do
  echo
  echo "run $run of $runs; CPU in ms per registration; training hall: ${CHATS:-500} producers within ${RAMP:-10s}," \
    "a step every ${THINK:-10s}, registrations begun within ${DURATION:-2m} and finished"
  header
  for spec in "${cases[@]}"; do both "$run" "$spec"; done
done
summary
