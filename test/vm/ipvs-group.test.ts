// virtual_server_group in the kernel (VM, Debian's kernel with IP_VS): `vigil run`
// programs one IPVS service per member of the group (a range of two addresses and
// a fwmark), each with the virtual server's real servers; a SIGHUP with a member
// more adds that service and its dests and nothing else, one with a member less
// deletes that service and nothing else (the daemon logs how many operations each
// apply took); SIGTERM removes them all. ipvsadm is the oracle.
import { beforeAll, describe, expect, test } from "bun:test";
import { ROOT } from "../helpers/netns.ts";
import { vigilCommand } from "../helpers/vigil.ts";
import { GUEST_STOP_DAEMON, runInVm, vmAvailable, type VmResult } from "../helpers/vm.ts";
import { parseIpvsadm } from "./ipvsadm-parse.ts";

const RS1 = "198.18.53.1";
const RS2 = "198.18.53.2";

const conf = (members: string) => `
global_defs { router_id group }
virtual_server_group web {
${members}
}
virtual_server group web {
    delay_loop 5
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server ${RS1} 8080 {
        weight 3
    }
    real_server ${RS2} 8080 {
        weight 1
    }
}`;

const VIGIL = vigilCommand().join(" ");

/** shell: waits (bounded: 60 s) until ipvsadm lists exactly $1 services */
const WAIT_FOR = `
wait_services() {
  i=0
  while [ "$(ipvsadm -Ln | grep -cE '^(TCP|FWM)')" != "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
}
wait_applies() {
  i=0
  while [ "$(grep -c 'lvs: applied' /tmp/vigil.log)" -lt "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
}`;

const script = `set -e
cd ${ROOT}
${WAIT_FOR}
cat > /tmp/a.conf <<'EOF'
${conf("    198.18.52.1-2 80\n    fwmark 7")}
EOF
cat > /tmp/b.conf <<'EOF'
${conf("    198.18.52.1-3 80\n    fwmark 7")}
EOF
cat > /tmp/c.conf <<'EOF'
${conf("    198.18.52.2-3 80\n    fwmark 7")}
EOF
cp /tmp/a.conf /tmp/director.conf
${VIGIL} run -f /tmp/director.conf --no-realtime --status-socket /tmp/vigil.sock --lock-dir /tmp/vigil-run 2> /tmp/vigil.log &
pid=$!
wait_services 3
wait_applies 1
echo "TABLE-A"
ipvsadm -Ln
cp /tmp/b.conf /tmp/director.conf
kill -HUP $pid
wait_services 4
wait_applies 2
echo "TABLE-B"
ipvsadm -Ln
cp /tmp/c.conf /tmp/director.conf
kill -HUP $pid
wait_services 3
wait_applies 3
echo "TABLE-C"
ipvsadm -Ln
${GUEST_STOP_DAEMON}
echo "LOG"
cat /tmp/vigil.log
echo "END"
`;

let vm: VmResult;
const section = (name: string, next: string) => vm.stdout.split(`${name}\n`)[1]!.split(next)[0]!;
const services = (text: string) =>
  parseIpvsadm(text).map((s) => `${s.fwmark ? `fwm ${s.fwmark}` : `${s.address}:${s.port}`} ${s.scheduler} ${s.dests.map((d) => `${d.address}:${d.port} ${d.forward} ${d.weight}`).sort().join(",")}`).sort();
const dests = `${RS1}:8080 masq 3,${RS2}:8080 masq 1`;

describe.skipIf(!vmAvailable())("virtual_server_group programmed per member, reloads change only the member (VM)", () => {
  beforeAll(async () => {
    vm = await runInVm({ script, timeoutMs: 240_000 });
    console.log(`VM run ${Math.round(vm.wallMs)} ms (boot ${vm.bootMs === null ? "?" : Math.round(vm.bootMs)} ms)`);
    if (vm.exitCode !== 0) console.error(`VM exit ${vm.exitCode}:\n${vm.stdout.slice(-3000)}\n${vm.stderr.slice(-3000)}\n${vm.console.slice(-1500)}`);
  }, 250_000);

  test("every member is a service with the virtual server's real servers", () => {
    expect(vm.exitCode).toBe(0);
    expect(services(section("TABLE-A", "TABLE-B"))).toEqual([`198.18.52.1:80 rr ${dests}`, `198.18.52.2:80 rr ${dests}`, `fwm 7 rr ${dests}`]);
  });

  test("reloads: a member added is one service and its two dests; a member removed is one delete", () => {
    expect(services(section("TABLE-B", "TABLE-C"))).toEqual([`198.18.52.1:80 rr ${dests}`, `198.18.52.2:80 rr ${dests}`, `198.18.52.3:80 rr ${dests}`, `fwm 7 rr ${dests}`]);
    expect(services(section("TABLE-C", "DAEMON-EXIT"))).toEqual([`198.18.52.2:80 rr ${dests}`, `198.18.52.3:80 rr ${dests}`, `fwm 7 rr ${dests}`]);
    const applies = section("LOG", "END").split("\n").filter((l) => l.includes("lvs: applied")).map((l) => /applied (\d+) IPVS/.exec(l)![1]);
    // 3 services x (1 + 2 dests) at start; then add-service + 2 add-dest; then one delete-service
    expect(applies).toEqual(["9", "3", "1"]);
  });

  test("SIGTERM removes every member's service", () => {
    expect(vm.stdout).toContain("DAEMON-EXIT 0");
    expect(services(section("TABLE-AFTER-STOP", "LOG"))).toEqual([]);
  });
});
