// Fuzz: the health checks' parsers (HTTP responses, command lines, DNS replies)
// on seeded random and mutated input: a result or their own error, never a crash.
import { describe, expect, test } from "bun:test";
import { HttpResponseError, HttpResponseReader } from "../../src/lvs/checkers/http-response.ts";
import { splitCommandLine } from "../../src/lvs/checkers/command-line.ts";
import { encodeQuery, judgeReply } from "../../src/lvs/checkers/dns-codec.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("HTTP response reader", () => {
  test("fuzz: random bytes and mutated responses never throw anything but HttpResponseError (seeded)", () => {
    let seed = 0xc0ffee;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const good = enc("HTTP/1.0 200 OK\r\nContent-Length: 12\r\nX: y\r\n\r\nhello world!");
    for (let i = 0; i < 3000; i++) {
      let buf: Uint8Array;
      if (i % 2) {
        buf = good.slice();
        const flips = 1 + Math.floor(rnd() * 6);
        for (let f = 0; f < flips; f++) buf[Math.floor(rnd() * buf.length)] = Math.floor(rnd() * 256);
      } else {
        buf = new Uint8Array(Math.floor(rnd() * 300));
        for (let j = 0; j < buf.length; j++) buf[j] = rnd() < 0.2 ? [13, 10, 32, 58][Math.floor(rnd() * 4)]! : Math.floor(rnd() * 256);
      }
      const r = new HttpResponseReader(rnd() < 0.5, { maxHeaderBytes: 128, maxBodyBytes: 64 });
      try {
        let off = 0;
        while (off < buf.length && !r.done) {
          const n = 1 + Math.floor(rnd() * 40);
          r.feed(buf.subarray(off, off + n));
          off += n;
        }
        const res = r.finish();
        expect(res.status).toBeGreaterThanOrEqual(0);
        expect(res.status).toBeLessThan(1000);
      } catch (e) {
        if (!(e instanceof HttpResponseError)) throw new Error(`iteration ${i}: unexpected ${(e as Error).stack}`);
      }
    }
  });
});

describe("script command lines", () => {
  test("fuzz: random lines split or fail with a message, never crash (seeded)", () => {
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const alphabet = ` \t"'\\ab/-`;
    for (let i = 0; i < 3000; i++) {
      let s = "";
      const n = Math.floor(rnd() * 20);
      for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      try {
        const argv = splitCommandLine(s);
        expect(argv.length).toBeGreaterThan(0);
      } catch (e) {
        expect((e as Error).message).toMatch(/unterminated|empty/);
      }
    }
  });
});

describe("DNS_CHECK codec", () => {
  test("fuzz: random datagrams never throw (seeded)", () => {
    let seed = 99;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 3000; i++) {
      const b = new Uint8Array(Math.floor(rnd() * 40));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256);
      const v = judgeReply(Math.floor(rnd() * 65536), b);
      expect([true, false, "ignore"]).toContain(v.ok);
    }
  });
});
