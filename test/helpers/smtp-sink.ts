// Test helper: a local SMTP server on 127.0.0.1 that records what it is sent.
// Behaviour knobs let tests provoke the client's error paths: an old server
// without EHLO, a refused recipient, a server that never greets.
export interface SunkMail {
  helo: string;
  from: string;
  to: string[];
  /** DATA as received on the wire, dot-stuffing undone, without the final "." line */
  data: string;
}

export interface SinkOptions {
  noEhlo?: boolean;
  rejectRcpt?: string;
  silent?: boolean;
}

type Conn = { buf: string; mode: "cmd" | "data"; helo: string; from: string; to: string[]; data: string[] };

export class SmtpSink {
  readonly mails: SunkMail[] = [];
  readonly commands: string[] = [];
  private server?: import("bun").TCPSocketListener<Conn>;

  constructor(readonly opts: SinkOptions = {}) {}

  get port(): number {
    return this.server!.port;
  }

  start(): this {
    this.server = Bun.listen<Conn>({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        open: (s) => {
          s.data = { buf: "", mode: "cmd", helo: "", from: "", to: [], data: [] };
          if (!this.opts.silent) s.write("220 sink.test ESMTP ready\r\n");
        },
        data: (s, chunk) => {
          const c = s.data;
          c.buf += new TextDecoder().decode(chunk);
          let i: number;
          while ((i = c.buf.indexOf("\r\n")) >= 0) {
            const line = c.buf.slice(0, i);
            c.buf = c.buf.slice(i + 2);
            this.line(s, c, line);
          }
        },
      },
    });
    return this;
  }

  private line(s: import("bun").Socket<Conn>, c: Conn, line: string) {
    if (c.mode === "data") {
      if (line === ".") {
        this.mails.push({ helo: c.helo, from: c.from, to: c.to, data: c.data.join("\r\n") });
        c.mode = "cmd";
        c.to = [];
        c.data = [];
        s.write("250 2.0.0 queued\r\n");
      } else c.data.push(line.startsWith(".") ? line.slice(1) : line);
      return;
    }
    this.commands.push(line);
    const verb = line.slice(0, 4).toUpperCase();
    if (verb === "EHLO") {
      if (this.opts.noEhlo) return void s.write("502 5.5.2 command not recognized\r\n");
      c.helo = line.slice(5);
      s.write("250-sink.test\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n");
    } else if (verb === "HELO") {
      c.helo = line.slice(5);
      s.write("250 sink.test\r\n");
    } else if (/^MAIL FROM:<(.*)>$/i.test(line)) {
      c.from = /^MAIL FROM:<(.*)>$/i.exec(line)![1];
      s.write("250 2.1.0 ok\r\n");
    } else if (/^RCPT TO:<(.*)>$/i.test(line)) {
      const to = /^RCPT TO:<(.*)>$/i.exec(line)![1];
      if (to === this.opts.rejectRcpt) return void s.write("550 5.1.1 no such user\r\n");
      c.to.push(to);
      s.write("250 2.1.5 ok\r\n");
    } else if (verb === "DATA") {
      c.mode = "data";
      s.write("354 end with <CRLF>.<CRLF>\r\n");
    } else if (verb === "QUIT") {
      s.write("221 2.0.0 bye\r\n");
      s.end();
    } else {
      s.write("502 5.5.2 command not recognized\r\n");
    }
  }

  stop() {
    this.server?.stop(true);
  }
}
