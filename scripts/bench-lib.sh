# shellcheck shell=bash disable=SC2034 # settings' variables are the sourcing script's to read
# Shared by the bench scripts (sourced, not run): process and result
# helpers. The sourcing script calls settings with its arguments, then
# setup, which makes work (a scratch directory), pids (the processes to
# stop at exit), dbs (the databases to drop) and prev_tree, and cleans up
# at exit.

# settings PREV_REF [runs]: the command line (prev_ref, runs: 3 by default)
# and what every bench reads from the environment: EMU_PORT (8096), BOT_PORT
# (8097), REDIS_DB (15: flushed before each bot; no test uses it).
settings() {
  usage() { echo "usage: scripts/${0##*/} PREV_REF [runs]" >&2; exit 2; }
  (($# >= 1 && $# <= 2)) || usage
  prev_ref=$1
  runs=${2:-3}
  [[ $runs =~ ^[1-9][0-9]*$ ]] || usage
  emu_port=${EMU_PORT:-8096}
  bot_port=${BOT_PORT:-8097}
  redis_db=${REDIS_DB:-15}
  token=100000001:DEMO-ocopbot-emulator-token-0000
  pg=(-h 127.0.0.1 -U postgres)
  clk_tck=$(getconf CLK_TCK)
}

# setup TOOL…: PostgreSQL and Redis running, the tools there, a scratch
# directory, and cleanup at exit.
setup() {
  local tool
  scripts/services.sh
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "${0##*/}: $tool is missing" >&2; exit 1; }
  done
  work=$(mktemp -d "/tmp/${0##*/}.XXXXXX")
  pids=() dbs=() prev_tree=""
  trap cleanup EXIT
  trap 'exit 130' INT TERM
}

cleanup() {
  local pid db
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for db in "${dbs[@]}"; do dropdb "${pg[@]}" --if-exists "$db" 2>/dev/null || true; done
  redis-cli -n "$redis_db" flushdb >/dev/null 2>&1 || true
  if [[ -n $prev_tree ]]; then git worktree remove --force "$prev_tree" 2>/dev/null || true; fi
  if [[ ${KEEP_LOGS:-} == 1 ]]; then echo "${0##*/}: logs kept in $work" >&2; else rm -rf "$work"; fi
}

# free_ports: exits unless the emulator's and the bot's ports are free.
free_ports() {
  local port
  for port in "$emu_port" "$bot_port"; do
    if listening "$port"; then echo "${0##*/}: port $port is taken (EMU_PORT, BOT_PORT)" >&2; exit 1; fi
  done
}

# both RUN ARG…: the sourcing script's bench BINARY LABEL RUN ARG… with each
# binary, prev first in odd runs and new first in even ones, so that
# neither always runs on a warmer machine. ONLY=new (or prev) runs one of
# them: a profile, not a comparison.
both() {
  local run=$1 label
  shift
  local order=(new prev)
  if ((run % 2)); then order=(prev new); fi
  if [[ -n ${ONLY:-} ]]; then order=("$ONLY"); fi
  for label in "${order[@]}"; do
    if [[ $label == prev ]]; then bench bin/ocopbot-prev prev "$run" "$@"; else bench bin/ocopbot new "$run" "$@"; fi
  done
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_until SECONDS WHAT COMMAND…: polls COMMAND every 0.1 s.
wait_until() {
  local tries=$(($1 * 10)) what=$2
  shift 2
  for ((i = 0; i < tries; i++)); do "$@" && return 0; sleep 0.1; done
  echo "${0##*/}: $what did not happen within ${tries}0 ms; logs in $work" >&2
  KEEP_LOGS=1
  return 1
}

# forget ARRAY VALUE: removes VALUE from the array named ARRAY.
forget() {
  local -n list=$1
  local keep=() v
  for v in "${list[@]}"; do [[ $v == "$2" ]] || keep+=("$v"); done
  list=("${keep[@]}")
}

# stop PID: SIGTERM, wait for it, and forget it, so that cleanup never
# signals a later process given the same PID.
stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  forget pids "$1"
}

# build PREV_REF: this tree to bin/ocopbot, PREV_REF to bin/ocopbot-prev.
build() {
  echo "${0##*/}: building this tree and $1"
  go build -o bin/ocopbot ./cmd/ocopbot
  prev_tree=$work/prev
  git worktree add --quiet --detach "$prev_tree" "$1"
  (cd "$prev_tree" && go build -o "$OLDPWD/bin/ocopbot-prev" ./cmd/ocopbot)
  git worktree remove --force "$prev_tree"
  prev_tree=""
}

median() { sort -n | awk '{a[NR] = $1} END {print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }

# fresh_db BINARY DB: a new database DB, migrated by BINARY (which loads
# its unit lists), and Redis database $redis_db flushed.
fresh_db() {
  createdb "${pg[@]}" "$2"
  dbs+=("$2")
  DATABASE_URL=$(db_url "$2") "$1" migrate >"$work/migrate-$2.log"
  redis-cli -n "$redis_db" flushdb >/dev/null
}

# drop_db DB: drops a database fresh_db made.
drop_db() {
  dropdb "${pg[@]}" "$1"
  forget dbs "$1"
}

db_url() { echo "postgres://postgres@127.0.0.1:5432/$1?sslmode=disable"; }

# start_bot BINARY DB TAG [EMULATOR_FLAG…]: this tree's emulator on
# $emu_port (with the flags, e.g. --limits) and BINARY's bot on $bot_port
# pointed at it, on database DB and Redis database $redis_db; returns once
# the bot polls, or with WEBHOOK=1 once it set its webhook (the emulator
# then posts updates to it). Sets emu_pid and bot_pid; logs go to
# $work/*-TAG.log. With PROFILE_DIR set, the bot writes its CPU profile to
# PROFILE_DIR/bot-TAG.prof (go tool pprof BINARY FILE reads it). With
# ZALO=1 the Zalo emulator runs too, on ZALO_PORT (8098; zemu_pid), and the
# bot serves Zalo users through it.
start_bot() {
  local bin=$1 db=$2 tag=$3 emu="http://127.0.0.1:$emu_port" prof="" hook="" ready='"getUpdates"'
  shift 3
  if [[ -n ${PROFILE_DIR:-} ]]; then prof=$PROFILE_DIR/bot-$tag.prof; fi
  if [[ ${WEBHOOK:-} == 1 ]]; then hook=http://127.0.0.1:$bot_port/hook ready='"setWebhook"'; fi
  HTTP_ADDR=127.0.0.1:$emu_port TELEGRAM_BOT_TOKEN=$token bin/ocopbot emulator "$@" >"$work/emulator-$tag.log" 2>&1 &
  emu_pid=$!
  pids+=("$emu_pid")
  wait_until 10 "the emulator listening on $emu_port" listening "$emu_port"
  local zalo_url="" zalo_token=""
  if [[ ${ZALO:-} == 1 ]]; then
    # The Zalo emulator too, on ZALO_PORT: the bot serves both channels.
    zalo_url=http://127.0.0.1:${ZALO_PORT:-8098}
    zalo_token=1459232241454765289:DEMO-ocopbot-zalo-emulator-token
    HTTP_ADDR=127.0.0.1:${ZALO_PORT:-8098} bin/ocopbot emulator --zalo >"$work/zalo-emulator-$tag.log" 2>&1 &
    zemu_pid=$!
    pids+=("$zemu_pid")
    wait_until 10 "the Zalo emulator listening" listening "${ZALO_PORT:-8098}"
  fi
  HTTP_ADDR=127.0.0.1:$bot_port TELEGRAM_BOT_TOKEN=$token TELEGRAM_API_URL=$emu DATABASE_URL=$(db_url "$db") \
    REDIS_URL=redis://127.0.0.1:6379/$redis_db LOG_FORMAT=json OCOPBOT_CPUPROFILE=$prof \
    ZALO_BOT_TOKEN=$zalo_token ZALO_API_URL=$zalo_url \
    WEBHOOK_URL=$hook WEBHOOK_SECRET=${hook:+bench-webhook-secret-0123456789} "$bin" serve >"$work/serve-$tag.log" 2>&1 &
  bot_pid=$!
  pids+=("$bot_pid")
  wait_until 30 "the bot taking updates from the emulator" sh -c "curl -sf $emu/emulator/stats | grep -q '$ready'"
}

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

redis_server_pid() { redis-cli info server | tr -d '\r' | awk -F: '$1 == "process_id" {print $2}'; }
postgres_pids() { pgrep -x postgres || true; }

# json_num FILE NAME: a top-level number of a one-line JSON report (0 when
# absent); the nested maps hold no name the scripts read.
json_num() { grep -o "\"$2\":[-0-9.e+]*" "$1" | head -1 | cut -d: -f2 | grep . || echo 0; }
