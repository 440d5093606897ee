#!/usr/bin/env bash
# Builds one VRRP lab: a bridge in its own namespace (no uplink), N router
# namespaces and a client namespace, each joined to the bridge by a veth.
#
#   board/lab/up.sh PREFIX ROUTERS
#
# PREFIX must look like vt-<tag> (tests use vt-l<pid>x<n>) so that several
# labs, and other engineers' namespaces, never collide. Everything made is named
# PREFIX-*, which is exactly what down.sh removes. Layout (lab.ts relies on it):
#
#   PREFIX-br   br0 (STP off, multicast snooping off), ports r1..rN, c0;
#               spare bridges br1.. are made on demand by partition.sh
#   PREFIX-rI   eth0  198.18.0.I/24  fd00:198:18::I/64  MAC 02:00:00:00:00:0I
#   PREFIX-c    eth0  198.18.0.250/24  fd00:198:18::fa/64  MAC 02:00:00:00:00:fa
#
# Only 198.18.0.0/15 and fd00::/8 are used (RFC 2544 benchmarking and ULA space).
# If any step fails, the half-built lab is torn down before exiting non-zero.
set -Eeuo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${1:?usage: up.sh PREFIX ROUTERS}"
routers="${2:?usage: up.sh PREFIX ROUTERS}"
[[ "$prefix" =~ ^vt-[a-z0-9-]{1,30}$ ]] || { echo "up.sh: bad prefix '$prefix' (want vt-[a-z0-9-]+)" >&2; exit 2; }
[[ "$routers" =~ ^[0-9]+$ ]] && (( routers >= 1 && routers <= 9 )) || { echo "up.sh: ROUTERS must be 1..9" >&2; exit 2; }
if ip netns list | grep -q "^${prefix}-br\b"; then echo "up.sh: lab ${prefix} already exists" >&2; exit 2; fi

trap 'rc=$?; echo "up.sh: failed (exit $rc), tearing down ${prefix}" >&2; bash "$here/down.sh" "$prefix"; exit $rc' ERR

br="${prefix}-br"
ip netns add "$br"
ip -n "$br" link set lo up
# The bridge namespace has no addresses of its own; IPv6 off keeps its own
# router solicitations and MLD reports out of captures.
ip netns exec "$br" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$br" link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
ip -n "$br" link set br0 up

# host NS PORT MAC IPV4 IPV6
host() {
  local ns="$1" port="$2" mac="$3" v4="$4" v6="$5"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # DAD off before eth0 exists: link-local and ULA addresses are usable at
  # once instead of after ~1 s of tentative state (VRRPv3 over IPv6 needs the
  # link-local source).
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip -n "$ns" link add eth0 address "$mac" type veth peer name "$port" netns "$br"
  ip -n "$br" link set "$port" master br0
  ip -n "$br" link set "$port" up
  ip -n "$ns" addr add "$v4/24" dev eth0
  ip -n "$ns" addr add "$v6/64" dev eth0 nodad
  ip -n "$ns" link set eth0 up
}

for i in $(seq 1 "$routers"); do
  host "${prefix}-r$i" "r$i" "02:00:00:00:00:0$i" "198.18.0.$i" "fd00:198:18::$i"
done
host "${prefix}-c" c0 "02:00:00:00:00:fa" 198.18.0.250 fd00:198:18::fa
trap - ERR
echo "lab: up ${prefix} routers=${routers}"
