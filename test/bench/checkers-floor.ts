// The kernel's share of a health check, measured in-process: connect + GET +
// read + close on raw non-blocking sockets, bursts of 50, one blocking
// epoll_wait per burst, no checker logic and nothing allocated per exchange.
// It costs what the same loop in C costs (measured here: within a few µs of
// a gcc -O2 build), so "checker / floor" is vigil's own overhead and the
// floor itself is what this machine's kernel charges for a loopback exchange
// (both ends of the TCP handshake run in the client's syscalls on loopback).
import { EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLOUT, EPOLLRDHUP, MSG_NOSIGNAL, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM, AF_INET } from "../../src/sys/abi.ts";
import { Epoll } from "../../src/sys/epoll.ts";
import { libc } from "../../src/sys/libc.ts";
import { inetSockaddrInto, sockaddrIn } from "../../src/sys/sockaddr.ts";
import { mkdirSync } from "node:fs";

const sym = libc.symbols;

/** CPU µs per exchange (user + system) over `n` exchanges with 127.0.0.1:port. */
export function rawFloorUs(port: number, n: number, burst = 50): number {
  const lo = new Uint8Array([127, 0, 0, 1]);
  const sa = inetSockaddrInto(sockaddrIn(lo), 4, lo, port);
  const req = new TextEncoder().encode("GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1\r\n\r\n");
  const rx = new Uint8Array(4096);
  const ep = new Epoll(64);
  const sent = new Uint8Array(65536);
  const round = (count: number) => {
    let done = 0;
    while (done < count) {
      let open = 0;
      for (; open < burst && done + open < count; open++) {
        const fd = sym.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new Error("socket failed");
        sym.connect(fd, sa, sa.length);
        sent[fd] = 0;
        ep.add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, fd);
      }
      while (open > 0) {
        const k = ep.wait(1000);
        if (k === 0) throw new Error("floor: no progress in 1 s");
        for (let i = 0; i < k; i++) {
          const ev = ep.eventsAt(i);
          const fd = ep.loAt(i);
          if (ev & EPOLLERR) {
            sym.close(fd);
            open--;
            done++;
            continue;
          }
          if (!sent[fd] && ev & EPOLLOUT) {
            sym.send(fd, req, req.length, MSG_NOSIGNAL);
            sent[fd] = 1;
          }
          if (sent[fd] && ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) {
            sym.recv(fd, rx, rx.length, 0);
            sym.close(fd);
            open--;
            done++;
          }
        }
      }
    }
  };
  try {
    round(Math.min(n, 2000)); // warm up
    const c0 = process.cpuUsage();
    round(n);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  } finally {
    ep.close();
  }
}

/**
 * checkers-floor-rate.c, built with the host's cc into build/: `rate` exchanges
 * per second against the bench's first listener, in batches every `grainMs`, for
 * `seconds`. Undefined (with a note) when no C compiler is there.
 */
export function cFloorAtRate(ports: number[], rate: number, grainMs: number, seconds: number):
  { exchanges: number; failed: number; usPerExchange: number; userUs: number; sysUs: number } | undefined {
  const root = `${import.meta.dir}/../..`;
  const bin = `${root}/build/checkers-floor-rate`;
  mkdirSync(`${root}/build`, { recursive: true });
  const cc = Bun.spawnSync(["cc", "-O2", "-o", bin, `${import.meta.dir}/checkers-floor-rate.c`], { stderr: "pipe" });
  if (cc.exitCode !== 0) {
    console.log(`C floor skipped: cc failed: ${cc.stderr.toString().trim().split("\n")[0]}`);
    return undefined;
  }
  const r = Bun.spawnSync([bin, String(ports[0]), String(rate), String(grainMs), String(seconds)], { stdout: "pipe", stderr: "inherit", timeout: (seconds + 30) * 1000 });
  if (r.exitCode !== 0) {
    console.log(`C floor failed: exit ${r.exitCode}`);
    return undefined;
  }
  return JSON.parse(r.stdout.toString().trim());
}
