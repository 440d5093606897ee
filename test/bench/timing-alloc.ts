// Allocation proof for the advert send and receive paths, run with BUN_JSC_logGC=1 (heapStats
// cannot see per-call allocation; counting collections can — docs/architecture.md, "Timing"). Prints
// markers on stderr around (1) ≥1M VrrpSocket.send calls and (2) a control loop that
// allocates 32 bytes per iteration, so the caller can count "GC END!" lines in each
// window and show the counter works.
import { VrrpSocket } from "../../src/sys/vrrp-socket.ts";

const ifname = process.argv[2];
const sends = Number(process.argv[3] ?? 1_000_000);
const sock = new VrrpSocket({ family: 4, ifname });
const advert = Uint8Array.of(0x31, 0x33, 0x96, 0x01, 0x00, 0x01, 0xcb, 0xb0, 0xc6, 0x12, 0x00, 0x64);

let errors = 0;
for (let i = 0; i < 50_000; i++) if (sock.send(advert, advert.length) < 0) errors++; // JIT warm-up
Bun.gc(true);

console.error("MARK sends-start");
const t0 = performance.now();
for (let i = 0; i < sends; i++) {
  // ENOBUFS under a flood is expected; the count is what matters, not delivery.
  if (sock.send(advert, advert.length) < 0) errors++;
}
const t1 = performance.now();
console.error("MARK sends-end");

// Receive path: a looped-back socket sends to itself and reads every packet back
// (recvmsg + cmsg walk + header fields), again with zero expected collections.
const loop = new VrrpSocket({ family: 4, ifname, multicastLoop: true });
let received = 0;
for (let i = 0; i < 20_000; i++) { loop.send(advert, advert.length); if (loop.recv() >= 0) received++; }
Bun.gc(true);
received = 0;
console.error("MARK recv-start");
for (let i = 0; i < sends; i++) {
  loop.send(advert, advert.length);
  if (loop.recv() === advert.length && loop.rxTtl === 255) received++;
}
console.error("MARK recv-end");
loop.close();

Bun.gc(true);
console.error("MARK control-start");
let keep: number[] = [];
for (let i = 0; i < sends; i++) keep = [i, i + 1]; // 2-element array: ≈32 B per iteration
console.error("MARK control-end");

sock.close();
console.log(JSON.stringify({ sends, errors, received, sendsPerSec: Math.round(sends / ((t1 - t0) / 1000)), keep: keep.length }));
