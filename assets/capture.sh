#!/usr/bin/env bash
# Play the story in a real 120x40 terminal (tmux) and save what a person sees, as text.
# Usage: assets/capture.sh   (needs tmux and the installed `explainer` command)
set -euo pipefail
out="$(dirname "$0")/lab-120x40.txt"
s="capture$$"
tmux new-session -d -s "$s" -x 120 -y 40 "explainer --scenario go1.23.4/65584"
trap 'tmux kill-session -t "$s" 2>/dev/null || true' EXIT
shot() { sleep "$2"; { echo "=== $1"; tmux capture-pane -t "$s" -p; echo; } >> "$out"; }
: > "$out"
shot "explainer --scenario go1.23.4/65584: the lab opens at main.big_stack's entry" 2.5
tmux send-keys -t "$s" w; shot "w: run to the epilogue's last write to RSP (SP is 48 bytes into the dying frame)" 1
tmux send-keys -t "$s" g; shot "g: SIGURG here, then a GC stack scan unwinds" 1
tmux send-keys -t "$s" v; sleep 1; tmux send-keys -t "$s" w; sleep 1
tmux send-keys -t "$s" g; shot "v w g: split view, before (go1.23.4) and after (go1.25.0) the fix, same keys" 1
tmux send-keys -t "$s" q
echo "wrote $out"
