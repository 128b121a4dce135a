#!/usr/bin/env bash
# Play the story in a real terminal (tmux) at 80x24, 120x40 and 200x60 and save what a person sees, as text:
# assets/lab-WxH.txt. Usage: assets/capture.sh   (needs tmux and the installed `explainer` command)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
talk="$here/talks/split-epilogue.toml"
s="capture$$"
trap 'tmux kill-session -t "$s" 2>/dev/null || true' EXIT

shot() { sleep "$2"; { echo "=== $1"; tmux capture-pane -t "$s" -p; echo; } >> "$out"; }
keys() { for k in "$@"; do tmux send-keys -t "$s" "$k"; sleep 0.6; done; }

for size in 80x24 120x40 200x60; do
  w=${size%x*} h=${size#*x}
  out="$here/lab-$size.txt"
  : > "$out"
  tmux new-session -d -s "$s" -x "$w" -y "$h" "explainer --scenario go1.23.4/65584"
  shot "explainer --scenario go1.23.4/65584 at $size: the lab opens at main.big_stack's entry" 3
  keys e s s s; shot "e s s s: to the epilogue, then LDP, the first ADD, the second ADD: ▶ follows the PC to RET" 1
  keys 0 w; shot "0 w: from the entry, run to the epilogue's last write to RSP (SP is 48 bytes into the dying frame)" 1
  keys g; shot "g: SIGURG here, then a GC stack scan unwinds" 1
  keys v; sleep 1; keys w g; shot "v w g: split view, before (go1.23.4) and after (go1.25.0) the fix, same keys" 1
  keys s; shot "s: both sides at RET, the frame released: no ⚡ on either side" 1
  keys v x; shot "v x: back to one side, then the sweep: preempt and unwind at every instruction" 4
  keys 2; shot "2: the frame-size sweep, go1.23.4 non-leaf (unsafe from 65,552 B)" 40
  keys Escape
  keys q; sleep 1
  tmux kill-session -t "$s" 2>/dev/null || true
  tmux new-session -d -s "$s" -x "$w" -y "$h" "explainer present '$talk'"
  sleep 3; keys Right Right; shot "explainer present, beat 3 at $size: between the two ADDs" 1
  keys ']'; shot "]: one instruction off script, to RET" 1
  tmux kill-session -t "$s" 2>/dev/null || true
  echo "wrote $out"
done
