#!/usr/bin/env bash
# Generate man pages and shell completion scripts from the commands' own
# definitions (TOOL --man, TOOL completion SHELL) into docs/man and
# docs/completion. Install with e.g.:
#   sudo cp docs/man/*.1 /usr/local/share/man/man1/
#   source docs/completion/wsa-capture.bash
set -euo pipefail
cd "$(dirname "$0")/.."
export BIN=${BIN:-$PWD/bin}
scripts/build.sh
mkdir -p docs/man docs/completion
for t in "$BIN"/wsa-*; do
  n=$(basename "$t")
  "$t" --man > "docs/man/$n.1"
  for sh in bash zsh fish; do "$t" completion "$sh" > "docs/completion/$n.$sh"; done
done
echo "wrote docs/man/*.1 and docs/completion/*" >&2
