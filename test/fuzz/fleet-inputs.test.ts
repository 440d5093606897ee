// Fuzz what the network hands the fleet code: peer MQTT bodies (decodeBody +
// snapshotKeyOf + witness) and SMTP server replies. Seeded, bounded; the
// property is "a clear result or a specific error, never an exception or hang".
import { afterAll, expect, test } from "bun:test";
import { encodeBody, decodeBody } from "../../src/fleet/payload.ts";
import { snapshotKeyOf, SplitBrainWitness } from "../../src/fleet/witness.ts";
import { sendMail, SmtpError } from "../../src/fleet/smtp.ts";

function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}
const SEED = Number(process.env.VIGIL_FUZZ_SEED ?? 0xf1ee7);

test(`peer bodies: 50000 seeded mutations of CBOR/JSON reports never throw (seed ${SEED})`, () => {
  const rnd = prng(SEED);
  const w = new SplitBrainWitness("gw-a");
  w.ownState("VI_1", { state: "MASTER", segment: "lan", vrid: 51 });
  const seeds = [
    encodeBody({ state: "MASTER", segment: "lan", vrid: 51, priority: 100, counters: { a: 1 } }, "cbor"),
    encodeBody({ state: "MASTER", segment: "lan", vrid: 51, priority: 100 }, "json"),
    encodeBody({ status: "online", version: "x", boot_time: 1 }, "cbor"),
  ];
  let decoded = 0;
  for (let i = 0; i < 50_000; i++) {
    const b = Uint8Array.from(seeds[rnd() % seeds.length]);
    for (let e = 1 + (rnd() % 3); e > 0; e--) b[rnd() % b.length] = rnd() & 0xff;
    const cut = rnd() % 4 === 0 ? b.subarray(0, rnd() % b.length) : b;
    let d;
    try {
      d = decodeBody(cut);
      if (d.ok) {
        decoded++;
        w.peerState(`gw-${i % 7}`, "VI_1", snapshotKeyOf(d.value));
      } else expect(d.error.length).toBeGreaterThan(0);
    } catch (err) {
      throw new Error(`iteration ${i} (seed ${SEED}) threw: ${(err as Error).message}`);
    }
  }
  expect(decoded).toBeGreaterThan(1000); // mutations reach the witness, not only the decoder
});

const servers: Array<{ stop(b?: boolean): void }> = [];
afterAll(() => servers.forEach((s) => s.stop(true)));

test(`SMTP replies: 300 seeded garbage servers give an SmtpError, never an exception or a hang (seed ${SEED})`, async () => {
  const rnd = prng(SEED ^ 0x5317);
  const script: string[] = [];
  const server = Bun.listen({
    hostname: "127.0.0.1", port: 0,
    socket: {
      open(s) {
        // Sometimes a valid greeting first, so later replies get fuzzed too.
        const text = script.shift() ?? "";
        s.write(text);
        s.end();
      },
      data() {},
    },
  });
  servers.push(server);
  const alphabet = "0123456789 -\r\n250220354550abc.";
  for (let i = 0; i < 300; i++) {
    let t = rnd() % 2 ? "220 ok\r\n" : "";
    const n = rnd() % 60;
    for (let j = 0; j < n; j++) t += alphabet[rnd() % alphabet.length];
    script.push(t);
    try {
      await sendMail({ server: "127.0.0.1", port: server.port, connectTimeoutMs: 2000, helo: "h", from: "a@b", to: ["c@d"] }, { subject: "s", body: "b", date: new Date(0) });
      throw new Error(`iteration ${i}: garbage server accepted a mail: ${JSON.stringify(t)}`);
    } catch (e) {
      if (!(e instanceof SmtpError)) throw new Error(`iteration ${i} (seed ${SEED}) threw ${(e as Error).name}: ${(e as Error).message} for ${JSON.stringify(t)}`);
    }
  }
}, 60_000);
