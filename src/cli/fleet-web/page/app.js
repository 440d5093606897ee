// The fleet page. State arrives as one snapshot, then deltas (rows that
// changed) over Server-Sent Events from `vigil fleet web`. Each table is
// virtualised: only the rows in view exist in the DOM, and a delta repaints
// only the tables it touched, once per animation frame — so 1 000 nodes cost
// what 30 do. Text goes in with textContent only (names come from the network).
"use strict";
(() => {
  const ROW = 28;
  const OVERSCAN = 6;
  const $ = (id) => document.getElementById(id);
  const stats = { deltas: 0, applyMs: [], renderMs: [], snapshotAt: 0, firstRenderMs: 0, masters: [] };
  window.vigilWeb = stats;

  let clockOffset = 0; // server clock - our clock
  const now = () => Date.now() + clockOffset;
  function ago(t) {
    if (t === undefined || t === null) return "-";
    const s = Math.max(0, Math.round((now() - t) / 1000));
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
    return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
  }
  const dash = (x) => (x === undefined || x === null || x === "" ? "-" : String(x));
  function setState(el, cls, word) {
    // unchanged text is left alone: live regions announce every change
    if (el.className !== `state ${cls}`) el.className = `state ${cls}`;
    if (el.textContent !== word) el.textContent = word;
  }
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

  // A keyed, sorted collection: binary insertion keeps the order without re-sorting per message.
  class Store {
    constructor(order) { this.rows = new Map(); this.keys = []; this.order = order; }
    pos(key, row) {
      let lo = 0, hi = this.keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.order(this.rows.get(this.keys[mid]), this.keys[mid], row, key) < 0) lo = mid + 1; else hi = mid;
      }
      return lo;
    }
    set(key, row) {
      if (row === null) {
        const old = this.rows.get(key);
        if (old === undefined) return;
        const i = this.pos(key, old);
        this.keys.splice(i, 1);
        this.rows.delete(key);
        return;
      }
      if (!this.rows.has(key)) this.keys.splice(this.pos(key, row), 0, key);
      this.rows.set(key, row);
    }
    at(i) { return this.rows.get(this.keys[i]); }
    get size() { return this.keys.length; }
  }

  // Only the rows in view: a spacer above, a pool of reused rows, a spacer below.
  class VList {
    constructor(box, body, cols, render, count, item) {
      this.box = box; this.body = body; this.cols = cols; this.render = render; this.count = count; this.item = item;
      this.top = this.spacer(); this.bottom = this.spacer();
      body.append(this.top, this.bottom);
      this.pool = [];
      box.addEventListener("scroll", () => this.paint(), { passive: true });
    }
    spacer() {
      const tr = document.createElement("tr");
      tr.className = "spacer";
      tr.setAttribute("aria-hidden", "true");
      const td = document.createElement("td");
      td.colSpan = this.cols;
      tr.append(td);
      return tr;
    }
    paint() {
      const n = this.count();
      const view = Math.max(this.box.clientHeight, ROW * 8);
      const first = Math.max(0, Math.floor(this.box.scrollTop / ROW) - OVERSCAN);
      const last = Math.min(n, Math.ceil((this.box.scrollTop + view) / ROW) + OVERSCAN);
      const want = Math.max(0, last - first);
      while (this.pool.length < want) {
        const tr = document.createElement("tr");
        for (let c = 0; c < this.cols; c++) tr.append(document.createElement("td"));
        this.pool.push(tr);
        this.bottom.before(tr);
      }
      for (let i = 0; i < this.pool.length; i++) {
        const tr = this.pool[i];
        if (i < want) {
          if (tr.hidden) tr.hidden = false;
          this.render(tr, this.item(first + i), first + i);
        } else if (!tr.hidden) tr.hidden = true;
      }
      this.top.firstChild.style.height = `${first * ROW}px`;
      this.bottom.firstChild.style.height = `${(n - last) * ROW}px`;
    }
  }

  // ---- nodes
  const nodes = new Store((a, ka, b, kb) => cmp(ka, kb));
  const nodeCounts = { online: 0, offline: 0, unknown: 0 };
  const nodeWord = (r) => (r.online === true ? "online" : r.online === false ? "offline" : "unknown");
  const nodeNames = $("node-names");
  function renderNode(tr, r) {
    const c = tr.cells;
    tr.dataset.key = r.name;
    c[0].textContent = r.name;
    setState(c[1], r.online === true ? "ok" : r.online === false ? "bad" : "unknown", nodeWord(r));
    c[2].textContent = `${ago(r.lastSeen)} ago`;
    c[3].textContent = dash(r.version);
    c[4].textContent = dash(r.serial);
    c[5].textContent = r.hash ? r.hash.slice(0, 12) : "-";
    c[5].title = r.hash || "";
    const cfg = r.config;
    c[6].textContent = cfg ? `${dash(cfg.state)}${cfg.serial !== undefined ? ` serial ${cfg.serial}` : ""}${cfg.reason ? `: ${cfg.reason}` : ""}` : "-";
    c[6].title = cfg && cfg.message ? `${c[6].textContent} (${cfg.message})` : c[6].textContent;
    c[7].textContent = r.online === true && r.bootTime ? ago(r.bootTime) : "-";
    c[8].textContent = String(r.drops || 0);
    // an offline node's instances are what it said last, not what runs
    c[9].textContent = r.vrrp.length ? r.vrrp.map((i) => `${i.instance} ${r.online === false ? "was " : ""}${i.state}`).join(", ") : "-";
    c[9].title = c[9].textContent;
  }
  // "Find node": the matching keys, in order, recomputed when the filter or the set of nodes changes
  const findInput = $("node-find");
  let found = null;
  function refind() {
    const f = findInput.value.trim();
    found = f ? nodes.keys.filter((k) => k.includes(f)) : null;
    $("nodes-found").textContent = found ? `${found.length} found` : "";
  }
  findInput.addEventListener("input", () => { refind(); nodeList.box.scrollTop = 0; dirty.nodes = true; schedule(); });
  const nodeList = new VList($("nodes-box"), $("nodes-body"), 10, renderNode, () => (found ? found.length : nodes.size), (i) => (found ? nodes.rows.get(found[i]) : nodes.at(i)));
  let nodeSetChanged = false;
  function setNode(key, row) {
    const old = nodes.rows.get(key);
    if (old) nodeCounts[nodeWord(old)]--;
    else if (row) { const o = document.createElement("option"); o.value = key; nodeNames.append(o); }
    if (row) nodeCounts[nodeWord(row)]++;
    if (!old !== !row) nodeSetChanged = true;
    nodes.set(key, row);
  }

  // ---- VRRP groups
  const groups = new Store((a, ka, b, kb) => a.vrid - b.vrid || cmp(a.segment, b.segment));
  const problems = new Set();
  const STATUS = { ok: ["ok", "OK"], "split-brain": ["bad", "SPLIT BRAIN"], "no-master": ["bad", "NO MASTER"] };
  const lastMasters = new Map();
  function spark(td, flips) {
    const W = 140, H = 18, t1 = now(), t0 = t1 - 3600e3;
    let d = "";
    for (const t of flips) if (t >= t0) { const x = Math.round(((t - t0) / 3600e3) * (W - 2)) + 1; d += `M${x} 1V${H - 1}`; }
    let svg = td.firstChild;
    if (!svg) {
      svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("class", "spark"); svg.setAttribute("width", W); svg.setAttribute("height", H);
      svg.setAttribute("role", "img");
      const base = document.createElementNS(svg.namespaceURI, "line");
      base.setAttribute("class", "base"); base.setAttribute("x1", 0); base.setAttribute("x2", W); base.setAttribute("y1", H - 1); base.setAttribute("y2", H - 1);
      const path = document.createElementNS(svg.namespaceURI, "path");
      svg.append(base, path);
      td.append(svg);
    }
    svg.lastChild.setAttribute("d", d);
    const n = flips.filter((t) => t >= t0).length;
    svg.setAttribute("aria-label", `${n} MASTER change(s) in the last hour`);
    td.title = `${n} MASTER change(s) in the last hour`;
  }
  function routerText(r) {
    const st = r.online ? r.state : `offline (was ${r.state})`;
    return `${r.node} ${st} ${r.effectivePriority ?? r.priority ?? "?"}`;
  }
  function renderGroup(tr, g) {
    const c = tr.cells;
    tr.dataset.key = g.key;
    const [cls, word] = STATUS[g.status] || ["warn", g.status];
    setState(c[0], cls, word);
    tr.classList.toggle("problem", g.status !== "ok");
    c[1].textContent = String(g.vrid);
    c[2].textContent = g.segment || "-";
    c[3].textContent = g.routers.map(routerText).join(" · ");
    c[3].title = c[3].textContent;
    const masters = g.masters.join(", ") || (g.outsideMaster ? `${g.outsideMaster} (outside the fleet)` : "none");
    c[4].textContent = masters;
    if (lastMasters.get(g.key) !== masters) {
      lastMasters.set(g.key, masters);
      stats.masters.push({ key: g.key, masters, at: Date.now() });
      if (stats.masters.length > 200) stats.masters.shift();
    }
    c[5].textContent = g.lastTransition ? `${ago(g.lastTransition)} ago` : "-";
    spark(c[6], g.flips);
  }
  const groupList = new VList($("groups-box"), $("groups-body"), 7, renderGroup, () => groups.size, (i) => groups.at(i));
  function setGroup(key, row) {
    groups.set(key, row);
    if (row && row.status !== "ok") problems.add(key); else problems.delete(key);
  }
  // One item per problem group, kept while its words stay the same: the list is
  // a live region announcing additions, so a ticking duration must not re-create it.
  const alarmItems = new Map();
  function renderAlarms() {
    const ul = $("alarm-list");
    const items = [...problems].map((k) => groups.rows.get(k)).filter(Boolean).sort((a, b) => a.vrid - b.vrid).slice(0, 50);
    const keep = new Set();
    for (const g of items) {
      const masters = g.masters.length ? `${g.masters.length} MASTERs: ${g.masters.join(", ")}` : "no live router is MASTER";
      const witness = g.witness.length ? `; witness alarm from ${g.witness.map((w) => `${w.node} (also MASTER: ${w.peers.join(", ") || "?"})`).join(", ")}` : "";
      const words = `VRID ${g.vrid} on ${g.segment || "?"}: ${masters}${witness}`;
      const sig = `${g.status}|${words}`;
      keep.add(g.key);
      let it = alarmItems.get(g.key);
      if (!it || it.sig !== sig) {
        const li = document.createElement("li");
        const head = document.createElement("strong");
        head.textContent = g.status === "split-brain" ? "SPLIT BRAIN" : "NO MASTER";
        const since = document.createElement("span");
        li.append(head, document.createTextNode(`${words}; for `), since);
        if (it) it.li.replaceWith(li); else ul.append(li);
        it = { li, sig, since };
        alarmItems.set(g.key, it);
      }
      it.since.textContent = ago(g.problemSince);
    }
    for (const [k, it] of alarmItems) if (!keep.has(k)) { it.li.remove(); alarmItems.delete(k); }
    $("no-alarm").hidden = alarmItems.size > 0;
  }

  // ---- LVS
  const rs = new Store((a, ka, b, kb) => cmp(ka, kb));
  const vs = new Map();
  function renderRs(tr, r) {
    const c = tr.cells;
    tr.dataset.key = r.key;
    c[0].textContent = r.node;
    c[1].textContent = r.vs;
    const q = vs.get(`${r.node}\u0000${r.vs}`);
    // the column says Quorum: "up", or "lost" and whether the sorry server serves
    if (q) setState(c[2], q.quorumUp ? "ok" : "bad", `${q.quorumUp ? "up" : "lost"}${q.sorryActive ? `, sorry server ${q.sorryServer || ""} serves` : ""}`);
    else { c[2].className = ""; c[2].textContent = "-"; }
    c[3].textContent = r.rs;
    setState(c[4], r.up ? "ok" : "bad", r.up ? "up" : "down");
    c[5].textContent = dash(r.weight);
    c[2].title = c[2].textContent;
    c[6].textContent = dash(r.lastCheck);
    c[6].title = c[6].textContent;
    c[7].textContent = r.latencyMs !== undefined ? `${r.latencyMs} ms` : "-";
  }
  const rsList = new VList($("lvs-box"), $("lvs-body"), 8, renderRs, () => rs.size, (i) => rs.at(i));

  // ---- events, newest first, filterable by node
  let events = [];
  let lastSeq = 0;
  let shown = events;
  const filterInput = $("event-node");
  function refilter() {
    const f = filterInput.value.trim();
    shown = f ? events.filter((e) => e.node === f || e.node.includes(f)) : events;
    dirty.events = true;
    schedule();
  }
  filterInput.addEventListener("input", refilter);
  const LEVEL = { info: ["ok", "info"], warn: ["warn", "warning"], alarm: ["bad", "ALARM"] };
  function renderEvent(tr, e) {
    const c = tr.cells;
    tr.dataset.key = String(e.seq);
    c[0].textContent = new Date(e.at).toLocaleTimeString();
    c[1].textContent = e.node || "-";
    const [cls, word] = LEVEL[e.level] || ["unknown", e.level];
    setState(c[2], cls, word);
    c[3].textContent = e.text;
    c[3].title = e.text;
  }
  const eventList = new VList($("events-box"), $("events-body"), 4, renderEvent, () => shown.length, (i) => shown[i]);
  function addEvents(list) {
    const fresh = list.filter((e) => e.seq > lastSeq);
    if (!fresh.length) return;
    lastSeq = fresh[fresh.length - 1].seq;
    events = fresh.reverse().concat(events).slice(0, 500);
    refilter();
  }

  // ---- rollouts: few, each re-drawn when its record changes
  const rollouts = new Map();
  function renderRollout(r) {
    const art = document.createElement("article");
    art.dataset.key = r.id;
    const h = document.createElement("h3");
    const t = r.tally;
    h.textContent = `${r.id}: serial ${r.serial}, ${r.status}, wave ${r.wave}/${r.waves} — ${t.applied} applied, ${t.failed} failed, ${t.rolledBack} rolled back, ${t.pending} pending, ${t.inFlight} in flight (of ${t.total})`;
    art.append(h);
    if (r.abortReason) { const p = document.createElement("p"); p.className = "abort"; p.textContent = `ABORTED: ${r.abortReason}`; art.append(p); }
    // one line per wave: how many nodes, and what became of them
    const waves = document.createElement("ul");
    waves.className = "waves";
    const per = new Map();
    for (const n of r.nodes) {
      const w = per.get(n.wave) || new Map();
      w.set(n.result, (w.get(n.result) || 0) + 1);
      per.set(n.wave, w);
    }
    for (const [w, results] of [...per].sort((a, b) => a[0] - b[0])) {
      const li = document.createElement("li");
      const total = [...results.values()].reduce((a, b) => a + b, 0);
      li.textContent = `wave ${w}${w === r.wave && r.status !== "done" ? " (current)" : ""}: ${total} node(s) — ${[...results].map(([k, v]) => `${v} ${k}`).join(", ")}`;
      waves.append(li);
    }
    art.append(waves);
    const det = document.createElement("details");
    const sum = document.createElement("summary");
    sum.textContent = "per-node result";
    const box = document.createElement("div");
    box.className = "rbox";
    const tbl = document.createElement("table");
    box.append(tbl);
    const head = tbl.createTHead().insertRow();
    for (const x of ["Wave", "Node", "Result", "Reason"]) { const th = document.createElement("th"); th.scope = "col"; th.textContent = x; head.append(th); }
    const body = tbl.createTBody();
    // what needs a look first; at most 300 rows
    const list = [...r.nodes].sort((a, b) => (a.result === "applied") - (b.result === "applied") || a.wave - b.wave);
    for (const n of list.slice(0, 300)) {
      const row = body.insertRow();
      for (const x of [String(n.wave), n.node, n.result, n.reason || "-"]) row.insertCell().textContent = x;
    }
    if (list.length > 300) body.insertRow().insertCell().textContent = `… and ${list.length - 300} more`;
    det.append(sum, box);
    art.append(det);
    return art;
  }
  function setRollout(id, row) {
    const old = rollouts.get(id);
    if (row === null) { old?.el.remove(); rollouts.delete(id); return; }
    const el = renderRollout(row);
    if (old) { el.querySelector("details").open = old.el.querySelector("details").open; old.el.replaceWith(el); }
    else $("rollout-list").prepend(el);
    rollouts.set(id, { row, el });
  }

  // ---- applying a message, and painting once per frame
  const dirty = { nodes: false, groups: false, rs: false, events: false, alarms: false, meta: false };
  let frame = 0;
  function schedule() { if (!frame) frame = requestAnimationFrame(paint); }
  function paint() {
    frame = 0;
    const t0 = performance.now();
    if (dirty.nodes) { if (nodeSetChanged && found) refind(); nodeSetChanged = false; nodeList.paint(); $("nodes-count").textContent = `${nodes.size}: ${nodeCounts.online} online, ${nodeCounts.offline} offline${nodeCounts.unknown ? `, ${nodeCounts.unknown} unknown` : ""}`; }
    if (dirty.groups) { groupList.paint(); $("groups-count").textContent = `${groups.size}: ${problems.size} with a problem`; }
    if (dirty.alarms) renderAlarms();
    if (dirty.rs) { rsList.paint(); let down = 0; for (const r of rs.rows.values()) if (!r.up) down++; $("lvs-count").textContent = `${rs.size} real server(s), ${down} down`; }
    if (dirty.events) { eventList.paint(); $("events-count").textContent = `${shown.length} shown`; }
    $("rollouts-count").textContent = rollouts.size ? String(rollouts.size) : "";
    $("no-rollout").hidden = rollouts.size > 0;
    for (const k in dirty) dirty[k] = false;
    const ms = performance.now() - t0;
    stats.renderMs.push(ms);
    if (stats.renderMs.length > 2000) stats.renderMs.shift();
    if (!stats.firstRenderMs && stats.snapshotAt) stats.firstRenderMs = performance.now();
  }
  // "ago" columns move with the clock: repaint what is in view once a second
  setInterval(() => { dirty.nodes = dirty.groups = dirty.alarms = true; dirty.rs = dirty.events = false; schedule(); }, 1000);

  function setMeta(m) {
    clockOffset = m.now - Date.now();
    $("fleet-name").textContent = m.fleet;
    document.title = `vigil fleet ${m.fleet}`;
    setState($("conn"), m.connected ? "ok" : "bad", m.connected ? `live from ${m.broker}` : `server lost the broker ${m.broker}; reconnecting`);
  }

  function apply(d) {
    const t0 = performance.now();
    if (d.meta) setMeta(d.meta);
    if (d.nodes) { for (const k in d.nodes) setNode(k, d.nodes[k]); dirty.nodes = true; }
    if (d.groups) { for (const k in d.groups) setGroup(k, d.groups[k]); dirty.groups = dirty.alarms = true; }
    if (d.vs) { for (const k in d.vs) { if (d.vs[k]) vs.set(k, d.vs[k]); else vs.delete(k); } dirty.rs = true; }
    if (d.rs) { for (const k in d.rs) rs.set(k, d.rs[k]); dirty.rs = true; }
    if (d.rollouts) for (const k in d.rollouts) setRollout(k, d.rollouts[k]);
    if (d.events) addEvents(d.events);
    stats.applyMs.push(performance.now() - t0);
    if (stats.applyMs.length > 2000) stats.applyMs.shift();
    stats.deltas++;
    schedule();
  }

  function reset() {
    for (const k of [...nodes.keys]) setNode(k, null);
    for (const k of [...groups.keys]) setGroup(k, null);
    for (const k of [...rs.keys]) rs.set(k, null);
    vs.clear();
    for (const k of [...rollouts.keys()]) setRollout(k, null);
    nodeNames.replaceChildren();
    events = []; lastSeq = 0;
    refilter();
  }

  const es = new EventSource("events");
  es.addEventListener("snapshot", (m) => {
    reset();
    stats.snapshotAt = performance.now();
    apply(JSON.parse(m.data));
  });
  es.addEventListener("delta", (m) => apply(JSON.parse(m.data)));
  es.addEventListener("error", () => setState($("conn"), "bad", "connection to the server lost; reconnecting…"));
})();
