#!/usr/bin/env bash
# `make bench`: runs every test/bench/*.bench.ts one after the other (they share
# two cores and measure timing, so never in parallel), each bounded in time, and
# prints their output with a header and the wall time of each.
#
#   bash test/bench/run.sh [NAME-SUBSTRING...]     only benches whose file name matches
#
# Bounds: a bench runs at most BENCH_TIMEOUT seconds (default 240) unless its
# file declares its own with a line `// bench-timeout: SECONDS`; the whole run
# stops starting new benches once BENCH_BUDGET seconds (default 3600 = 60 min; the split-brain bench alone runs 12-16 min)
# are spent, and no bench is given more than what is left. On timeout the bench
# gets SIGTERM (the lab helpers tear down their namespaces on it), then SIGKILL
# 15 s later.
#
# A bench that keeps its figures writes them as JSON under build/bench/ (board.bench.ts:
# build/bench/board.json, the shipped artifact's sizes, idle memory and start-up time).
set -u
cd "$(dirname "$0")/../.."
BUN=node_modules/.bin/bun
per_default=${BENCH_TIMEOUT:-240}
budget=${BENCH_BUDGET:-3600}
[[ "$per_default" =~ ^[0-9]+$ && "$budget" =~ ^[0-9]+$ ]] || { echo "bench: BENCH_TIMEOUT and BENCH_BUDGET must be whole seconds" >&2; exit 2; }

start=$(date +%s)
failed=()
skipped=()
for f in test/bench/*.bench.ts; do
  name=$(basename "$f" .bench.ts)
  if (( $# > 0 )); then
    match=0
    for want in "$@"; do [[ "$name" == *"$want"* ]] && match=1; done
    (( match )) || continue
  fi
  left=$(( budget - ($(date +%s) - start) ))
  if (( left < 30 )); then skipped+=("$name"); continue; fi
  per=$(grep -m1 -oE '^// bench-timeout: [0-9]+' "$f" | grep -oE '[0-9]+$' || true)
  per=${per:-$per_default}
  (( per > left )) && per=$left
  echo
  echo "=== bench: $name (bound ${per} s) ==="
  t0=$(date +%s)
  timeout --kill-after=15 "$per" "$BUN" "$f"
  rc=$?
  t1=$(date +%s)
  if (( rc == 124 || rc == 137 )); then
    echo "=== bench: $name TIMED OUT after $(( t1 - t0 )) s ==="
    failed+=("$name (timeout)")
  elif (( rc != 0 )); then
    echo "=== bench: $name FAILED (exit $rc) after $(( t1 - t0 )) s ==="
    failed+=("$name (exit $rc)")
  else
    echo "=== bench: $name done in $(( t1 - t0 )) s ==="
  fi
done
echo
echo "benches: total $(( $(date +%s) - start )) s"
(( ${#skipped[@]} )) && echo "not run (budget of ${budget} s spent): ${skipped[*]}"
if (( ${#failed[@]} )); then echo "failed: ${failed[*]}"; exit 1; fi
exit 0
