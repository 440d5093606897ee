// A real server for the end-to-end IPVS tests: answers any HTTP request with
// its name and both ends of the TCP connection as it sees them, which is what
// tells NAT (local = the real server's own address) from DR (local = the VIP on
// lo) and shows the client's address survived the director.
// Usage: bun test/vm/rs-server.ts NAME PORT [PORT...]   (run inside a namespace)
import { createServer } from "node:net";

const [name, ...ports] = process.argv.slice(2);
if (!name || ports.length === 0) {
  console.error("usage: rs-server.ts NAME PORT [PORT...]");
  process.exit(2);
}
for (const p of ports) {
  createServer((sock) => {
    sock.once("data", () => {
      const body = `${name} local=${sock.localAddress}:${sock.localPort} remote=${sock.remoteAddress}\n`;
      sock.end(`HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    });
    sock.on("error", () => sock.destroy());
  }).listen(Number(p), "0.0.0.0", () => console.log(`listening ${p}`));
}
