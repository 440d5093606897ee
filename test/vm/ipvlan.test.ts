// keepalived's use_ipvlan with the shipped daemon (an IPv4 and an IPv6 instance): the host kernel vigil is built on
// has no ipvlan (CONFIG_IPVLAN unset), the IPVS VM's Debian kernel has the module
// (board/vm/fetch.sh loads it). Inside the guest, `vigil run` (dist/vigil-linux-x64)
// on a veth with `use_ipvlan NAME ADDRESS private` must create an L2 ipvlan of that
// type on the interface, put ADDRESS and, as MASTER, the VIP on it, send its adverts
// with ADDRESS as source, make it again when it is deleted behind its back, and
// delete it at SIGTERM (keepalived vrrp_vmac.c netlink_link_add_ipvlan / netlink_link_del_vmac).
// Every wait in the guest is bounded; no timing is asserted.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/netns.ts";
import { vigilCommand } from "../helpers/vigil.ts";
import { startVm, vmAvailable, type VmHandle, type VmResult } from "../helpers/vm.ts";

const VIGIL = join(ROOT, "dist", "vigil-linux-x64");
const NAME = "ipv51";
const VIP = "198.18.40.100";
const NAME6 = "ipv52";
const VIP6 = "fd00:40::100";

const config = `
vrrp_instance V {
    state MASTER
    interface d0
    virtual_router_id 51
    priority 150
    advert_int 1
    use_ipvlan ${NAME} 198.18.40.9/24 private
    virtual_ipaddress {
        ${VIP}/24
    }
}
! IPv6: no address of its own (the advert source stays the parent's link-local); the
! same type as V's: the kernel keeps one ipvlan mode and type per parent interface
vrrp_instance V6 {
    state MASTER
    interface d0
    virtual_router_id 52
    priority 150
    advert_int 1
    use_ipvlan ${NAME6} private
    virtual_ipaddress {
        ${VIP6}/64
    }
}`;

// sections the host splits on; each wait is at most 60 s (300 x 0.2 s)
const script = `set -e
ip link add d0 type veth peer name d1
ip addr add 198.18.40.1/24 dev d0
ip link set d1 up
ip link set d0 up
cat > /tmp/k.conf <<'VIGIL_EOF'
${config}
VIGIL_EOF
cd /tmp
${VIGIL} run -f /tmp/k.conf --no-realtime --status-socket /tmp/vigil.sock --lock-dir /tmp/vigil-lock >&2 &
pid=$!
n=0
until ip -4 addr show dev ${NAME} 2>/dev/null | grep -q "inet ${VIP}/"; do
  n=$((n + 1)); [ $n -lt 300 ] || break
  sleep 0.2
done
n=0
until ip -6 addr show dev ${NAME6} 2>/dev/null | grep -q "inet6 ${VIP6}/"; do
  n=$((n + 1)); [ $n -lt 300 ] || break
  sleep 0.2
done
echo "=SIXLINK"; ip -d link show ${NAME6} || true; ip -6 addr show dev ${NAME6} || true
echo "=STATUS"; ${VIGIL} status --socket /tmp/vigil.sock 2>&1 || true
echo "=LINK"; ip -d link show ${NAME} || true
echo "=ADDR"; ip -4 addr show dev ${NAME} || true
echo "=PARENT"; ip -4 addr show dev d0 || true
echo "=V6"; cat /proc/sys/net/ipv6/conf/${NAME}/disable_ipv6 || true
# one advert as the peer end of the veth sees it (bounded: 10 s)
echo "=ADVERT"; timeout 10 tcpdump -nni d1 -c 1 'ip proto 112' 2>/dev/null || true
# deleted behind the daemon's back: it makes the ipvlan again and the VIP returns (bounded: 60 s)
ip link del ${NAME}
n=0
until ip -4 addr show dev ${NAME} 2>/dev/null | grep -q "inet ${VIP}/"; do
  n=$((n + 1)); [ $n -lt 300 ] || break
  sleep 0.2
done
echo "=AGAIN"; ip -d link show ${NAME} 2>&1 || true; ip -4 addr show dev ${NAME} 2>&1 || true
kill -TERM $pid
rc=0; wait $pid || rc=$?
echo "=EXIT $rc"
echo "=AFTER"; ip link show ${NAME} 2>&1 || true; ip link show ${NAME6} 2>&1 || true
echo "=END"
`;

const section = (out: string, name: string) => out.split(`=${name}`)[1]?.split("\n=")[0] ?? "";

let vm: VmHandle | undefined;
afterAll(() => vm?.kill());

describe.skipIf(!vmAvailable())("use_ipvlan in the VM's kernel (the shipped binary)", () => {
  test("use_ipvlan NAME ADDRESS private: an L2 private ipvlan on the interface holds ADDRESS and, as MASTER, the VIP; adverts come from ADDRESS; deleted, it comes back; an IPv6 instance's ipvlan holds its VIP too; SIGTERM removes both", async () => {
    // the shipped binary, as built from this checkout (make test builds it first)
    if (!existsSync(VIGIL) || vigilCommand()[0] !== VIGIL) throw new Error(`${VIGIL} is missing or older than src/: run make build`);
    vm = startVm({ script, timeoutMs: 300_000 });
    const r: VmResult = await vm.done;
    const out = r.stdout;
    if (r.exitCode !== 0 || !out.includes("=END")) console.log(r.stdout, r.stderr, r.console.slice(-3000));
    expect(r.exitCode).toBe(0);
    const link = section(out, "LINK");
    // `ip -d link`: "ipv51@d0: ..." then "ipvlan  mode l2 private"
    expect(link).toContain(`${NAME}@d0`);
    expect(link).toMatch(/ipvlan\s+mode l2 private/);
    // the IPv6 instance's ipvlan, its VIP on it as MASTER
    const link6 = section(out, "SIXLINK");
    expect(link6).toContain(`${NAME6}@d0`);
    expect(link6).toMatch(/ipvlan\s+mode l2 private/);
    expect(link6).toContain(`inet6 ${VIP6}/64`);
    expect(section(out, "STATUS")).toMatch(/\nV6\s+d0\s+52\s+\S+\s+MASTER\s/);
    const addr = section(out, "ADDR");
    expect(addr).toContain("inet 198.18.40.9/24");
    expect(addr).toContain(`inet ${VIP}/24`);
    // the VIP lives on the ipvlan, not on its parent
    expect(section(out, "PARENT")).not.toContain(VIP);
    expect(section(out, "PARENT")).toContain("inet 198.18.40.1/24");
    // keepalived link_set_ipv6: no IPv6 on an IPv4 instance's ipvlan without IPv6 VIPs
    expect(section(out, "V6").trim()).toBe("1");
    // keepalived's advert source: the ipvlan's address (no mcast_src_ip), from the parent with its MAC
    expect(section(out, "ADVERT")).toMatch(/198\.18\.40\.9 > 224\.0\.0\.18: VRRPv2, Advertisement, vrid 51/);
    expect(section(out, "STATUS")).toMatch(/\nV\s+d0\s+51\s+\S+\s+MASTER\s/);
    // recreated after `ip link del` (the same L2 private ipvlan, ADDRESS and VIP again)
    const again = section(out, "AGAIN");
    expect(again).toMatch(/ipvlan\s+mode l2 private/);
    expect(again).toContain("inet 198.18.40.9/24");
    expect(again).toContain(`inet ${VIP}/24`);
    expect(out).toContain("=EXIT 0");
    expect(section(out, "AFTER").match(/does not exist|Cannot find device/g)?.length).toBe(2);
    console.log(`use_ipvlan VM run: boot ${r.bootMs} ms, total ${r.wallMs} ms`);
  }, 330_000);
});
