// Regression: an event reported while the session closes (mqtt.js: still
// `connected`, already `disconnecting`, every publish failing synchronously)
// sent the reporter's flush into an endless synchronous requeue-and-retry loop
// that froze the process. It must stay queued instead, and stop() must return.
import { afterAll, expect, test } from "bun:test";
import type { MqttClient } from "mqtt";
import { defaultFleet } from "../../../src/config/model.ts";
import { FleetReporter } from "../../../src/fleet/reporter.ts";
import { Mosquitto } from "../../helpers/mosquitto.ts";

const broker = new Mosquitto();
afterAll(() => broker.dispose());

test("an event reported while the session is closing stays queued; stop() returns and the event loop keeps running", async () => {
  await broker.start();
  const r = new FleetReporter({ config: { ...defaultFleet(), broker: broker.url, fleet: "e" }, node: "x", version: "t", bootTime: 0, configSerial: () => 0 });
  r.start();
  for (let i = 0; i < 100 && !r.stats().connected; i++) await Bun.sleep(20);
  expect(r.stats().connected).toBe(true);
  const client = (r as unknown as { client: MqttClient }).client;
  const end = client.end.bind(client);
  let closingSeen = false;
  // the moment stop() ends the session: report an event, as a late transition would
  client.end = ((...a: Parameters<MqttClient["end"]>) => {
    const ret = end(...a);
    closingSeen = client.connected && client.disconnecting;
    r.event({ type: "late" });
    return ret;
  }) as MqttClient["end"];
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  await r.stop();
  await Bun.sleep(100);
  clearInterval(timer);
  expect(closingSeen).toBe(true);
  expect(ticks).toBeGreaterThan(0);
  expect(r.stats()).toMatchObject({ connected: false, queuedEvents: 1, inflightEvents: 0 });
}, 20_000);
