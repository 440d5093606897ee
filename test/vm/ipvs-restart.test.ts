// The owned IPVS service set survives an unclean stop. Inside the VM (Debian's
// kernel with IP_VS): an operator adds a service of their own with ipvsadm;
// `vigil run` programs two virtual servers and is SIGKILLed (no cleanup); a new
// `vigil run` with only one of them must delete the dropped one on its first
// sync, because <lock-dir>/ipvs-owned.json says the previous run created it,
// and must leave the operator's service alone. A clean SIGTERM then removes
// vigil's remaining service and nothing else. ipvsadm is the oracle.
import { beforeAll, describe, expect, test } from "bun:test";
import { ROOT } from "../helpers/netns.ts";
import { vigilCommand } from "../helpers/vigil.ts";
import { runInVm, vmAvailable, type VmResult } from "../helpers/vm.ts";
import { parseIpvsadm } from "./ipvsadm-parse.ts";

const KEPT = "198.18.50.10";
const DROPPED = "198.18.50.11";
const OPERATOR = "198.18.50.99";
const RS = "198.18.51.1";

const vs = (vip: string) => `
virtual_server ${vip} 80 {
    delay_loop 5
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server ${RS} 8080 {
        weight 3
    }
}`;

// the compiled binary when it is fresh (make test builds it first): under TCG it
// starts in a fraction of the time the source takes to load over 9p
const VIGIL = vigilCommand().join(" ");
// the daemon's own run directory, as --lock-dir on a real box (/run/vigil)
const RUN = "/tmp/vigil-run";

/** shell: waits (bounded: 60 s) until ipvsadm lists exactly $1 services */
const WAIT_FOR = `
wait_services() {
  i=0
  while [ "$(ipvsadm -Ln | grep -c '^TCP')" != "$1" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
}`;

const script = `set -e
cd ${ROOT}
${WAIT_FOR}
echo "T-START $(cat /proc/uptime)" >&2
ipvsadm -A -t ${OPERATOR}:80 -s wlc
ipvsadm -a -t ${OPERATOR}:80 -r ${RS}:9090 -m -w 7
cat > /tmp/two.conf <<'EOF'
global_defs { router_id restart }
${vs(KEPT)}
${vs(DROPPED)}
EOF
cat > /tmp/one.conf <<'EOF'
global_defs { router_id restart }
${vs(KEPT)}
EOF
${VIGIL} run -f /tmp/two.conf --no-realtime --status-socket /tmp/v1.sock --lock-dir ${RUN} >&2 &
pid=$!
wait_services 3
echo "T-TWO $(cat /proc/uptime)" >&2
echo "TABLE-TWO"
ipvsadm -Ln
echo "STATE-TWO"
cat ${RUN}/ipvs-owned.json
kill -KILL $pid
set +e
wait $pid
echo "KILLED $?"
set -e
echo "T-KILL $(cat /proc/uptime)" >&2
echo "TABLE-AFTER-KILL"
ipvsadm -Ln
${VIGIL} run -f /tmp/one.conf --no-realtime --status-socket /tmp/v2.sock --lock-dir ${RUN} >&2 &
pid=$!
wait_services 2
echo "T-ONE $(cat /proc/uptime)" >&2
echo "TABLE-ONE"
ipvsadm -Ln
echo "STATE-ONE"
cat ${RUN}/ipvs-owned.json
kill -TERM $pid
set +e
wait $pid
echo "DAEMON-EXIT $?"
echo "T-EXIT $(cat /proc/uptime)" >&2
echo "TABLE-AFTER-STOP"
ipvsadm -Ln
echo "STATE-AFTER-STOP"
cat ${RUN}/ipvs-owned.json
echo "END"
`;

let vm: VmResult;
const section = (name: string, next: string) => vm.stdout.split(`${name}\n`)[1]!.split(next)[0]!;
const services = (text: string) =>
  parseIpvsadm(text).map((s) => `${s.address}:${s.port} ${s.scheduler} ${s.dests.map((d) => `${d.address}:${d.port} ${d.forward} ${d.weight}`).join(",")}`).sort();

describe.skipIf(!vmAvailable())("owned IPVS services across a SIGKILL and a restart (VM)", () => {
  beforeAll(async () => {
    vm = await runInVm({ script, timeoutMs: 240_000 });
    console.log(`VM run ${Math.round(vm.wallMs)} ms (boot ${vm.bootMs === null ? "?" : Math.round(vm.bootMs)} ms)`);
    // guest uptime (s) at each phase: where the time of a VM run goes
    console.log(vm.stderr.split("\n").filter((l) => l.startsWith("T-")).map((l) => l.split(" ").slice(0, 2).join(" ")).join(", "));
    if (vm.exitCode !== 0) console.error(`VM exit ${vm.exitCode}:\n${vm.stdout.slice(-2000)}\n${vm.stderr.slice(-3000)}\n${vm.console.slice(-1500)}`);
  }, 250_000);

  test("the first run programs both virtual servers beside the operator's service and records the two it owns", () => {
    expect(vm.exitCode).toBe(0);
    expect(services(section("TABLE-TWO", "STATE-TWO"))).toEqual([
      `${KEPT}:80 rr ${RS}:8080 masq 3`,
      `${DROPPED}:80 rr ${RS}:8080 masq 3`,
      `${OPERATOR}:80 wlc ${RS}:9090 masq 7`,
    ]);
    expect(JSON.parse(section("STATE-TWO", "KILLED"))).toEqual({ version: 1, services: [`tcp:${KEPT}:80`, `tcp:${DROPPED}:80`] });
  });

  test("SIGKILL leaves everything in the kernel (nothing cleans up)", () => {
    expect(vm.stdout).toContain("KILLED 137");
    expect(services(section("TABLE-AFTER-KILL", "TABLE-ONE"))).toHaveLength(3);
  });

  test("restarted with one virtual server: the dropped one is deleted, the operator's service is untouched", () => {
    expect(services(section("TABLE-ONE", "STATE-ONE"))).toEqual([
      `${KEPT}:80 rr ${RS}:8080 masq 3`,
      `${OPERATOR}:80 wlc ${RS}:9090 masq 7`,
    ]);
    expect(JSON.parse(section("STATE-ONE", "DAEMON-EXIT"))).toEqual({ version: 1, services: [`tcp:${KEPT}:80`] });
  });

  test("SIGTERM removes vigil's service only and leaves an empty record", () => {
    expect(vm.stdout).toContain("DAEMON-EXIT 0");
    expect(services(section("TABLE-AFTER-STOP", "STATE-AFTER-STOP"))).toEqual([`${OPERATOR}:80 wlc ${RS}:9090 masq 7`]);
    expect(JSON.parse(section("STATE-AFTER-STOP", "END"))).toEqual({ version: 1, services: [] });
  });
});
