#!/usr/bin/env bash
# Removes every namespace named PREFIX-* that up.sh made, including a
# half-built lab. Processes still running inside them (router daemons, tcpdump,
# monitors the lab started) are killed by PID first: a namespace with a live
# process would otherwise outlive `ip netns del` together with its addresses.
#
#   board/lab/down.sh PREFIX
set -uo pipefail
prefix="${1:?usage: down.sh PREFIX}"
[[ "$prefix" =~ ^vt-[a-z0-9-]{1,30}$ ]] || { echo "down.sh: bad prefix '$prefix'" >&2; exit 2; }
mapfile -t spaces < <(ip netns list | awk '{print $1}' | grep "^${prefix}-" || true)
for ns in "${spaces[@]}"; do
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
done
for ns in "${spaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
echo "lab: down ${prefix} (${#spaces[@]} namespaces)"
