// keepalived.conf reader for the load-balancer side: virtual_server_group,
// virtual_server, real_server and the health checkers (keepalived.conf(5),
// "LVS CONFIGURATION").
import { LB_ALGOS, LB_KINDS, LVS_PROTOCOLS } from "./model.ts";
import type { Stmt } from "./syntax-tree.ts";
import { hCmd, hEnum, hFlag, hInt, hSec, hStr, type Ctx, type Handler, type Raw } from "./kc-context.ts";
import { readHex } from "./kc-hex.ts";
import { parseVsgRange } from "./vsg-range.ts";

// keepalived accepts these spellings too.
const KIND_ALIASES: Record<string, string> = { NAT: "NAT", DR: "DR", TUN: "TUN", MASQ: "NAT", ROUTE: "DR", TUNNEL: "TUN" };

/** `IP [PORT]` (sorry_server, real_server) as {ip, port}, marked; the caller checked there are one or two. */
function ipPort(c: Ctx, s: Stmt): Raw {
  const o: Raw = { ip: s.args[0]!.text };
  c.mark(o, "", s);
  c.mark(o, "ip", s, s.args[0]);
  if (s.args[1]) {
    o.port = c.int(s, s.args[1]);
    c.mark(o, "port", s, s.args[1]);
  }
  return o;
}

/**
 * `virtual_server_group NAME { IP[-END|/LEN] [PORT] ... fwmark N [inet|inet6] ... }`
 * (keepalived check_data.c alloc_vsg_entry). A port of 0 means no port, as in keepalived.
 */
export function readVirtualServerGroup(c: Ctx, s: Stmt): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  if (s.args.length !== 1) {
    c.error(s, `'virtual_server_group' needs exactly one name, got ${s.args.length}`);
    return undefined;
  }
  const o: Raw = { name: s.args[0]!.text };
  c.mark(o, "", s);
  c.mark(o, "name", s, s.args[0]);
  const addresses: Raw[] = [];
  const fwmarks: Raw[] = [];
  for (const st of block) {
    if (st.block) {
      c.error(st, `unexpected block inside 'virtual_server_group ${o.name}'`);
      continue;
    }
    if (!st.kw.quoted && st.kw.text === "fwmark") {
      const [m, fam, ...extra] = st.args;
      if (!m || extra.length) {
        c.error(st, "'fwmark' in a virtual_server_group takes N [inet|inet6]");
        continue;
      }
      const f: Raw = { fwmark: c.int(st, m) };
      if (f.fwmark === undefined) continue;
      c.mark(f, "", st);
      c.mark(f, "fwmark", st, m);
      if (fam) {
        if (fam.text !== "inet" && fam.text !== "inet6") {
          c.error(st, `fwmark family must be inet or inet6, got '${fam.text}'`, fam);
          continue;
        }
        f.family = fam.text;
        c.mark(f, "family", st, fam);
      }
      c.mark(fwmarks, fwmarks.length, st);
      fwmarks.push(f);
      continue;
    }
    if (st.args.length > 1) {
      c.error(st, "a virtual_server_group entry is IP[-END|/LEN] [PORT]", st.args[1]);
      continue;
    }
    const r = parseVsgRange(st.kw.text);
    if (!r.ok) {
      c.error(st, `virtual_server_group ${o.name}: ${r.error}`, st.kw);
      continue;
    }
    const a: Raw = { ip: r.range.ip };
    c.mark(a, "", st);
    c.mark(a, "ip", st, st.kw);
    if (r.range.to !== undefined) {
      a.to = r.range.to;
      c.mark(a, "to", st, st.kw);
    }
    const p = st.args[0];
    if (p) {
      const port = c.int(st, p);
      if (port === undefined) continue;
      // keepalived 2.0.7+: port 0 is "no port" (legacy configs wrote it)
      if (port !== 0) {
        a.port = port;
        c.mark(a, "port", st, p);
      }
    }
    c.mark(addresses, addresses.length, st);
    addresses.push(a);
  }
  if (addresses.length) c.putList(o, "addresses", addresses, s);
  if (fwmarks.length) c.putList(o, "fwmarks", fwmarks, s);
  return o;
}

/** `virtual_server IP PORT { ... }`, `virtual_server fwmark N { ... }` or `virtual_server group NAME { ... }` */
export function readVirtualServer(c: Ctx, s: Stmt): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  const o: Raw = {};
  c.mark(o, "", s);
  const [a, b, ...extra] = s.args;
  if (!a || !b || extra.length) {
    c.error(s, "'virtual_server' needs IP PORT, fwmark N or group NAME");
    return undefined;
  }
  if (a.text === "group") {
    o.group = b.text;
    c.mark(o, "group", s, b);
  } else if (a.text === "fwmark") {
    o.fwmark = c.int(s, b);
    c.mark(o, "fwmark", s, b);
  } else {
    o.ip = a.text;
    o.port = c.int(s, b);
    c.mark(o, "ip", s, a);
    c.mark(o, "port", s, b);
  }
  const where = `virtual_server ${a.text} ${b.text}`;
  c.dispatch(block, where, o, c.table("virtual_server", virtualServerHandlers));
  // keepalived 2.2.7 says "no protocol set - defaulting to UDP" here; vigil keeps
  // TCP, the default of keepalived's documentation, and says so.
  if (o.protocol === undefined && o.fwmark === undefined && o.group === undefined) {
    c.warn(s, `${where}: no 'protocol', using TCP (keepalived 2.2.7 would fall back to UDP); write it explicitly`);
  }
  return o;
}

/** The virtual_server keywords, one table per read (Ctx.table); its real servers go on the virtual server as they are read. */
function virtualServerHandlers(c: Ctx): Record<string, Handler> {
  return {
  delay_loop: hSec(c, "delayLoopMs"),
  lb_algo: hEnum(c, "lbAlgo", LB_ALGOS, (x) => x.toLowerCase()),
  lvs_sched: hEnum(c, "lbAlgo", LB_ALGOS, (x) => x.toLowerCase()),
  lb_kind: kind(c),
  lvs_method: kind(c),
  persistence_timeout: (st, x) => {
    if (!c.noBlock(st)) return;
    // keepalived: the keyword alone means 360 s
    if (st.args.length === 0) c.put(x, "persistenceTimeoutMs", 360_000, st);
    else c.put(x, "persistenceTimeoutMs", c.seconds(st, c.one(st)), st);
  },
  persistence_granularity: hStr(c, "persistenceGranularity"),
  protocol: hEnum(c, "protocol", LVS_PROTOCOLS, (x) => x.toUpperCase()),
  sorry_server: (st, x) => {
    if (!c.noBlock(st)) return;
    if (st.args.length < 1 || st.args.length > 2) return c.error(st, "'sorry_server' takes IP [PORT]");
    c.put(x, "sorryServer", ipPort(c, st), st);
  },
  sorry_server_inhibit: hFlag(c, "sorryServerInhibit"),
  quorum: hInt(c, "quorum"),
  quorum_up: hCmd(c, "quorumUp"),
  quorum_down: hCmd(c, "quorumDown"),
  hysteresis: hInt(c, "hysteresis"),
  alpha: hFlag(c, "alpha"),
  omega: hFlag(c, "omega"),
  inhibit_on_failure: hFlag(c, "inhibitOnFailure"),
  ha_suspend: hFlag(c, "haSuspend"),
  virtualhost: hStr(c, "virtualhost"),
  smtp_alert: hFlag(c, "smtpAlert"),
  real_server: (st, x) => {
    const rs = readRealServer(c, st);
    if (rs) {
      const realServers = (x.realServers ??= []) as Raw[];
      c.mark(realServers, realServers.length, st);
      realServers.push(rs);
    }
  },
  };
}

function kind(c: Ctx): Handler {
  return (st, x) => {
    const t = c.one(st);
    if (!t) return;
    const k = KIND_ALIASES[t.text.toUpperCase()];
    if (!k || !LB_KINDS.includes(k as never)) return c.error(st, `'${st.kw.text}' expects NAT, DR or TUN, got '${t.text}'`, t);
    c.put(x, "lbKind", k, st, t);
  };
}

function readRealServer(c: Ctx, s: Stmt): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  if (s.args.length < 1 || s.args.length > 2) {
    c.error(s, "'real_server' needs IP [PORT]");
    return undefined;
  }
  const o = ipPort(c, s);
  c.dispatch(block, () => `real_server ${s.args.map((t) => t.text).join(" ")}`, o, c.table("real_server", realServerHandlers));
  return o;
}

function realServerHandlers(c: Ctx): Record<string, Handler> {
  const checker = (type: string): Handler => (st, x) => {
    const ch = readChecker(c, st, type);
    if (ch) {
      const checkers = (x.checkers ??= []) as Raw[];
      c.mark(checkers, checkers.length, st);
      checkers.push(ch);
    }
  };
  return {
    weight: hInt(c, "weight"),
    inhibit_on_failure: hFlag(c, "inhibitOnFailure"),
    notify_up: hCmd(c, "notifyUp"),
    notify_down: hCmd(c, "notifyDown"),
    uthreshold: hInt(c, "uthreshold"),
    lthreshold: hInt(c, "lthreshold"),
    delay_loop: hSec(c, "delayLoopMs"),
    virtualhost: hStr(c, "virtualhost"),
    TCP_CHECK: checker("TCP_CHECK"),
    HTTP_GET: checker("HTTP_GET"),
    SSL_GET: checker("SSL_GET"),
    MISC_CHECK: checker("MISC_CHECK"),
    DNS_CHECK: checker("DNS_CHECK"),
    PING_CHECK: checker("PING_CHECK"),
    UDP_CHECK: checker("UDP_CHECK"),
    SMTP_CHECK: checker("SMTP_CHECK"),
    FILE_CHECK: checker("FILE_CHECK"),
    smtp_alert: hFlag(c, "smtpAlert"),
  };
}

/** keepalived's install_checker_common_keywords(connection): MISC_CHECK gets no connection options. */
function commonHandlers(c: Ctx, connection: boolean): Record<string, Handler> {
  const conn: Record<string, Handler> = connection
    ? {
        connect_ip: hStr(c, "connectIp"),
        connect_port: hInt(c, "connectPort"),
        bindto: hStr(c, "bindto"),
        bind_port: hInt(c, "bindPort"),
        connect_timeout: hSec(c, "connectTimeoutMs"),
      }
    : {};
  return {
    ...conn,
    retry: hInt(c, "retry"),
    nb_get_retry: hInt(c, "retry"),
    delay_before_retry: hSec(c, "delayBeforeRetryMs"),
    warmup: hSec(c, "warmupMs"),
    delay_loop: hSec(c, "delayLoopMs"),
    log_all_failures: hFlag(c, "logAllFailures"),
  };
}

/** The connection options an SMTP_CHECK `host { }` block sets; the rest of its keywords go to the checker (as in keepalived). */
const HOST_FIELDS = new Set(["connect_ip", "connect_port", "bindto", "bind_port", "connect_timeout"]);

function readSmtpHost(c: Ctx, s: Stmt, checker: Raw): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  if (s.args.length) c.error(s, "'host' takes no value before its block", s.args[0]);
  const o: Raw = {};
  c.mark(o, "", s);
  const common = commonHandlers(c, true);
  // keepalived installs every common checker keyword inside host { }; the timing
  // ones (retry, delay_loop, ...) change the enclosing SMTP_CHECK
  const table: Record<string, Handler> = {};
  for (const [kw, h] of Object.entries(common)) table[kw] = HOST_FIELDS.has(kw) ? h : (st) => h(st, checker);
  c.dispatch(block, "SMTP_CHECK host", o, table);
  return o;
}

/** `weight W [reverse|noreverse]` of FILE_CHECK (keepalived check_file.c: -2147483647..2147483647). */
function fileCheckWeight(c: Ctx): Handler {
  return (st, x) => {
    if (!c.noBlock(st)) return;
    const [w, dir, ...extra] = st.args;
    if (!w || extra.length) return c.error(st, "'weight' takes W [reverse|noreverse]");
    if (dir && dir.text !== "reverse" && dir.text !== "noreverse") return c.error(st, `'weight' option must be reverse or noreverse, got '${dir.text}'`, dir);
    c.put(x, "weight", c.int(st, w), st, w);
    if (dir?.text === "reverse") c.put(x, "weightReverse", true, st, dir);
  };
}

/** `payload HEX...` and `require_reply [HEX...]` of UDP_CHECK (keepalived read_hex_str). */
function udpHex(c: Ctx, key: "payload" | "replyData"): Handler {
  return (st, x) => {
    if (!c.noBlock(st)) return;
    if (key === "replyData") c.put(x, "requireReply", true, st);
    if (!st.args.length) {
      if (key === "payload") c.error(st, "UDP_CHECK 'payload' needs hex bytes (e.g. payload 0a0b0c)");
      return;
    }
    const r = readHex(st.args.map((t) => t.text), key === "replyData");
    if (!r.ok) return c.error(st, `UDP_CHECK '${st.kw.text}': ${r.error}`, st.args[0]);
    c.put(x, key, r.hex, st, st.args[0]);
  };
}

function readChecker(c: Ctx, s: Stmt, type: string): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  if (s.args.length) c.error(s, `'${type}' takes no value before its block`, s.args[0]);
  const o: Raw = { type };
  c.mark(o, "", s);
  if (type === "FILE_CHECK") {
    // keepalived: no common checker options at all
    c.dispatch(block, type, o, { track_file: hStr(c, "trackFile"), weight: fileCheckWeight(c) });
    c.missing(s, o, "trackFile", "FILE_CHECK: missing 'track_file'");
    return o;
  }
  if (type === "HTTP_GET" || type === "SSL_GET" || type === "TCP_CHECK" || type === "PING_CHECK") {
    // the common checkers: one table per read (Ctx.table)
    c.dispatch(block, type, o, c.table(type, commonCheckerHandlers));
    if (type === "HTTP_GET" || type === "SSL_GET") {
      const urls = (o.url ?? []) as Raw[];
      if (!urls.length) c.error(s, `${type} needs at least one url { path ... } block`);
      o.url = urls;
    }
    return o;
  }
  const table: Record<string, Handler> = commonHandlers(c, type !== "MISC_CHECK");
  if (type === "MISC_CHECK") {
    table.misc_path = hCmd(c, "miscPath");
    table.misc_timeout = hSec(c, "miscTimeoutMs");
    table.misc_dynamic = hFlag(c, "miscDynamic");
    table.user = (st, x) => {
      if (!c.noBlock(st)) return;
      if (st.args.length < 1 || st.args.length > 2) return c.error(st, "'user' takes USER [GROUP]");
      c.put(x, "user", st.args[0]!.text, st, st.args[0]);
      if (st.args[1]) c.put(x, "group", st.args[1].text, st, st.args[1]);
    };
    c.dispatch(block, type, o, table);
    c.missing(s, o, "miscPath", "MISC_CHECK: missing 'misc_path'");
  } else if (type === "DNS_CHECK") {
    table.type = hEnum(c, "dnsType", ["A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA"], (x) => x.toUpperCase());
    table.name = hStr(c, "name");
    c.dispatch(block, type, o, table);
  } else if (type === "UDP_CHECK") {
    table.payload = udpHex(c, "payload");
    table.require_reply = udpHex(c, "replyData");
    table.min_reply_length = hInt(c, "minReplyLength");
    table.max_reply_length = hInt(c, "maxReplyLength");
    c.dispatch(block, type, o, table);
  } else if (type === "SMTP_CHECK") {
    const hosts: Raw[] = [];
    table.helo_name = (st, x) => {
      if (!c.noBlock(st)) return;
      if (!st.args.length) return c.error(st, "SMTP_CHECK 'helo_name' needs a name");
      c.put(x, "heloName", st.args.map((t) => t.text).join(" "), st, st.args[0]);
    };
    table.host = (st) => {
      const h = readSmtpHost(c, st, o);
      if (h) {
        c.mark(hosts, hosts.length, st);
        hosts.push(h);
      }
    };
    c.dispatch(block, type, o, table);
    if (hosts.length) c.putList(o, "host", hosts, s);
  } else {
    c.dispatch(block, type, o, table);
  }
  return o;
}

/** TCP_CHECK and PING_CHECK: the common keywords; HTTP_GET and SSL_GET add their url blocks (kept on the checker as it is read). */
function commonCheckerHandlers(c: Ctx, type: string): Record<string, Handler> {
  const table = commonHandlers(c, true);
  if (type !== "HTTP_GET" && type !== "SSL_GET") return table;
  table.url = (st, x) => {
    const u = readUrl(c, st);
    if (u) {
      const urls = (x.url ??= []) as Raw[];
      c.mark(urls, urls.length, st);
      urls.push(u);
    }
  };
  table.virtualhost = hStr(c, "virtualhost");
  if (type === "SSL_GET") table.enable_sni = hFlag(c, "enableSni");
  return table;
}

function readUrl(c: Ctx, s: Stmt): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  const o: Raw = {};
  c.mark(o, "", s);
  c.dispatch(block, "url", o, c.table("url", urlHandlers));
  c.missing(s, o, "path", "url: missing 'path'");
  return o;
}

function urlHandlers(c: Ctx): Record<string, Handler> {
  return {
    path: hStr(c, "path"),
    digest: (st, x) => {
      const t = c.one(st);
      if (t) c.put(x, "digest", t.text.toLowerCase(), st, t);
    },
    status_code: (st, x) => {
      if (!c.noBlock(st)) return;
      if (!st.args.length) return c.error(st, "'status_code' needs at least one code or range (e.g. 200 or 200-299)");
      const list = (x.statusCode as Raw[] | undefined) ?? [];
      for (const t of st.args) {
        const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(t.text);
        if (!m) {
          c.error(st, `'${t.text}' is not a status code or range`, t);
          continue;
        }
        const r = { from: Number(m[1]), to: Number(m[2] ?? m[1]) };
        c.mark(r, "", st, t);
        c.mark(r, "from", st, t);
        c.mark(r, "to", st, t);
        list.push(r);
      }
      c.putList(x, "statusCode", list, st);
    },
    virtualhost: hStr(c, "virtualhost"),
  };
}
