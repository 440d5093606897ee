// `vigil fleet show ID|FILE [--broker URL --fleet F] [--json]`: a rollout as it
// stands — from its state file (a path, or ~/.vigil/rollouts/<ID>.json), or,
// with --broker and --fleet, from its retained record vigil/v1/<fleet>/rollout/<ID>
// (what another operator's machine published). A broker may not keep or share
// that record (RabbitMQ keeps it on the cluster node that received it), so we
// also ask on .../rollout/<ID>/get: a rollout still running answers with its
// record on .../rollout/<ID>/reply/<us>.
import { errorText } from "../error-text.ts";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { connectMqtt } from "../fleet/mqtt-connect.ts";
import { decodeBody } from "../fleet/payload.ts";
import type { EngineState } from "../fleet/rollout/engine.ts";
import { parseRecord } from "../fleet/rollout/record.ts";
import { connectionOptions } from "../fleet/session-options.ts";
import { checkId, encodeLevel, rolloutGetTopic, rolloutTopic } from "../fleet/topics.ts";
import { BROKER_OPTIONS, BROKER_USAGE, connectionOf } from "./broker-args.ts";
import { renderRollout, rolloutJson } from "./fleet-render.ts";
import { writeOut, writeErr } from "./out.ts";
import { defaultStatePath, readRolloutFile } from "./rollout-file.ts";

export const SHOW_USAGE = "usage: vigil fleet show ID|FILE [--broker URL --fleet F] [--json] [--wait-ms N]\n" +
  `       ${BROKER_USAGE}\n`;

async function fromBroker(v: { [K in keyof typeof BROKER_OPTIONS]?: string } & { "wait-ms"?: string }, id: string): Promise<EngineState> {
  const fleet = checkId("fleet", String(v.fleet));
  const opts = connectionOptions(connectionOf(v), fleet, { clientId: `vigil-show-${process.pid}` });
  const topic = rolloutTopic(fleet, id);
  const requester = String(opts.clientId);
  const reply = `${topic}/reply/${encodeLevel(requester)}`;
  const requestOpts = opts.protocolVersion === 5 ? { qos: 1 as const, properties: { responseTopic: reply, correlationData: Buffer.from(`${requester}:show`) } } : { qos: 1 as const };
  const waitMs = Number(v["wait-ms"] ?? 2000);
  const client = connectMqtt(opts);
  try {
    return await new Promise<EngineState>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no retained record on ${topic} within ${waitMs} ms`)), opts.connectTimeout! + waitMs);
      client.once("error", (e) => { clearTimeout(timer); reject(e); });
      client.on("message", (t, body, packet) => {
        if ((t !== topic && t !== reply) || body.length === 0) return;
        const d = decodeBody(body);
        try {
          if (!d.ok) throw new Error(d.error);
          let record = d.value;
          if (t === reply) {
            // the running rollout's answer: {rollout, id} (the id, or MQTT 5 Correlation Data, says it is ours)
            const a = d.value as { rollout?: unknown; id?: unknown } | null;
            const got = typeof a?.id === "string" ? a.id : packet.properties?.correlationData?.toString();
            if (got !== `${requester}:show` || !a?.rollout) return;
            record = a.rollout;
          }
          clearTimeout(timer);
          resolve(parseRecord(record, t).engine);
        } catch (e) {
          reject(e);
        }
      });
      client.once("connect", () => {
        client.subscribe([topic, reply], { qos: 1 }, (err) => {
          if (err) return reject(err);
          client.publish(rolloutGetTopic(fleet, id), JSON.stringify({ reply, id: `${requester}:show` }), requestOpts);
        });
        // retained messages follow the SUBACK at once, a running rollout answers at once; none by then means there is none
        setTimeout(() => reject(new Error(`no retained record on ${topic}, and no running rollout answered`)), waitMs);
      });
    });
  } finally {
    await client.endAsync(true).catch(() => {});
  }
}

export async function run(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        ...BROKER_OPTIONS, json: { type: "boolean" }, "wait-ms": { type: "string" },
      },
    });
  } catch (e) {
    writeErr(`vigil fleet show: ${errorText(e)}\n${SHOW_USAGE}`);
    return 2;
  }
  const v = a.values;
  if (a.positionals.length !== 1 || !!v.broker !== !!v.fleet || (v["wait-ms"] !== undefined && !/^\d+$/.test(v["wait-ms"]))) {
    writeErr(SHOW_USAGE);
    return 2;
  }
  const arg = a.positionals[0]!;
  let state: EngineState;
  try {
    if (existsSync(arg)) state = readRolloutFile(arg).engine;
    else if (v.broker) state = await fromBroker(v, arg);
    else if (existsSync(defaultStatePath(arg))) state = readRolloutFile(defaultStatePath(arg)).engine;
    else throw new Error(`no state file ${arg} or ${defaultStatePath(arg)}; to read the retained record give --broker and --fleet`);
  } catch (e) {
    writeErr(`vigil fleet show: ${errorText(e)}\n`);
    return 1;
  }
  writeOut(v.json ? `${JSON.stringify(rolloutJson(state), null, 2)}\n` : renderRollout(state, state.finishedAt ?? Date.now()));
  return 0;
}
