#!/usr/bin/env bash
# Measures the Bot API emulator alone: sendMessage as go-telegram/bot sends it
# (multipart, an inline keyboard, 200 chats in turn) from wrk, a C load
# generator pinned to one core, against `ocopbot emulator` on loopback.
# A fresh emulator per run; prints each run and the median.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { echo "bench-emulator: wrk is missing: apt-get install -y wrk" >&2; exit 1; }
go build -o bin/ocopbot ./cmd/ocopbot
addr=127.0.0.1:8093
token=100000001:DEMO-ocopbot-emulator-token-0000
runs=()
for i in 1 2 3 4 5; do
  HTTP_ADDR=$addr TELEGRAM_BOT_TOKEN= bin/ocopbot emulator >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/8093) 2>/dev/null && break; sleep 0.1; done
  rps=$(taskset -c 1 wrk -t1 -c64 -d5s -s scripts/sendmessage.lua "http://$addr/bot$token/sendMessage" | awk '/Requests\/sec/ {print $2}')
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "run $i: $rps sendMessage/s"
  runs+=("$rps")
done
printf '%s\n' "${runs[@]}" | sort -n | awk '{a[NR]=$1} END {print "median: " a[int((NR+1)/2)] " sendMessage/s"}'
