#!/usr/bin/env bash
# Network partition without netfilter (this kernel lacks bridge VLAN filtering
# and tc drop actions): the bridge-side ports of the listed hosts move to a
# separate bridge brK in the bridge namespace. Hosts keep carrier (unlike a
# link down), they just stop hearing the others. `heal` moves every port back.
#
#   board/lab/partition.sh PREFIX K PORT...   # ports r1..r9, c0 -> brK (K 1..9)
#   board/lab/partition.sh PREFIX heal
set -euo pipefail
prefix="${1:?usage: partition.sh PREFIX K PORT... | PREFIX heal}"
[[ "$prefix" =~ ^vt-[a-z0-9-]{1,30}$ ]] || { echo "partition.sh: bad prefix '$prefix'" >&2; exit 2; }
br="${prefix}-br"
shift
if [ "${1:-}" = heal ]; then
  # Only ports on another bridge move, so a heal is one `ip` call per cut-off port.
  ip -n "$br" -o link show | awk '/ master br[1-9] /{sub(/@.*/, "", $2); sub(/:$/, "", $2); print $2}' |
    while read -r port; do
      [[ "$port" =~ ^(r[0-9]|c0)$ ]] && ip -n "$br" link set "$port" master br0
    done
  exit 0
fi
k="${1:?missing group number}"; shift
[[ "$k" =~ ^[1-9]$ ]] || { echo "partition.sh: group must be 1..9" >&2; exit 2; }
ip -n "$br" link show "br$k" >/dev/null 2>&1 ||
  { ip -n "$br" link add "br$k" type bridge stp_state 0 forward_delay 0 mcast_snooping 0; ip -n "$br" link set "br$k" up; }
for port in "$@"; do
  [[ "$port" =~ ^(r[0-9]|c0)$ ]] || { echo "partition.sh: bad port '$port'" >&2; exit 2; }
  ip -n "$br" link set "$port" master "br$k"
done
