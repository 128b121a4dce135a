#!/usr/bin/env bash
# The real runtime on screen, captured from a real terminal (tmux), as text:
# - assets/talk-live-beat.txt: `explainer present split-epilogue` at 120x35 on its live beat (the last): the log
#   pane runs the real runtime at the beat's moment (go1.27.3 leaf, sp2, GC scan) and the real crash lands in
#   about a second; beside it, the speaker's notes window (`--notes`, 100x30) saying LIVE;
# - assets/lab-real-run-120x40.txt: the lab's r at sp2 of go1.23.4/65584, then in the split view.
# Needs tmux, qemu-aarch64, gdb-multiarch, the go1.23.4, go1.25.0 and go1.27.3 toolchains (explainer inject
# installs them) and the `explainer` command (this checkout's .venv is used when there is one).
# Usage: assets/capture-live.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
explainer="explainer"
[ -x "$here/../.venv/bin/explainer" ] && explainer="$here/../.venv/bin/explainer"
s="live$$" n="notes$$"
state="$(mktemp -d)"
trap 'tmux kill-session -t "$s" 2>/dev/null || true; tmux kill-session -t "$n" 2>/dev/null || true; rm -rf "$state"' EXIT

shot() { sleep "$3"; { echo "=== $2"; tmux capture-pane -t "$1" -p; echo; } >> "$out"; }
keys() { local t="$1"; shift; for k in "$@"; do tmux send-keys -t "$t" "$k"; sleep 0.6; done; }
await() {  # wait (up to 20 s) until the pane shows $2
  for _ in $(seq 100); do tmux capture-pane -t "$1" -p | grep -q "$2" && return 0; sleep 0.2; done
  echo "never saw '$2'" >&2; return 1
}

out="$here/talk-live-beat.txt"
: > "$out"
"$explainer" present split-epilogue --check 2>&1 | grep '^live beat' | sed 's/^/# present --check: /' >> "$out"
echo >> "$out"
tmux new-session -d -s "$s" -x 120 -y 35 "EXPLAINER_STATE_DIR='$state' $explainer present split-epilogue"
tmux new-session -d -s "$n" -x 100 -y 30 "EXPLAINER_STATE_DIR='$state' $explainer present split-epilogue --notes"
sleep 4
tmux send-keys -t "$s" End
started=$(date +%s.%N)
await "$s" "crashed in"
printf "# End pressed to the real crash on screen: %.2f s (tmux polling, 0.2 s, included)\n" "$(echo "$(date +%s.%N) - $started" | bc)" >> "$out"
shot "$s" "explainer present split-epilogue at 120x35, End: the live beat; the log pane is the real runtime, now" 0.5
await "$n" "Log: LIVE"
shot "$n" "explainer present split-epilogue --notes at 100x30: the notes window says which log the room sees" 0.5
tmux kill-session -t "$s"; tmux kill-session -t "$n"
echo "wrote $out"

out="$here/lab-real-run-120x40.txt"
: > "$out"
tmux new-session -d -s "$s" -x 120 -y 40 "$explainer --scenario go1.23.4/65584"
sleep 4
keys "$s" w r
await "$s" "the model agrees"
shot "$s" "explainer --scenario go1.23.4/65584 at 120x40, w r: sp2 on the real runtime, beside the model" 0.5
keys "$s" v; sleep 1; keys "$s" w r
await "$s" "refused, the model agrees"
shot "$s" "v w r: the split view runs both sides: go1.23.4 crashes, go1.25.0 (the fix) refuses" 1
tmux kill-session -t "$s"
echo "wrote $out"
