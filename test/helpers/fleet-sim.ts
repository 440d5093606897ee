// Test helper: a simulated fleet for the fleet page — N nodes in VRRP pairs
// (node 2k MASTER, 2k+1 BACKUP of pair k), each with its birth, one VRRP
// instance, two real servers and a config result, published retained as
// daemons publish them (the reporter's payload types, src/fleet/topics.ts
// topics, CBOR bodies).
import type { MqttClient } from "mqtt";
import { encodeBody } from "../../src/fleet/payload.ts";
import type { LvsSnapshot, VrrpSnapshot } from "../../src/fleet/reporter.ts";
import { Topics } from "../../src/fleet/topics.ts";

export const simName = (i: number) => `gw${String(i).padStart(4, "0")}`;
export const simVrid = (pair: number) => (pair % 255) + 1;
export const simSegment = (pair: number) => `v4:198.18.${Math.floor(pair / 250)}.${pair % 250}/32`;
export const simGroupKey = (pair: number) => `${simVrid(pair)}|${simSegment(pair)}`;

export function simVrrp(i: number, state: string, since: number): VrrpSnapshot {
  const pair = Math.floor(i / 2);
  const prio = i % 2 ? 100 : 150;
  return { state, segment: simSegment(pair), vrid: simVrid(pair), priority: prio, effectivePriority: prio, since, interface: "eth0", family: 4 };
}

/** Every node's retained reports; resolves once the broker acknowledged all (QoS 1). */
export async function publishFleet(c: MqttClient, fleet: string, n: number): Promise<void> {
  const boot = Date.now() - 3_600_000;
  const pubs: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Topics(fleet, simName(i));
    const r = (topic: string, v: unknown) => pubs.push(c.publishAsync(topic, encodeBody(v, "cbor"), { qos: 1, retain: true }));
    r(t.status, { status: "online", version: "0.1.0", boot_time: boot, config_serial: 7, config_hash: "9f3a".repeat(16) });
    r(t.vrrp("VI_1"), simVrrp(i, i % 2 ? "BACKUP" : "MASTER", boot + 5000));
    for (const port of [8080, 8081]) {
      const rs: LvsSnapshot = { up: true, weight: 1, lastCheck: "TCP_CHECK ok", latencyMs: 1 };
      r(t.lvs(`198.18.${200 + Math.floor(i / 250)}.${i % 250}:80/TCP`, `198.18.1.${i % 250}:${port}`), rs);
    }
    r(t.configState, { accepted: true, state: "applied", serial: 7, running_serial: 7, running_hash: "9f3a".repeat(16), at: boot });
  }
  await Promise.all(pubs);
}

/** Pair k fails over: its MASTER reports BACKUP, its BACKUP MASTER (or back). */
export function failOver(c: MqttClient, fleet: string, pair: number, toSecond: boolean): void {
  const now = Date.now();
  const [a, b] = [2 * pair, 2 * pair + 1];
  c.publish(new Topics(fleet, simName(a)).vrrp("VI_1"), encodeBody(simVrrp(a, toSecond ? "BACKUP" : "MASTER", now), "cbor"), { qos: 1, retain: true });
  c.publish(new Topics(fleet, simName(b)).vrrp("VI_1"), encodeBody(simVrrp(b, toSecond ? "MASTER" : "BACKUP", now), "cbor"), { qos: 1, retain: true });
}
