// vrrp — the pure VRRP core: RFC 5798 (VRRPv3, IPv4/IPv6) and RFC 3768 (VRRPv2,
// with keepalived's PASS auth), keepalived's FAULT state, tracking, sync groups
// and the gratuitous ARP/NA schedule. No socket, no clock, no file: events and
// time in, actions out. Time is a number of milliseconds on the daemon's
// monotonic clock (fractions allowed); every deadline the core hands out is on
// that same clock.
//
// How the daemon drives one instance
// ----------------------------------
//   const inst = new VrrpInstance(paramsFromConfig(cfg, vi, { primary, ifindex }), { ipHeader: true });
//   const tracker = trackerFromConfig(cfg, vi);           // track_interface / track_script
//   inst.fsm.applyTracking(now, tracker.effective, tracker.faulted);
//   inst.fsm.startup(now);                                 // RFC 5798 §6.4.1
//   perform(inst.fsm.actions); inst.fsm.actions.clear();
//
// Then, in the advert Worker's loop:
//   - sleep until inst.fsm.nextDeadline() (absolute), then inst.fsm.tick(now);
//   - on a received packet: fill one reused RxMeta (source/destination address
//     bytes, TTL or hop limit, ingress ifindex) and call
//     inst.receive(now, buf, vrrpOffset, vrrpLength, meta) — validated in place,
//     counted per drop reason (inst.validator.counters), fed to the FSM if good;
//   - link up/down and script results: tracker.setInterface(i, up) /
//     tracker.scriptResult(i, ok); when they return true call
//     inst.fsm.applyTracking(now, tracker.effective, tracker.faulted);
//   - SIGTERM: inst.fsm.shutdown(now) (a Master sends priority 0, RFC 5798 §6.4.3).
// After every call, perform the actions in order and clear the list:
//   SendAdvert(a=priority)        n = inst.encoder.encode(priority, dest, ipId) for each
//                                 dest in inst.encoder.destinations; sendto(buf, n)
//   AddVips(a=accept)             add the VIPs (finite lifetime); a=0: drop traffic to them
//   RemoveVips                    delete the VIPs
//   SendGratuitous(a=vip|-1, b=n) n rounds of GARP (IPv4) / unsolicited NA (IPv6) for
//                                 VIP index a, or for every VIP when a = -1
//   SetTimer(a=kind, b=at) / CancelTimer(a=kind)
//                                 informational when the loop uses nextDeadline()
//   NotifyTransition(a=from, b=to) notify scripts, status, fleet event
// Sync groups: new SyncGroup(name, [fsmA, fsmB]) before startup; members then move
// together by themselves — drain every member's action list after each event.
// Nothing here allocates per advert, per received packet or per timer in steady
// state (test/bench/vrrp-core.bench.ts counts GCs over 1M iterations).

export { VrrpInstance, type CoreStatus } from "./instance.ts";
export { VrrpFsm, VrrpEvent, FAULT_TRACKING, FAULT_SYNC_GROUP, PRIORITY_OWNER, type FsmObserver } from "./fsm.ts";
export { ActionList, ActionKind, TimerKind, State, STATE_NAMES, ACTION_NAMES, TIMER_NAMES, type Action } from "./actions.ts";
export { AdvertEncoder, type EncoderOptions } from "./packet-encode.ts";
export { AdvertValidator, RxMeta } from "./packet-validate.ts";
export { Drop, DropCounters, DROP_NAMES, DROP_COUNT } from "./drop-reasons.ts";
export { resolveParams, VrrpParamsError, DEFAULT_GARP, type VrrpParams, type ResolvedParams, type GarpParams } from "./params.ts";
export { PriorityTracker, ScriptState, type TrackedItem, type TrackedScript } from "./priority.ts";
export { SyncGroup } from "./sync-group.ts";
export { GarpScheduler } from "./garp.ts";
export { paramsFromConfig, trackerFromConfig, type InterfaceFacts } from "./from-config.ts";
export { skewTime, masterDownInterval } from "./timing.ts";
export { parseIPv4, parseIPv6, formatAddress, AddressError } from "./addr.ts";
export { IPPROTO_VRRP, MCAST_V4, MCAST_V6, VRRP_TTL } from "./packet-layout.ts";
export { IPV4_HEADER_LEN, TOS_NETWORK_CONTROL } from "./ipv4-header.ts";
export { ClaimPolicy, ClaimVerdict, AddressVerdict, addressVerdict, appearedIsForeign, CONFLICT_REPORT_GAP_MS } from "./vip-conflict.ts";
