// The kernel's process events connector (NETLINK_CONNECTOR, CN_IDX_PROC;
// linux/connector.h, linux/cn_proc.h): fork, exec, comm change and exit of every
// process, as keepalived's track_process uses it. Root only, and only in the
// initial network namespace: the connector is registered in init_net, so in any
// other namespace subscribing fails (ECONNREFUSED, measured on 6.18); callers
// then fall back to reading /proc.
import { ffiBytes } from "./ffi-memory.ts";
import { NetlinkSocket } from "./netlink/socket.ts";
import { NetlinkDecodeError } from "./netlink/attr.ts";
import { Errno, SysError } from "./errno.ts";

export const NETLINK_CONNECTOR = 11;
export const CN_IDX_PROC = 1;
export const CN_VAL_PROC = 1;
const PROC_CN_MCAST_LISTEN = 1;
const NLMSG_DONE = 3;
export const PROC_EVENT_FORK = 0x1;
export const PROC_EVENT_EXEC = 0x2;
export const PROC_EVENT_COMM = 0x200;
export const PROC_EVENT_EXIT = 0x80000000;

/** struct cn_msg: id {idx, val}, seq, ack, len (u16), flags (u16) */
const CN_MSG_SIZE = 20;
/** struct proc_event up to event_data: what, cpu, timestamp_ns */
const PROC_EVENT_HDR = 16;

export interface ProcEventSink {
  /** a process (not a thread) was forked: parent and child are thread-group ids */
  fork(parentTgid: number, childTgid: number): void;
  exec(tgid: number): void;
  /** the process renamed itself (prctl PR_SET_NAME / /proc/PID/comm) */
  comm(tgid: number, comm: string): void;
  exit(tgid: number): void;
  /** the kernel dropped events (ENOBUFS): counts must be rebuilt from /proc */
  overrun(): void;
}

const decoder = new TextDecoder();

/**
 * Decodes one connector message's payload (after the nlmsghdr) into a `sink`
 * call. Thread events (pid != tgid) are skipped as keepalived skips them.
 * Throws NetlinkDecodeError on a malformed message.
 */
export function decodeProcEvent(p: Uint8Array, sink: ProcEventSink): void {
  if (p.length < CN_MSG_SIZE) throw new NetlinkDecodeError("proc connector", `payload ${p.length} bytes, need ${CN_MSG_SIZE} for cn_msg`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const idx = dv.getUint32(0, true);
  const val = dv.getUint32(4, true);
  const dlen = dv.getUint16(16, true);
  if (CN_MSG_SIZE + dlen > p.length) throw new NetlinkDecodeError("proc connector", `cn_msg len ${dlen} overruns the ${p.length - CN_MSG_SIZE} bytes after it`);
  if (idx !== CN_IDX_PROC || val !== CN_VAL_PROC || dlen < PROC_EVENT_HDR) return;
  const what = dv.getUint32(CN_MSG_SIZE, true);
  const d = CN_MSG_SIZE + PROC_EVENT_HDR;
  const need = (n: number) => {
    if (PROC_EVENT_HDR + n > dlen) throw new NetlinkDecodeError("proc connector", `event 0x${what.toString(16)} needs ${PROC_EVENT_HDR + n} bytes, has ${dlen}`);
  };
  switch (what) {
    case PROC_EVENT_FORK: {
      need(16);
      const childPid = dv.getUint32(d + 8, true);
      const childTgid = dv.getUint32(d + 12, true);
      if (childPid === childTgid) sink.fork(dv.getUint32(d + 4, true), childTgid);
      break;
    }
    case PROC_EVENT_EXEC:
      need(8);
      if (dv.getUint32(d, true) === dv.getUint32(d + 4, true)) sink.exec(dv.getUint32(d + 4, true));
      break;
    case PROC_EVENT_COMM: {
      need(24);
      if (dv.getUint32(d, true) === dv.getUint32(d + 4, true)) {
        let end = d + 8;
        while (end < d + 24 && p[end] !== 0) end++;
        sink.comm(dv.getUint32(d + 4, true), decoder.decode(p.subarray(d + 8, end)));
      }
      break;
    }
    case PROC_EVENT_EXIT:
      need(8);
      if (dv.getUint32(d, true) === dv.getUint32(d + 4, true)) sink.exit(dv.getUint32(d + 4, true));
      break;
    default:
      break;
  }
}

export class ProcConnector {
  private readonly sock: NetlinkSocket;

  /** Subscribes to process events; throws SysError where the connector is unavailable. */
  constructor() {
    this.sock = new NetlinkSocket(NETLINK_CONNECTOR, { nonblocking: true, groups: [CN_IDX_PROC], rcvbuf: 4 << 20, bufferSize: 64 * 1024 });
    try {
      const msg = ffiBytes(16 + CN_MSG_SIZE + 4);
      const dv = new DataView(msg.buffer);
      dv.setUint32(0, msg.length, true);
      dv.setUint16(4, NLMSG_DONE, true);
      dv.setUint32(16, CN_IDX_PROC, true);
      dv.setUint32(20, CN_VAL_PROC, true);
      dv.setUint16(32, 4, true);
      dv.setUint32(36, PROC_CN_MCAST_LISTEN, true);
      this.sock.send(msg, "subscribe to process events (PROC_CN_MCAST_LISTEN)");
    } catch (e) {
      this.sock.close();
      throw e;
    }
  }

  get fd(): number {
    return this.sock.fd;
  }

  /** Drains queued events into `sink` (at most `maxDatagrams` reads). Returns how many datagrams were read. */
  drain(sink: ProcEventSink, maxDatagrams = 256): number {
    let n = 0;
    for (; n < maxDatagrams; n++) {
      let ms;
      try {
        ms = this.sock.tryReceive("process events");
      } catch (e) {
        if (e instanceof SysError && e.errno === Errno.ENOBUFS) {
          sink.overrun();
          continue;
        }
        if (e instanceof NetlinkDecodeError) {
          sink.overrun(); // a datagram we cannot read: do not trust the counts
          continue;
        }
        throw e;
      }
      if (ms === null) break;
      for (const m of ms) {
        if (m.type === 1 || m.type === 2) continue; // NLMSG_NOOP, NLMSG_ERROR
        try {
          decodeProcEvent(m.payload, sink);
        } catch (e) {
          if (!(e instanceof NetlinkDecodeError)) throw e;
          sink.overrun();
        }
      }
    }
    return n;
  }

  close(): void {
    this.sock.close();
  }
}
