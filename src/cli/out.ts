// The CLI's output: Bun's FileSink writers on fd 1 and 2.
// Why not process.stdout/stderr.write: the first touch of either builds Bun's
// node:stream Writable for the fd, about 8.5 ms of a cold start that is otherwise
// ~3.5 ms; node:fs writeSync costs ~1.4 ms of module loading
// (test/bench/cold-start.bench.ts measures the whole process). A sink is flushed
// after every write, so progress lines appear at once; main() awaits
// flushOutput() before process.exit(), so a slow reader still gets everything.
import type { FileSink } from "bun";

interface Out {
  sink?: FileSink;
  pending: Promise<unknown>[];
  /** the reader went away (EPIPE, `vigil ... | head`): nothing left to tell it */
  closed: boolean;
}

const streams: Record<1 | 2, Out> = { 1: { pending: [], closed: false }, 2: { pending: [], closed: false } };

function isBrokenPipe(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === "EPIPE";
}

function write(fd: 1 | 2, text: string): void {
  const o = streams[fd];
  if (o.closed) return;
  try {
    o.sink ??= (fd === 1 ? Bun.stdout : Bun.stderr).writer();
    o.sink.write(text);
    const r = o.sink.flush();
    // a reader slower than us: the rest goes out asynchronously, awaited by flushOutput()
    if (r instanceof Promise) o.pending.push(r.catch((e) => { if (isBrokenPipe(e)) o.closed = true; else throw e; }));
  } catch (e) {
    if (!isBrokenPipe(e)) throw e;
    o.closed = true;
  }
}

/** text to standard output */
export function writeOut(text: string): void {
  write(1, text);
}

/** text to standard error */
export function writeErr(text: string): void {
  write(2, text);
}

/** Resolves once everything written so far has reached the descriptors (or their reader left). */
export async function flushOutput(): Promise<void> {
  for (const fd of [1, 2] as const) {
    const o = streams[fd];
    while (o.pending.length) await o.pending.shift();
    if (o.sink && !o.closed) {
      try {
        await o.sink.flush();
      } catch (e) {
        if (!isBrokenPipe(e)) throw e;
      }
    }
  }
}
