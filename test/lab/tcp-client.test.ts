// src/sys/tcp-client.ts against real loopback servers: the raw-syscall client
// the HTTP_GET/TCP_CHECK checkers use for address literals.
import { afterAll, describe, expect, test } from "bun:test";
import { TcpClient, type TcpClientHandler, type TcpClientTarget } from "../../src/sys/tcp-client.ts";

const LO: Uint8Array = new Uint8Array([127, 0, 0, 1]);
const servers: { stop(force?: boolean): void }[] = [];
afterAll(() => servers.forEach((s) => s.stop(true)));

/** Collects what a connection's handler sees; `done` settles on closed/failed. */
function recorder() {
  const seen: string[] = [];
  let bytes = 0;
  let settle!: () => void;
  const done = new Promise<void>((r) => (settle = r));
  const h: TcpClientHandler & { seen: string[]; bytes: () => number; done: Promise<void> } = {
    seen,
    bytes: () => bytes,
    done,
    expired() {
      seen.push("expired");
    },
    connected() {
      seen.push("connected");
    },
    data(chunk) {
      bytes += chunk.length;
      if (seen.at(-1) !== "data") seen.push("data");
    },
    closed() {
      seen.push("closed");
      settle();
    },
    failed(m) {
      seen.push(`failed: ${m}`);
      settle();
    },
  };
  return h;
}

function listen(data: (s: Bun.Socket<{ n: number }>, b: Buffer) => void, open?: (s: Bun.Socket<{ n: number }>) => void) {
  const l = Bun.listen<{ n: number }>({ hostname: "127.0.0.1", port: 0, socket: { open(s) { s.data = { n: 0 }; open?.(s); }, data, error() {} } });
  servers.push(l);
  return l.port;
}

const target = (port: number): TcpClientTarget => ({ family: 4, address: LO, port });

async function until(what: string, f: () => boolean, ms = 5000) {
  const end = performance.now() + ms;
  while (!f()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

describe("raw TCP client", () => {
  test("connect, request, answer, EOF: the handler sees them in order", async () => {
    const port = listen((s) => {
      s.write("pong");
      s.end();
    });
    const c = new TcpClient();
    const h = recorder();
    const conn = c.connect(target(port), h);
    h.connected = () => {
      h.seen.push("connected");
      conn.write(new TextEncoder().encode("ping"));
    };
    await h.done;
    expect(h.seen).toEqual(["connected", "data", "closed"]);
    expect(h.bytes()).toBe(4);
    expect(c.size).toBe(0);
  });

  test("a request larger than the socket buffers arrives whole (EPOLLOUT resumes the write)", async () => {
    const SIZE = 8 * 1024 * 1024;
    const port = listen((s, b) => {
      s.data.n += b.length;
      if (s.data.n >= SIZE) {
        s.write(String(s.data.n));
        s.end();
      }
    });
    const c = new TcpClient();
    const h = recorder();
    let answer = "";
    h.data = (chunk) => {
      answer += new TextDecoder().decode(chunk);
    };
    const conn = c.connect(target(port), h);
    h.connected = () => conn.write(new Uint8Array(SIZE).fill(0x61));
    await h.done;
    expect(answer).toBe(String(SIZE));
  });

  test("a refused connection fails with the reason, after connect() has returned", async () => {
    const port = listen(() => {});
    servers.pop()!.stop(true); // the port is now closed
    const c = new TcpClient();
    const h = recorder();
    c.connect(target(port), h);
    expect(h.seen).toEqual([]); // never from inside connect()
    await h.done;
    expect(h.seen).toEqual(["failed: connection refused (ECONNREFUSED)"]);
  });

  test("binding a source address this host does not have fails with EADDRNOTAVAIL (nothing is sent)", async () => {
    const c = new TcpClient();
    const h = recorder();
    c.connect({ ...target(9), localAddress: new Uint8Array([198, 18, 254, 254]) }, h);
    await h.done;
    expect(h.seen).toEqual(["failed: cannot assign the source address (EADDRNOTAVAIL)"]);
  });

  test("expiry: a silent server's connection reaches the handler at expiresAt, within a poll period", async () => {
    const port = listen(() => {});
    const c = new TcpClient();
    const h = recorder();
    const conn = c.connect(target(port), h);
    const t0 = performance.now();
    conn.expiresAt = t0 + 100;
    let at = 0;
    h.expired = (now) => {
      at = now;
      conn.close();
    };
    await until("expiry", () => at > 0);
    expect(at).toBeGreaterThanOrEqual(t0 + 100);
    expect(h.seen).toEqual(["connected"]);
    expect(c.size).toBe(0);
  });

  test("a descriptor closed and reused inside one poll batch never receives the old connection's events", async () => {
    // two servers greet on accept, so each connection's first event is
    // writable+readable at once; whichever is handled first closes the other
    // and opens a third connection to a closed port: the kernel hands it the
    // just-freed descriptor while the batch still holds the other's event
    const greeter = listen(() => {}, (s) => s.write("hello"));
    const closedPort = listen(() => {});
    servers.pop()!.stop(true);
    const c = new TcpClient();
    const ha = recorder();
    const hb = recorder();
    const hc = recorder();
    const a = c.connect(target(greeter), ha);
    const b = c.connect(target(greeter), hb);
    let third: ReturnType<TcpClient["connect"]> | undefined;
    const onData = (other: typeof a, h: typeof ha) => {
      h.data = () => {
        h.seen.push("data");
        if (third) return;
        other.close();
        third = c.connect(target(closedPort), hc);
      };
    };
    onData(b, ha);
    onData(a, hb);
    await Bun.sleep(50); // both greetings wait in the kernel; no poll has run yet
    c.poll();
    expect(third).toBeDefined();
    const closed = a.isClosed ? a : b;
    expect(third!.fd).toBe(closed.fd);
    await hc.done;
    // the old connection's "connected + data" must not have reached the new one
    expect(hc.seen).toEqual(["failed: connection refused (ECONNREFUSED)"]);
    (a.isClosed ? b : a).close();
  });
});
