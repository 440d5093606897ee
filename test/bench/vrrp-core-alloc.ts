// Child of vrrp-core.bench.ts, run with BUN_JSC_logGC=1: prints MARK lines on
// stderr around each steady-state loop so the parent can count collections in
// each window, and a JSON line of ns/op on stdout.
import { AdvertEncoder } from "../../src/vrrp/packet-encode.ts";
import { AdvertValidator, RxMeta } from "../../src/vrrp/packet-validate.ts";
import { VrrpFsm } from "../../src/vrrp/fsm.ts";
import { resolveParams, type VrrpParams } from "../../src/vrrp/params.ts";
import { parseIPv4 } from "../../src/vrrp/addr.ts";

const N = Number(process.argv[2] ?? 1_000_000);
const base: VrrpParams = {
  vrid: 51, version: 3, family: 4, priority: 150, advertIntMs: 10, preempt: true, preemptDelayMs: 0,
  accept: false, vips: ["198.18.0.100", "198.18.0.101"], primary: "198.18.0.1",
};
const enc = new AdvertEncoder(resolveParams(base), { ipHeader: true });
const val = new AdvertValidator(resolveParams({ ...base, primary: "198.18.0.2", priority: 100 }));
const meta = new RxMeta();
meta.src.set(parseIPv4("198.18.0.1"));
meta.dst.set(parseIPv4("224.0.0.18"));
meta.ttl = 255;
const master = new VrrpFsm(resolveParams({ ...base, priority: 255, garp: { masterDelayMs: 0 } }));
const backup = new VrrpFsm(resolveParams({ ...base, primary: "198.18.0.2", priority: 100 }));
master.startup(0);
backup.startup(0);
const srcBytes = parseIPv4("198.18.0.1");
// auth_type AH (VRRPv2): HMAC-MD5-96 over header, AH and message per advert, sign and verify
const ahBase: VrrpParams = { ...base, version: 2, advertIntMs: 1000, authPass: "s3cret", authType: "AH" };
const encAh = new AdvertEncoder(resolveParams(ahBase));
const valAh = new AdvertValidator(resolveParams({ ...ahBase, primary: "198.18.0.2", priority: 100 }));
const metaAh = new RxMeta();
metaAh.src.set(srcBytes);
metaAh.dst.set(parseIPv4("224.0.0.18"));
metaAh.ttl = 255;
metaAh.ipHeader = 0;

let sink = 0;
const loops: Record<string, () => void> = {
  encode: () => { for (let i = 0; i < N; i++) sink += enc.encode(i & 1 ? 150 : 0, 0, i & 0xffff); },
  validate: () => { for (let i = 0; i < N; i++) sink += val.check(enc.buf, 20, enc.vrrpLength, meta); },
  "fsm-master-advert": () => {
    let now = master.nextDeadline();
    for (let i = 0; i < N; i++) { master.tick(now); sink += master.actions.length; master.actions.clear(); now = master.nextDeadline(); }
  },
  "fsm-backup-receive": () => {
    for (let i = 0; i < N; i++) { backup.advertReceived(i, 200, 10, srcBytes, 0); sink += backup.actions.length; backup.actions.clear(); }
  },
  "encode-ah": () => { for (let i = 0; i < N; i++) sink += encAh.encode(150, 0, (i & 0xfffe) + 1); },
  "ah-encode-validate": () => {
    for (let i = 0; i < N; i++) sink += valAh.check(encAh.buf, 20, encAh.encode(150, 0, (i & 0xfffe) + 1) - 20, metaAh) === 0 ? 1 : -1e9;
  },
  control: () => { let keep: number[] = []; for (let i = 0; i < N; i++) keep = [i, i + 1]; sink += keep.length; },
};

enc.encode(150, 0, 1);
const res: Record<string, number> = {};
for (const [name, fn] of Object.entries(loops)) {
  fn(); // warm-up pass (JIT tiers), then a full GC so the window starts clean
  Bun.gc(true);
  console.error(`MARK ${name}-start`);
  const t0 = performance.now();
  fn();
  const t1 = performance.now();
  console.error(`MARK ${name}-end`);
  res[name] = ((t1 - t0) * 1e6) / N;
}
console.log(JSON.stringify({ n: N, nsPerOp: res, sink: sink > 0 }));
