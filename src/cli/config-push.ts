// `vigil config push BLOB --broker URL --fleet F (--node N | --all)`:
// publish a signed blob to config/set with QoS 1 and exit once the broker
// acknowledged it (PUBACK). Devices trust the signature, not this sender, so
// any MQTT client would do; this one exists so scripts need only vigil.
import { errorText } from "../error-text.ts";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { connectMqtt } from "../fleet/mqtt-connect.ts";
import { connectionOptions } from "../fleet/session-options.ts";
import { ALL_NODES, configSetTopic } from "../fleet/topics.ts";
import { BROKER_OPTIONS, BROKER_USAGE, connectionOf } from "./broker-args.ts";
import { writeOut, writeErr } from "./out.ts";

const USAGE = "usage: vigil config push BLOB --broker URL --fleet F (--node N | --all)\n" +
  `       ${BROKER_USAGE} [--timeout-ms N]\n`;

export async function run(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        ...BROKER_OPTIONS, node: { type: "string" }, all: { type: "boolean" }, "timeout-ms": { type: "string" },
      },
    });
  } catch (e) {
    writeErr(`vigil config push: ${errorText(e)}\n${USAGE}`);
    return 2;
  }
  const v = a.values;
  if (a.positionals.length !== 1 || !v.broker || !v.fleet || (!v.node === !v.all)) {
    writeErr(USAGE);
    return 2;
  }
  let blob: Buffer;
  try {
    blob = readFileSync(a.positionals[0]);
  } catch (e) {
    writeErr(`vigil config push: ${a.positionals[0]}: ${(e as NodeJS.ErrnoException).code ?? errorText(e)}\n`);
    return 1;
  }
  let topic: string, opts;
  try {
    topic = configSetTopic(v.fleet, v.all ? ALL_NODES : v.node!);
    opts = connectionOptions(connectionOf(v), v.fleet, { clientId: `vigil-push-${process.pid}` });
  } catch (e) {
    writeErr(`vigil config push: ${errorText(e)}\n`);
    return 2;
  }
  const timeoutMs = Number(v["timeout-ms"] ?? 15_000);
  const client = connectMqtt(opts);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no PUBACK from ${v.broker} within ${timeoutMs} ms`)), timeoutMs);
      client.once("error", (e) => { clearTimeout(timer); reject(e); });
      client.once("connect", () => {
        client.publish(topic, blob, { qos: 1 }, (err, packet) => {
          clearTimeout(timer);
          // MQTT 5 §3.4.2.1: a PUBACK reason code >= 0x80 (e.g. 0x87 not authorized) is a refusal.
          const rc = (packet as { reasonCode?: number } | undefined)?.reasonCode;
          if (err) reject(err);
          else if (rc !== undefined && rc >= 0x80) reject(new Error(`broker refused the publish (reason code 0x${rc.toString(16)})`));
          else resolve();
        });
      });
    });
  } catch (e) {
    writeErr(`vigil config push: ${errorText(e)}\n`);
    await client.endAsync(true).catch(() => {});
    return 1;
  }
  await client.endAsync().catch(() => {});
  writeOut(`pushed ${blob.length} bytes to ${topic}\n`);
  return 0;
}
