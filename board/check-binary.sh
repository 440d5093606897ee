#!/usr/bin/env bash
# Fails if a compiled vigil still names the tree it was built in: any such path is
# something the binary would look for at run time on a board that has no such tree.
set -euo pipefail
bin=$1 tree=$2
if grep -a -o -F -- "$tree" "$bin" >/dev/null; then
  echo "check-binary: $bin carries the build tree's path $tree:" >&2
  grep -a -o -E -- ".{0,60}${tree//\//\\/}[^\"' ]{0,80}" "$bin" | head -n 5 >&2
  rm -f "$bin"
  exit 1
fi
