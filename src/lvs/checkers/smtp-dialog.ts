// The SMTP_CHECK conversation (keepalived 2.2.7 check_smtp.c), pure: bytes in,
// bytes to send and the verdict out. Read the greeting and expect 220, send
// HELO <helo_name>, expect 250, send QUIT and wait for its answer, whatever it
// says. Replies are read as RFC 5321 §4.2.1 has them: "ddd-text" lines go on,
// "ddd text" (or "ddd") ends the reply; keepalived reads only the first line,
// so a multi-line 220 greeting fails there and passes here.
import type { CheckOutcome } from "../scheduler.ts";

/** RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its CRLF (keepalived SMTP_BUFF_MAX). */
export const SMTP_LINE_MAX = 512;
/** lines of one multi-line reply before it is refused (a bound, not an SMTP rule) */
const MAX_REPLY_LINES = 64;

type Stage = "greeting" | "helo" | "quit" | "done";

export interface DialogStep {
  /** bytes to write now */
  send?: Uint8Array;
  /** the check is decided */
  done?: CheckOutcome;
}

const encoder = new TextEncoder();
const QUIT = encoder.encode("QUIT\r\n");

export class SmtpDialog {
  private stage: Stage = "greeting";
  private line = "";
  private lines = 0;
  private readonly helo: Uint8Array;

  constructor(heloName: string) {
    this.helo = encoder.encode(`HELO ${heloName}\r\n`);
  }

  get finished(): boolean {
    return this.stage === "done";
  }

  /** What the server said up to its EOF means, when it closes first. */
  closed(): CheckOutcome {
    if (this.stage === "done") return { ok: true };
    return { ok: false, reason: `connection closed ${this.stage === "greeting" ? "before the greeting" : this.stage === "helo" ? "before the HELO reply" : "before the QUIT reply"}` };
  }

  /** Feeds received bytes; at most one step results per reply line. */
  feed(chunk: Uint8Array): DialogStep {
    const out: DialogStep = {};
    for (let i = 0; i < chunk.length && this.stage !== "done"; i++) {
      const ch = chunk[i]!;
      if (ch !== 0x0a) {
        // a line past the limit is dropped and read on (keepalived wraps its buffer the same way)
        if (this.line.length < SMTP_LINE_MAX) this.line += String.fromCharCode(ch);
        continue;
      }
      const text = this.line.replace(/\r$/, "");
      this.line = "";
      const step = this.reply(text);
      if (step.send) out.send = out.send ? concat(out.send, step.send) : step.send;
      if (step.done) return { ...out, done: step.done };
    }
    return out;
  }

  private reply(text: string): DialogStep {
    if (this.stage === "quit") {
      // keepalived takes any line after QUIT as the end of a good conversation
      this.stage = "done";
      return { done: { ok: true } };
    }
    const m = /^(\d{3})([ -]|$)/.exec(text);
    if (!m) return this.fail(`malformed SMTP reply '${clip(text)}'`);
    if (m[2] === "-") {
      if (++this.lines > MAX_REPLY_LINES) return this.fail(`SMTP reply of more than ${MAX_REPLY_LINES} lines`);
      return {};
    }
    this.lines = 0;
    const code = Number(m[1]);
    if (this.stage === "greeting") {
      if (code !== 220) return this.fail(`SMTP greeting ${code}, expected 220: '${clip(text)}'`);
      this.stage = "helo";
      return { send: this.helo };
    }
    if (code !== 250) return this.fail(`HELO answered ${code}, expected 250: '${clip(text)}'`);
    this.stage = "quit";
    return { send: QUIT };
  }

  private fail(reason: string): DialogStep {
    this.stage = "done";
    return { done: { ok: false, reason } };
  }
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const c = new Uint8Array(a.length + b.length);
  c.set(a);
  c.set(b, a.length);
  return c;
}
