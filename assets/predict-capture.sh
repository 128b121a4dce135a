#!/usr/bin/env bash
# A prediction answered wrong, in a real terminal (tmux), as a learner sees it: lesson 6 asks which stack slot
# the GC's unwinder will read as main.big_stack's return address; the learner picks pushCall's saved LR
# (where the real return address is), and the lab shows the slot really read, 16 B above, and why. Then the
# lab's prediction mode (m) asks before a GC scan between the two ADDs, answered "clean". Saves what a
# person sees, as text: assets/predict-wrong-WxH.txt. Progress goes to a temporary state folder.
# Usage: assets/predict-capture.sh   (needs tmux and the installed `explainer` command)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
s="predict$$"
state="$(mktemp -d)"
trap 'tmux kill-session -t "$s" 2>/dev/null || true; rm -rf "$state"' EXIT

shot() { sleep "$2"; { echo "=== $1"; tmux capture-pane -t "$s" -p; echo; } >> "$out"; }
keys() { for k in "$@"; do tmux send-keys -t "$s" "$k"; sleep 0.6; done; }
pick() {  # ↓ until the bar says the row at $1 is picked
  for _ in $(seq 60); do
    tmux capture-pane -t "$s" -p -J | tr -d '│' | tr -s ' ' | grep -q "picked $1" && return 0
    keys Down
  done
  echo "never picked $1" >&2; return 1
}

for size in 80x24 120x40; do
  w=${size%x*} h=${size#*x}
  out="$here/predict-wrong-$size.txt"
  : > "$out"
  rm -rf "${state:?}"/*
  tmux new-session -d -s "$s" -x "$w" -y "$h" "EXPLAINER_STATE_DIR='$state' explainer --lesson 6"
  sleep 4; keys Enter Enter Enter
  shot "explainer --lesson 6 at $size, enter x3: run to the last write to RSP, SIGURG, then the lab asks" 1
  pick 0x40000bdf10
  shot "↓ until pushCall's saved LR (the real return address) is picked" 1
  keys Enter; shot "enter: answered; the GC scan runs and the lab shows the answer beside the guess" 2
  tmux kill-session -t "$s" 2>/dev/null || true
  tmux new-session -d -s "$s" -x "$w" -y "$h" "EXPLAINER_STATE_DIR='$state' explainer --scenario go1.23.4/65584"
  sleep 4; keys m w g; shot "the lab, m (prediction mode) w g: it asks before the GC scan between the two ADDs" 1
  keys 2; shot "2 (clean): the scan crashes; the lab says so beside the guess, and why" 2
  tmux kill-session -t "$s" 2>/dev/null || true
  echo "wrote $out"
done
