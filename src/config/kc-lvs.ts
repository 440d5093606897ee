// keepalived.conf reader for the load-balancer side: virtual_server,
// real_server and the health checkers (keepalived.conf(5), "LVS CONFIGURATION").
import { LB_ALGOS, LB_KINDS, LVS_PROTOCOLS } from "./model.ts";
import type { Stmt } from "./syntax-tree.ts";
import { hCmd, hEnum, hFlag, hInt, hSec, hStr, type Ctx, type Handler, type Raw } from "./kc-context.ts";

// keepalived accepts these spellings too.
const KIND_ALIASES: Record<string, string> = { NAT: "NAT", DR: "DR", TUN: "TUN", MASQ: "NAT", ROUTE: "DR", TUNNEL: "TUN" };

/** `virtual_server IP PORT { ... }` or `virtual_server fwmark N { ... }` */
export function readVirtualServer(c: Ctx, s: Stmt): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  const o: Raw = {};
  c.mark(o, "", s);
  const [a, b, ...extra] = s.args;
  if (!a || !b || extra.length) {
    c.error(s, "'virtual_server' needs IP PORT or fwmark N");
    return undefined;
  }
  if (a.text === "group") {
    c.error(s, "virtual_server_group is not supported by vigil; list the services one by one", a);
    return undefined;
  }
  if (a.text === "fwmark") {
    o.fwmark = c.int(s, b);
    c.mark(o, "fwmark", s, b);
  } else {
    o.ip = a.text;
    o.port = c.int(s, b);
    c.mark(o, "ip", s, a);
    c.mark(o, "port", s, b);
  }
  const where = `virtual_server ${a.text} ${b.text}`;
  const realServers: Raw[] = [];
  c.dispatch(block, where, o, {
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
      const ss: Raw = { ip: st.args[0]!.text };
      c.mark(ss, "", st);
      c.mark(ss, "ip", st, st.args[0]);
      if (st.args[1]) {
        ss.port = c.int(st, st.args[1]);
        c.mark(ss, "port", st, st.args[1]);
      }
      c.put(x, "sorryServer", ss, st);
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
    real_server: (st) => {
      const rs = readRealServer(c, st);
      if (rs) {
        c.mark(realServers, realServers.length, st);
        realServers.push(rs);
      }
    },
  });
  if (realServers.length) o.realServers = realServers;
  // keepalived 2.2.7 says "no protocol set - defaulting to UDP" here; vigil keeps
  // TCP, the default of keepalived's documentation, and says so.
  if (o.protocol === undefined && o.fwmark === undefined) {
    c.warn(s, `${where}: no 'protocol', using TCP (keepalived 2.2.7 would fall back to UDP); write it explicitly`);
  }
  return o;
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
  const o: Raw = { ip: s.args[0]!.text };
  c.mark(o, "", s);
  c.mark(o, "ip", s, s.args[0]);
  if (s.args[1]) {
    o.port = c.int(s, s.args[1]);
    c.mark(o, "port", s, s.args[1]);
  }
  const checkers: Raw[] = [];
  const checker = (type: string): Handler => (st) => {
    const ch = readChecker(c, st, type);
    if (ch) {
      c.mark(checkers, checkers.length, st);
      checkers.push(ch);
    }
  };
  c.dispatch(block, `real_server ${s.args.map((t) => t.text).join(" ")}`, o, {
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
  });
  if (checkers.length) o.checkers = checkers;
  return o;
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
  };
}

function readChecker(c: Ctx, s: Stmt, type: string): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  if (s.args.length) c.error(s, `'${type}' takes no value before its block`, s.args[0]);
  const o: Raw = { type };
  c.mark(o, "", s);
  const table: Record<string, Handler> = commonHandlers(c, type !== "MISC_CHECK");
  if (type === "HTTP_GET" || type === "SSL_GET") {
    const urls: Raw[] = [];
    table.url = (st) => {
      const u = readUrl(c, st);
      if (u) {
        c.mark(urls, urls.length, st);
        urls.push(u);
      }
    };
    table.virtualhost = hStr(c, "virtualhost");
    if (type === "SSL_GET") table.enable_sni = hFlag(c, "enableSni");
    c.dispatch(block, type, o, table);
    if (!urls.length) c.error(s, `${type} needs at least one url { path ... } block`);
    o.url = urls;
  } else if (type === "MISC_CHECK") {
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
  } else {
    c.dispatch(block, type, o, table);
  }
  return o;
}

function readUrl(c: Ctx, s: Stmt): Raw | undefined {
  const block = c.needBlock(s);
  if (!block) return undefined;
  const o: Raw = {};
  c.mark(o, "", s);
  c.dispatch(block, "url", o, {
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
  });
  c.missing(s, o, "path", "url: missing 'path'");
  return o;
}
