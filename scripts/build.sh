#!/usr/bin/env bash
# Build every command under cmd/ into ./bin (or $BIN). Needs only Go.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/bin}
mkdir -p "$BIN"
pkgs=()
for d in cmd/*/; do
  [ -f "$d/main.go" ] && pkgs+=("./$d")
done
go build -trimpath -o "$BIN/" "${pkgs[@]}"
echo "built ${#pkgs[@]} commands into $BIN" >&2
