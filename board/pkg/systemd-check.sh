#!/usr/bin/env bash
# Installs a vigil .deb with apt on this machine's own Debian, booted under systemd in
# a throwaway container (systemd-nspawn over a tmpfs overlay of /: nothing it does
# stays), and drives it as an administrator would: apt install, start while
# unconfigured (skipped by ExecCondition, not failed), configure and start (MASTER
# with its VIP, the unit's capabilities, watchdog), reload, stop, reinstall while
# running (restarted), remove, purge. The container's network is a namespace made
# here: a veth pair with 198.18.9.0/24 only. A manual check, not part of make test:
# it needs systemd-container and boots a whole system (about 30 s).
# usage: board/pkg/systemd-check.sh dist/vigil_<version>_amd64.deb     (as root)
set -euo pipefail
deb=$(realpath "${1:?usage: $0 vigil_<version>_amd64.deb}")
command -v systemd-nspawn >/dev/null || { echo "needs systemd-nspawn (apt install systemd-container)" >&2; exit 2; }
work=$(mktemp -d /tmp/vigil-systemd-check.XXXXXX)
ns=vt-sdc-$$
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	ip netns del "$ns-peer" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/share/out" "$work/up" "$work/root"
cp "$deb" "$work/share/vigil.deb"

cat >"$work/share/check.sh" <<'EOF'
#!/bin/sh
# runs inside the container as its only target
exec >/share/out/log 2>&1
step() { echo "== $*"; }
show() { systemctl show vigil -p ActiveState -p SubState -p Result -p NRestarts -p MainPID | sort | tr '\n' ' '; echo; }
rm -f /usr/sbin/policy-rc.d   # the host's may forbid starts (Docker-style); a board has none
step "apt install"; apt-get install -y -q /share/vigil.deb >/dev/null && systemctl is-enabled vigil; show
step "start, unconfigured"; systemctl start vigil; echo "start rc=$?"; show; journalctl -u vigil -o cat --no-pager | tail -3
cat >/etc/vigil/vigil.conf <<'CONF'
vrrp_instance LAN {
  state MASTER
  interface eth0
  virtual_router_id 9
  priority 200
  advert_int 1
  virtual_ipaddress {
    198.18.9.100/32
  }
}
CONF
step "start, configured"; systemctl start vigil; echo "start rc=$?"; sleep 3; show
pid=$(systemctl show vigil -p MainPID --value); grep -E "CapBnd|CapEff|NoNewPrivs" /proc/$pid/status
stat -c '%n %a %U' /run/vigil /var/lib/vigil
ip -4 -br addr show dev eth0; vigil status
step "10 s later (watchdog 3 s)"; sleep 10; show
step "reload"; systemctl reload vigil; sleep 1; show
step "stop"; systemctl stop vigil; show; ip -4 -br addr show dev eth0
step "reinstall while running"; systemctl start vigil; sleep 1; show; dpkg -i /share/vigil.deb >/dev/null; show
step "remove"; apt-get remove -y -q vigil >/dev/null; systemctl show vigil -p ActiveState -p LoadState | tr '\n' ' '; echo; ip -4 -br addr show dev eth0
step "purge"; apt-get purge -y -q vigil >/dev/null; ls -d /var/lib/vigil /etc/vigil 2>&1
step "journal"; journalctl -u vigil -o short-monotonic --no-pager | tail -25
step done
systemctl poweroff
EOF
chmod 755 "$work/share/check.sh"
cat >"$work/share/check.service" <<'EOF'
[Unit]
Description=vigil package check
Wants=basic.target network.target
After=basic.target network.target
[Service]
Type=oneshot
ExecStart=/share/check.sh
EOF

ip netns add "$ns"
ip netns add "$ns-peer"
ip -n "$ns" link add eth0 type veth peer name eth0 netns "$ns-peer"
for n in "$ns" "$ns-peer"; do ip -n "$n" link set lo up; ip -n "$n" link set eth0 up; done
ip -n "$ns" addr add 198.18.9.1/24 dev eth0
ip -n "$ns-peer" addr add 198.18.9.2/24 dev eth0

# nspawn refuses / itself: boot a tmpfs overlay of it, inside a private mount namespace
timeout 300 unshare -m --propagation private sh -c '
	w=$1 ns=$2
	mount -t tmpfs vigil-check "$w/up" && mkdir "$w/up/u" "$w/up/w" &&
	mount -t overlay vigil-check -o "lowerdir=/,upperdir=$w/up/u,workdir=$w/up/w" "$w/root" &&
	cp "$w/share/check.service" "$w/root/etc/systemd/system/" && rm -f "$w/root/etc/machine-id" &&
	exec systemd-nspawn -q -D "$w/root" --keep-unit --register=no --link-journal=no \
		--capability=CAP_NET_ADMIN,CAP_IPC_LOCK --network-namespace-path="/run/netns/$ns" \
		--bind="$w/share:/share" -M vigil-check -b -- systemd.unit=check.service' \
	check "$work" "$ns" >"$work/console.log" 2>&1 || { tail -20 "$work/console.log"; exit 1; }
cat "$work/share/out/log"
