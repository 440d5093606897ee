// Load target for checkers.bench.ts: a separate process (so its CPU is not
// counted against the checkers) answering every request on LISTENERS loopback
// ports: a small HTTP/1.0 page, then close. argv: listeners, lifetime in ms,
// address (default 127.0.0.1). Prints the ports as JSON.
const n = Number(process.argv[2] ?? 40);
const ports: number[] = [];
const body = "HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\nvigil bench\n";
for (let i = 0; i < n; i++) {
  const l = Bun.listen({
    hostname: process.argv[4] ?? "127.0.0.1",
    port: 0,
    socket: {
      data(s) {
        s.write(body);
        s.end();
      },
      error() {},
    },
  });
  ports.push(l.port);
}
console.log(JSON.stringify(ports));
// lives until the parent kills it by PID; bounded anyway
setTimeout(() => process.exit(0), Number(process.argv[3] ?? 120_000));
