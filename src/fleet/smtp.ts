// A minimal SMTP client (RFC 5321) for keepalived-style alerts: greeting, EHLO
// (HELO if the server refuses EHLO, §4.1.1.1), MAIL FROM, RCPT TO per recipient,
// DATA with dot-stuffing (§4.5.2), QUIT. Plain TCP to the configured relay, as
// keepalived does. Every reply wait is bounded by the connect timeout, so a
// wedged server costs one timeout, never a hang.
import { errorText } from "../error-text.ts";

export interface SmtpSettings {
  server: string;
  port: number;
  connectTimeoutMs: number;
  helo: string;
  from: string;
  to: string[];
}

export interface MailMessage {
  subject: string;
  body: string;
  /** RFC 5322 date; injected so messages are reproducible */
  date: Date;
}

export class SmtpError extends Error {
  override name = "SmtpError";
}

interface Reply {
  code: number;
  text: string;
}

/** Reads CRLF lines and assembles multi-line replies ("250-..." ... "250 ..."). */
class ReplyReader {
  private buf = "";
  private lines: string[] = [];
  private waiter?: () => void;
  closed = false;

  feed(chunk: string) {
    this.buf += chunk;
    let i: number;
    while ((i = this.buf.indexOf("\n")) >= 0) {
      this.lines.push(this.buf.slice(0, i).replace(/\r$/, ""));
      this.buf = this.buf.slice(i + 1);
    }
    if (this.buf.length > 4096) this.close(); // no sane reply line is this long
    this.waiter?.();
  }
  close() {
    this.closed = true;
    this.waiter?.();
  }
  async next(timeoutMs: number, step: string): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    const text: string[] = [];
    for (;;) {
      const line = this.lines.shift();
      if (line !== undefined) {
        const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
        if (!m) throw new SmtpError(`${step}: malformed reply line '${line.slice(0, 80)}'`);
        text.push(m[3]);
        if (m[2] !== "-") return { code: Number(m[1]), text: text.join("\n") };
        continue;
      }
      if (this.closed) throw new SmtpError(`${step}: connection closed by server`);
      const left = deadline - Date.now();
      if (left <= 0) throw new SmtpError(`${step}: no reply within ${timeoutMs} ms`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiter = () => { clearTimeout(t); this.waiter = undefined; res(); };
      });
    }
  }
}

/** Header-safe: a CR or LF in a subject would let content inject headers. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}

export function formatMessage(s: SmtpSettings, m: MailMessage): string {
  const head = [
    `From: ${oneLine(s.from)}`,
    `To: ${s.to.map(oneLine).join(", ")}`,
    `Subject: ${oneLine(m.subject)}`,
    `Date: ${m.date.toUTCString().replace("GMT", "+0000")}`,
    "X-Mailer: vigil",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: 8bit",
  ];
  const body = m.body.replace(/\r?\n/g, "\r\n");
  // RFC 5321 §4.5.2: a line starting with "." gets one more.
  return `${head.join("\r\n")}\r\n\r\n${body}`.split("\r\n").map((l) => (l.startsWith(".") ? `.${l}` : l)).join("\r\n");
}

export async function sendMail(s: SmtpSettings, m: MailMessage): Promise<void> {
  if (s.to.length === 0) throw new SmtpError("no notification_email recipients");
  const reader = new ReplyReader();
  const dec = new TextDecoder();
  let connectTimer: ReturnType<typeof setTimeout> | undefined;
  let onDrain: (() => void) | undefined;
  const socket = await Promise.race([
    Bun.connect({
      hostname: s.server,
      port: s.port,
      socket: {
        data: (_s, chunk) => reader.feed(dec.decode(chunk, { stream: true })),
        close: () => { reader.close(); onDrain?.(); },
        error: () => { reader.close(); onDrain?.(); },
        drain: () => onDrain?.(),
      },
    }),
    new Promise<never>((_, rej) => { connectTimer = setTimeout(() => rej(new SmtpError(`connect to ${s.server}:${s.port}: timed out after ${s.connectTimeoutMs} ms`)), s.connectTimeoutMs); }),
  ]).catch((e) => {
    throw e instanceof SmtpError ? e : new SmtpError(`connect to ${s.server}:${s.port}: ${errorText(e)}`);
  }).finally(() => clearTimeout(connectTimer));

  const expect = async (step: string, ok: (c: number) => boolean) => {
    const r = await reader.next(s.connectTimeoutMs, step);
    if (!ok(r.code)) throw new SmtpError(`${step}: server replied ${r.code} ${r.text}`);
    return r;
  };
  // Bun's socket.write may take only part of the data when the kernel buffer is full.
  const write = async (text: string) => {
    let rest = new TextEncoder().encode(text);
    while (rest.length > 0) {
      if (reader.closed) throw new SmtpError("connection closed by server while sending");
      const n = socket.write(rest);
      rest = rest.subarray(Math.max(0, n));
      if (rest.length > 0) {
        await new Promise<void>((res) => {
          const t = setTimeout(res, s.connectTimeoutMs);
          onDrain = () => { clearTimeout(t); onDrain = undefined; res(); };
        });
      }
    }
  };
  const send = (line: string) => write(`${line}\r\n`);
  try {
    await expect("greeting", (c) => c === 220);
    await send(`EHLO ${s.helo}`);
    const ehlo = await reader.next(s.connectTimeoutMs, "EHLO");
    if (ehlo.code !== 250) {
      await send(`HELO ${s.helo}`);
      await expect("HELO", (c) => c === 250);
    }
    await send(`MAIL FROM:<${oneLine(s.from)}>`);
    await expect("MAIL FROM", (c) => c === 250);
    for (const rcpt of s.to) {
      await send(`RCPT TO:<${oneLine(rcpt)}>`);
      await expect(`RCPT TO <${rcpt}>`, (c) => c === 250 || c === 251);
    }
    await send("DATA");
    await expect("DATA", (c) => c === 354);
    await write(`${formatMessage(s, m)}\r\n.\r\n`);
    await expect("end of data", (c) => c === 250);
    await send("QUIT");
    await reader.next(s.connectTimeoutMs, "QUIT").catch(() => {}); // the mail is already accepted
  } finally {
    socket.end();
  }
}
