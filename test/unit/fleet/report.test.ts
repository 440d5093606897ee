// The fleet-wide report request (src/fleet/report.ts): what a node accepts as a
// request, and how an answer folds back into the fleet state like retained messages.
import { describe, expect, test } from "bun:test";
import type { IPublishPacket } from "mqtt";
import { encodeBody } from "../../../src/fleet/payload.ts";
import { MAX_REPORT_SPREAD_MS, parseReportRequest, reportAnswerBody, reportAnswerMessages, reportRequest } from "../../../src/fleet/report.ts";
import { FleetState } from "../../../src/fleet/rollout/fleet-state.ts";
import { parseTopic, Topics } from "../../../src/fleet/topics.ts";

const v5 = (responseTopic: string, correlationData?: Buffer) => ({ properties: { responseTopic, correlationData } }) as unknown as IPublishPacket;

describe("report request", () => {
  test("the request topic is fleet-wide (node level `all`) and parses as such", () => {
    const r = reportRequest("edge", "ops-1", "ops-1:report", 800, 5);
    expect(r.topic).toBe("vigil/v1/edge/all/report");
    expect(parseTopic(r.topic)).toEqual({ kind: "report", fleet: "edge" });
    expect(parseTopic("vigil/v1/edge/gw1/report")).toEqual({ kind: "other" });
    expect(r.opts.properties).toEqual({ responseTopic: "vigil/v1/edge/all/reply/ops-1", correlationData: Buffer.from("ops-1:report") });
    expect(JSON.parse(r.body)).toEqual({ reply: "vigil/v1/edge/all/reply/ops-1", id: "ops-1:report", spread_ms: 800 });
    expect(reportRequest("edge", "ops-1", "x", 800, 4).opts.properties).toBeUndefined();
  });

  test("MQTT 3.1.1: reply and id from the body; the node answers under its own reply/ (`all` stands for it)", () => {
    const r = reportRequest("edge", "ops-1", "ops-1:report", 800, 4);
    expect(parseReportRequest("edge", "gw1", Buffer.from(r.body))).toEqual({ replyTo: "vigil/v1/edge/gw1/reply/ops-1", id: "ops-1:report", correlation: undefined, spreadMs: 800 });
  });

  test("MQTT 5: the Response Topic and Correlation Data win; no body needed", () => {
    const req = parseReportRequest("edge", "gw1", new Uint8Array(0), v5("vigil/v1/edge/all/reply/ops-2", Buffer.from("c1")));
    expect(req).toMatchObject({ replyTo: "vigil/v1/edge/gw1/reply/ops-2", correlation: Buffer.from("c1") });
  });

  test("a request cannot make a node publish outside its own reply/ subtree", () => {
    for (const reply of ["vigil/v1/edge/gw2/reply/x", "vigil/v1/other/all/reply/x", "vigil/v1/edge/all/reply/a/b", "vigil/v1/edge/all/reply/+", "vigil/v1/edge/all/reply/", "vigil/v1/edge/gw1/config/set"]) {
      expect(parseReportRequest("edge", "gw1", Buffer.from(JSON.stringify({ reply })))).toHaveProperty("error");
    }
    expect(parseReportRequest("edge", "gw1", Buffer.from([0xff]))).toHaveProperty("error");
  });

  test("the spread is capped (a requester cannot park answers for long), default when absent", () => {
    const at = (spread: unknown) => (parseReportRequest("edge", "gw1", Buffer.from(JSON.stringify({ reply: "vigil/v1/edge/all/reply/x", spread_ms: spread }))) as { spreadMs: number }).spreadMs;
    expect(at(3_600_000)).toBe(MAX_REPORT_SPREAD_MS);
    expect(at(-5)).toBe(0);
    expect(at("soon")).toBe(1000);
  });
});

describe("report answer", () => {
  const t = new Topics("edge", "gw1");
  const retained: Array<[string, Uint8Array]> = [
    [t.status, encodeBody({ status: "online", version: "1", config_serial: 4, config_hash: "h4" }, "json")],
    [t.vrrp("VI.1"), encodeBody({ state: "MASTER", vrid: 51, segment: "v4:198.18.0.10/32" }, "cbor")],
    [t.lvs("198.18.0.10:80", "198.18.1.2:8080"), encodeBody({ up: false, weight: 1 }, "cbor")],
    [t.configState, encodeBody({ accepted: true, state: "applied", serial: 4, running_serial: 4, running_hash: "h4" }, "cbor")],
  ];

  test("folds into the fleet state exactly like the retained messages it carries (CBOR and JSON answers)", () => {
    const direct = new FleetState("edge");
    for (const [topic, body] of retained) direct.apply(topic, body);
    for (const format of ["cbor", "json"] as const) {
      const answer = encodeBody(reportAnswerBody("gw1", t.base, retained, "ops:report"), format);
      const msgs = reportAnswerMessages("edge", "vigil/v1/edge/gw1/reply/ops", answer, "ops:report");
      expect(msgs!.map(([topic]) => topic)).toEqual(retained.map(([topic]) => topic));
      const folded = new FleetState("edge");
      for (const [topic, body] of msgs!) folded.apply(topic, body);
      expect(folded.nodes).toEqual(direct.nodes);
      expect(folded.nodes.get("gw1")!.vrrp.get("VI.1")).toMatchObject({ state: "MASTER" });
      expect(folded.nodes.get("gw1")!.lvs.get("198.18.0.10:80/198.18.1.2:8080")).toBe(false);
    }
  });

  test("an answer to another request, or on a topic that names no node, is not ours; the id may come as Correlation Data", () => {
    const body = encodeBody(reportAnswerBody("gw1", t.base, retained), "cbor");
    expect(reportAnswerMessages("edge", "vigil/v1/edge/gw1/reply/ops", body, "ops:report")).toBeNull();
    expect(reportAnswerMessages("edge", "vigil/v1/edge/gw1/reply/ops", body, "ops:report", Buffer.from("ops:report"))).toHaveLength(4);
    const withId = encodeBody(reportAnswerBody("gw1", t.base, retained, "ops:report"), "cbor");
    expect(reportAnswerMessages("edge", "vigil/v1/edge/all/reply/ops", withId, "ops:report")).toBeNull();
    expect(reportAnswerMessages("other", "vigil/v1/edge/gw1/reply/ops", withId, "ops:report")).toBeNull();
  });

  test("only report topics come out of an answer: nothing smuggled onto config/set or another node", () => {
    const evil = encodeBody({ id: "i", report: { "config/set": { x: 1 }, "../gw2/status": { status: "online" }, "vrrp/+": {}, "vrrp/A/B": {}, "lvs/a/b/c": {}, status: { status: "online" }, "lvs/vs1": { quorumUp: true } } }, "cbor");
    expect(reportAnswerMessages("edge", "vigil/v1/edge/gw1/reply/ops", evil, "i")!.map(([topic]) => topic)).toEqual(["vigil/v1/edge/gw1/status", "vigil/v1/edge/gw1/lvs/vs1"]);
  });
});
