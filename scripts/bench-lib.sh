# Shared by the bench scripts (sourced, not run): process and result
# helpers. The sourcing script sets work (a scratch directory), pids (the
# processes to stop at exit) and prev_tree, and calls cleanup from its trap.

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
