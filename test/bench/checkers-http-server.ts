// Load target for checkers.bench.ts: a separate process (so its CPU is not
// counted against the checkers) answering every request on LISTENERS loopback
// ports: a small HTTP/1.0 page, then close. argv: listeners, lifetime in ms,
// address (default 127.0.0.1), flap period in ms (default 0: never). Prints the
// ports as JSON. With a flap period, every period the odd-numbered listeners stop
// (connections refused: their checkers fail) or start again on the same ports.
const n = Number(process.argv[2] ?? 40);
const ports: number[] = [];
const body = "HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\nvigil bench\n";
const listen = (port: number) => Bun.listen({
  hostname: process.argv[4] ?? "127.0.0.1",
  port,
  socket: {
    data(s) {
      s.write(body);
      s.end();
    },
    error() {},
  },
});
const listeners = Array.from({ length: n }, () => listen(0));
for (const l of listeners) ports.push(l.port);
const flapMs = Number(process.argv[5] ?? 0);
if (flapMs > 0) {
  let down = false;
  setInterval(() => {
    down = !down;
    for (let i = 1; i < n; i += 2) {
      if (down) listeners[i]!.stop(true);
      else listeners[i] = listen(ports[i]!);
    }
  }, flapMs);
}
console.log(JSON.stringify(ports));
// lives until the parent kills it by PID; bounded anyway
setTimeout(() => process.exit(0), Number(process.argv[3] ?? 120_000));
