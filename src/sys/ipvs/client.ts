// The IPVS table over generic netlink (family "IPVS"), the way ipvsadm/libipvs
// talk to the kernel but without a process per rule: one socket, table reads
// as dumps, changes pipelined through NetlinkBatch. I/O only — what to change
// comes from the pure reconcile (src/lvs/reconcile.ts).
import { errorText } from "../../error-text.ts";
import { NLM_F_DUMP, NLM_F_REQUEST } from "../abi.ts";
import { Errno, SysError } from "../errno.ts";
import type { Attrs } from "../netlink/attr.ts";
import { beginGenl, type GenlFamily, openGenetlink, parseGenl, resolveFamily } from "../netlink/genetlink.ts";
import { MessageBuilder } from "../netlink/message.ts";
import type { NetlinkSocket } from "../netlink/socket.ts";
import type { IpvsDest, IpvsService, IpvsServiceKey } from "../../lvs/ipvs-model.ts";
import { destKeyString, serviceKeyString } from "../../lvs/ipvs-model.ts";
import { describeOp, type IpvsOp } from "../../lvs/reconcile.ts";
import { formatAddress } from "../../lvs/reconcile-address.ts";
import { parseAddress } from "../../net/ip-address.ts";
import { NetlinkBatch } from "./batch.ts";
import { RequestBuffer } from "./request-buffer.ts";
import {
  decodeDest, decodeService, IpvsDecodeError, writeDest, writeServiceFull, writeServiceKeyNest,
} from "./codec.ts";
import { decodeDestCounters, decodeStats, type IpvsServiceStats } from "./stats.ts";
import {
  IP_VS_IFNAME_MAXLEN, IP_VS_STATE, IPVS_CMD, IPVS_CMD_ATTR, IPVS_DAEMON_ATTR, IPVS_GENL_NAME, IPVS_GENL_VERSION, IPVS_INFO_ATTR,
  IPVS_SVC_ATTR,
} from "./constants.ts";
import { explainIpvsErrno, IpvsBatchError, IpvsError, type IpvsOpKind } from "./errors.ts";

export interface IpvsInfo {
  /** "1.2.1" */
  version: string;
  connTableSize: number;
}

export interface IpvsTimeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

export interface SyncDaemon {
  state: "master" | "backup";
  /** multicast interface */
  interface: string;
  syncId: number;
  maxLen?: number;
  group?: string;
  port?: number;
  ttl?: number;
}

export class IpvsClient {
  private readonly b = new MessageBuilder(4096);
  private readonly reqs = new RequestBuffer(64 * 1024);
  private readonly batch: NetlinkBatch;

  private constructor(private readonly sock: NetlinkSocket, readonly family: GenlFamily) {
    this.batch = new NetlinkBatch(sock);
  }

  /** Opens a socket and resolves the family; a kernel without IPVS gives IpvsError("resolve family IPVS", ENOENT). */
  static open(opts: { timeoutMs?: number } = {}): IpvsClient {
    const sock = openGenetlink({ timeoutMs: opts.timeoutMs ?? 10_000 });
    try {
      return new IpvsClient(sock, resolveFamily(sock, IPVS_GENL_NAME));
    } catch (e) {
      sock.close();
      throw wrap(e, "resolve", `resolve generic netlink family ${IPVS_GENL_NAME}`);
    }
  }

  close(): void {
    this.sock.close();
  }

  private begin(cmd: number, flags = NLM_F_REQUEST): MessageBuilder {
    return beginGenl(this.b, this.family.id, cmd, IPVS_GENL_VERSION, flags);
  }

  info(): IpvsInfo {
    const op = "get info";
    const replies = this.query(this.begin(IPVS_CMD.GET_INFO).finish(), "info", op);
    const m = replies[0];
    if (!m) throw new IpvsError(op, Errno.EPROTO, "kernel sent no reply");
    const a = parseGenl(m, "IPVS info").attrs;
    const v = a.u32(IPVS_INFO_ATTR.VERSION);
    if (v === undefined) throw new IpvsDecodeError("IPVS info", "missing IPVS_INFO_ATTR_VERSION");
    return { version: `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`, connTableSize: a.u32(IPVS_INFO_ATTR.CONN_TAB_SIZE) ?? 0 };
  }

  private dumpServices(): Attrs[] {
    const replies = this.query(this.begin(IPVS_CMD.GET_SERVICE, NLM_F_REQUEST | NLM_F_DUMP).finish(), "list-services", "list services");
    return replies.map((m) => {
      const svc = parseGenl(m, "IPVS service dump").attrs.nested(IPVS_CMD_ATTR.SERVICE);
      if (!svc) throw new IpvsDecodeError("IPVS service dump", "reply without IPVS_CMD_ATTR_SERVICE");
      return svc;
    });
  }

  private dumpDests(svc: IpvsServiceKey): Attrs[] {
    const what = `list dests of ${serviceKeyString(svc)}`;
    const b = this.begin(IPVS_CMD.GET_DEST, NLM_F_REQUEST | NLM_F_DUMP);
    writeServiceKeyNest(b, svc, what);
    const replies = this.query(b.finish(), "list-dests", what);
    return replies.map((m) => {
      const d = parseGenl(m, "IPVS dest dump").attrs.nested(IPVS_CMD_ATTR.DEST);
      if (!d) throw new IpvsDecodeError("IPVS dest dump", "reply without IPVS_CMD_ATTR_DEST");
      return d;
    });
  }

  /** Every virtual service, without dests. */
  listServices(): IpvsService[] {
    return this.dumpServices().map(decodeService);
  }

  listDests(svc: IpvsServiceKey): IpvsDest[] {
    return this.dumpDests(svc).map((d) => decodeDest(d, svc.family));
  }

  /** Traffic counters of every service and dest, plus each dest's connection counts (ipvsadm -Ln --stats). */
  stats(): IpvsServiceStats[] {
    return this.dumpServices().map((a) => {
      const svc = decodeService(a);
      return {
        service: serviceKeyString(svc),
        stats: decodeStats(a.nested(IPVS_SVC_ATTR.STATS64), a.nested(IPVS_SVC_ATTR.STATS)),
        dests: this.dumpDests(svc).map((d) => ({ dest: destKeyString(decodeDest(d, svc.family)), ...decodeDestCounters(d) })),
      };
    });
  }

  /** The whole table: services with their dests. */
  table(): IpvsService[] {
    return this.listServices().map((s) => ({ ...s, dests: this.listDests(s) }));
  }

  /**
   * Applies ops pipelined in as few datagrams as the window allows. Ops that fail
   * do not stop the others (each is its own kernel transaction); all failures
   * come back together as IpvsBatchError naming each operation.
   */
  apply(ops: IpvsOp[]): void {
    // encode everything first: a request vigil itself finds invalid fails the whole apply before anything is sent
    const reqs = this.encodeAll(ops);
    const failures = this.batch.run(reqs, "IPVS apply");
    if (failures.length === 0) return;
    const errors = failures.map((f) => {
      const o = ops[f.index]!;
      const ctx = o.op === "add-service" || o.op === "edit-service"
        ? { scheduler: o.service.scheduler }
        : "dest" in o ? { mixedFamily: o.dest.address.includes(":") !== (o.service.family === 6) } : {};
      return new IpvsError(describeOp(o), f.errno, explainIpvsErrno(o.op, f.errno, ctx), f.message);
    });
    throw errors.length === 1 ? errors[0]! : new IpvsBatchError(errors, ops.length);
  }

  /** Every op's request, back to back in the client's reusable request buffer (valid until the next call). */
  encodeAll(ops: IpvsOp[]): RequestBuffer {
    const reqs = this.reqs.clear();
    for (let i = 0; i < ops.length; i++) {
      try {
        this.encodeInto(reqs, ops[i]!);
      } catch (e) {
        reqs.abort();
        throw e;
      }
    }
    return reqs;
  }

  private encodeInto(r: RequestBuffer, o: IpvsOp): void {
    const what = () => describeOp(o);
    const id = this.family.id;
    switch (o.op) {
      case "add-service":
      case "edit-service":
        r.begin(id, o.op === "add-service" ? IPVS_CMD.NEW_SERVICE : IPVS_CMD.SET_SERVICE, IPVS_GENL_VERSION);
        writeServiceFull(r, o.service, what);
        break;
      case "delete-service":
        r.begin(id, IPVS_CMD.DEL_SERVICE, IPVS_GENL_VERSION);
        writeServiceKeyNest(r, o.service, what);
        break;
      default:
        r.begin(id, o.op === "add-dest" ? IPVS_CMD.NEW_DEST : o.op === "edit-dest" ? IPVS_CMD.SET_DEST : IPVS_CMD.DEL_DEST, IPVS_GENL_VERSION);
        writeServiceKeyNest(r, o.service, what);
        writeDest(r, o.service, o.dest, o.op !== "delete-dest", what);
    }
    r.end();
  }

  addService(s: IpvsService): void {
    this.apply([{ op: "add-service", service: s }, ...s.dests.map((dest) => ({ op: "add-dest" as const, service: s, dest }))]);
  }
  editService(s: IpvsService): void {
    this.apply([{ op: "edit-service", service: s }]);
  }
  deleteService(k: IpvsServiceKey): void {
    this.apply([{ op: "delete-service", service: k }]);
  }
  addDest(k: IpvsServiceKey, d: IpvsDest): void {
    this.apply([{ op: "add-dest", service: k, dest: d }]);
  }
  editDest(k: IpvsServiceKey, d: IpvsDest): void {
    this.apply([{ op: "edit-dest", service: k, dest: d }]);
  }
  deleteDest(k: IpvsServiceKey, d: Pick<IpvsDest, "address" | "port">): void {
    this.apply([{ op: "delete-dest", service: k, dest: { forward: "masq", weight: 0, upperThreshold: 0, lowerThreshold: 0, ...d } }]);
  }

  /** Connection timeouts in seconds (ipvsadm -L --timeout; keepalived's lvs_timeouts). */
  timeouts(): IpvsTimeouts {
    const replies = this.query(this.begin(IPVS_CMD.GET_CONFIG).finish(), "get-config", "get timeouts");
    const m = replies[0];
    if (!m) throw new IpvsError("get timeouts", Errno.EPROTO, "kernel sent no reply");
    const a = parseGenl(m, "IPVS config").attrs;
    return {
      tcp: a.u32(IPVS_CMD_ATTR.TIMEOUT_TCP) ?? 0,
      tcpFin: a.u32(IPVS_CMD_ATTR.TIMEOUT_TCP_FIN) ?? 0,
      udp: a.u32(IPVS_CMD_ATTR.TIMEOUT_UDP) ?? 0,
    };
  }

  /** Sets the given timeouts (seconds); an omitted one keeps its value (the kernel skips absent attributes). */
  setTimeouts(t: Partial<IpvsTimeouts>): void {
    const what = `set timeouts ${JSON.stringify(t)}`;
    const b = this.begin(IPVS_CMD.SET_CONFIG);
    for (const [key, attr] of [["tcp", IPVS_CMD_ATTR.TIMEOUT_TCP], ["tcpFin", IPVS_CMD_ATTR.TIMEOUT_TCP_FIN], ["udp", IPVS_CMD_ATTR.TIMEOUT_UDP]] as const) {
      const v = t[key];
      if (v === undefined) continue;
      // 0 would mean "unchanged" to the kernel: refuse it rather than silently do nothing
      if (!Number.isInteger(v) || v < 1 || v > 0x7fffffff) throw new IpvsError(what, Errno.EINVAL, `${key} timeout ${v} is not 1-2147483647 seconds`);
      b.u32(attr, v);
    }
    this.request(b.finish(), "set-config", what);
  }

  /** Removes every service and dest (ipvsadm -C), including ones vigil does not own. */
  flush(): void {
    this.request(this.begin(IPVS_CMD.FLUSH).finish(), "flush", "flush");
  }

  /** Starts the kernel's connection sync daemon (lvs_sync_daemon) as master or backup. */
  startDaemon(d: SyncDaemon): void {
    const what = `start sync daemon ${d.state} on ${d.interface} syncid ${d.syncId}`;
    if (d.interface.length === 0 || d.interface.length >= IP_VS_IFNAME_MAXLEN) throw new IpvsError(what, Errno.EINVAL, `interface name "${d.interface}" must be 1-15 characters`);
    if (!Number.isInteger(d.syncId) || d.syncId < 0 || d.syncId > 255) throw new IpvsError(what, Errno.EINVAL, `sync id ${d.syncId} is not 0-255`);
    const b = this.begin(IPVS_CMD.NEW_DAEMON);
    const n = b.nestStart(IPVS_CMD_ATTR.DAEMON);
    b.u32(IPVS_DAEMON_ATTR.STATE, d.state === "master" ? IP_VS_STATE.MASTER : IP_VS_STATE.BACKUP);
    b.string(IPVS_DAEMON_ATTR.MCAST_IFN, d.interface);
    b.u32(IPVS_DAEMON_ATTR.SYNC_ID, d.syncId);
    if (d.maxLen !== undefined) b.u16(IPVS_DAEMON_ATTR.SYNC_MAXLEN, d.maxLen);
    if (d.group !== undefined) {
      // IPv4 group as struct in_addr, IPv6 as struct in6_addr (kernel ≥ 4.3)
      let bytes: Uint8Array;
      try {
        bytes = parseAddress(d.group);
      } catch (e) {
        throw new IpvsError(what, Errno.EINVAL, errorText(e));
      }
      const multicast = bytes.length === 4 ? bytes[0]! >= 224 && bytes[0]! <= 239 : bytes[0] === 0xff;
      if (!multicast) throw new IpvsError(what, Errno.EINVAL, `sync group ${d.group} is not a multicast address`);
      b.bytes(bytes.length === 4 ? IPVS_DAEMON_ATTR.MCAST_GROUP : IPVS_DAEMON_ATTR.MCAST_GROUP6, bytes);
    }
    if (d.port !== undefined) b.u16(IPVS_DAEMON_ATTR.MCAST_PORT, d.port);
    if (d.ttl !== undefined) b.u8(IPVS_DAEMON_ATTR.MCAST_TTL, d.ttl);
    b.nestEnd(n);
    this.request(b.finish(), "start-daemon", what);
  }

  stopDaemon(state: "master" | "backup"): void {
    const b = this.begin(IPVS_CMD.DEL_DAEMON);
    const n = b.nestStart(IPVS_CMD_ATTR.DAEMON);
    b.u32(IPVS_DAEMON_ATTR.STATE, state === "master" ? IP_VS_STATE.MASTER : IP_VS_STATE.BACKUP);
    b.nestEnd(n);
    this.request(b.finish(), "stop-daemon", `stop sync daemon ${state}`);
  }

  listDaemons(): SyncDaemon[] {
    const replies = this.query(this.begin(IPVS_CMD.GET_DAEMON, NLM_F_REQUEST | NLM_F_DUMP).finish(), "list-daemons", "list sync daemons");
    const out: SyncDaemon[] = [];
    for (const m of replies) {
      const a = parseGenl(m, "IPVS daemon dump").attrs.nested(IPVS_CMD_ATTR.DAEMON);
      if (!a) continue;
      const st = a.u32(IPVS_DAEMON_ATTR.STATE);
      const g = a.get(IPVS_DAEMON_ATTR.MCAST_GROUP);
      const g6 = a.get(IPVS_DAEMON_ATTR.MCAST_GROUP6);
      out.push({
        state: st === IP_VS_STATE.MASTER ? "master" : "backup",
        interface: a.string(IPVS_DAEMON_ATTR.MCAST_IFN) ?? "",
        syncId: a.u32(IPVS_DAEMON_ATTR.SYNC_ID) ?? 0,
        maxLen: a.u16(IPVS_DAEMON_ATTR.SYNC_MAXLEN),
        group: g6 && g6.length >= 16 && g6.some((x) => x !== 0) ? formatAddress(g6, 6) : g && g.length >= 4 ? formatAddress(g, 4) : undefined,
        port: a.u16(IPVS_DAEMON_ATTR.MCAST_PORT),
        ttl: a.u8(IPVS_DAEMON_ATTR.MCAST_TTL),
      });
    }
    return out;
  }

  private request(msg: Uint8Array, kind: IpvsOpKind, what: string): void {
    try {
      this.sock.request(msg, what);
    } catch (e) {
      throw wrap(e, kind, what);
    }
  }

  private query(msg: Uint8Array, kind: IpvsOpKind, what: string) {
    try {
      return this.sock.query(msg, what);
    } catch (e) {
      throw wrap(e, kind, what);
    }
  }
}

function wrap(e: unknown, kind: IpvsOpKind, what: string): unknown {
  if (e instanceof SysError) return new IpvsError(what, e.errno, explainIpvsErrno(kind, e.errno));
  return e;
}
