// A rogue host claiming a VIP, run inside a lab namespace:
//   bun test/helpers/claim-vip.ts IFACE VIP COUNT [GAP_MS]
// sends COUNT unsolicited Neighbor Advertisements (IPv6) or gratuitous ARPs
// (IPv4) for VIP from IFACE's own MAC, GAP_MS apart, built by the project's own
// frame writers (the VIP need not be assigned: nothing answers for it here).
import { ARP_FRAME_LEN, writeGratuitousArp } from "../../src/net/arp.ts";
import { parseIP } from "../../src/net/ip-address.ts";
import { UNSOLICITED_NA_LEN, writeUnsolicitedNa } from "../../src/net/ndisc.ts";
import { ffiBytes } from "../../src/sys/ffi-memory.ts";
import { PacketSocket } from "../../src/sys/packet-socket.ts";

const [iface, vip, countText, gapText] = process.argv.slice(2);
if (!iface || !vip || !countText) throw new Error("usage: claim-vip.ts IFACE VIP COUNT [GAP_MS]");
const count = Math.min(100, Math.max(1, Number(countText)));
const gapMs = Math.min(5000, Math.max(0, Number(gapText ?? 100)));
const { family, bytes } = parseIP(vip);
const sock = new PacketSocket(iface, 0);
const frame = ffiBytes(Math.max(ARP_FRAME_LEN, UNSOLICITED_NA_LEN));
// a host, not a router: Router flag clear
const len = family === 4 ? writeGratuitousArp(frame, 0, sock.mac, bytes) : writeUnsolicitedNa(frame, 0, sock.mac, bytes, false);
try {
  for (let i = 0; i < count; i++) {
    const n = sock.send(frame, len);
    if (n < 0) throw new Error(`send on ${iface}: errno ${-n}`);
    if (i + 1 < count) await Bun.sleep(gapMs);
  }
} finally {
  sock.close();
}
