// Child of mqtt-write-cache.test.ts (its own process: mqtt-packet's number cache is
// module state). Connects with the daemon's client options (argv[3] "cache": with
// mqtt.js's default writeCache instead), publishes at QoS 1 (a packet id is a 16-bit
// number), and prints how many entries mqtt-packet's number cache holds.
import { connectMqtt } from "../../../src/fleet/mqtt-connect.ts";
import { defaultFleet } from "../../../src/config/model.ts";
import { clientOptions } from "../../../src/fleet/session-options.ts";

// mqtt-packet ships no types for numbers.js
const numbers = require("mqtt-packet/numbers.js") as { cache: Record<number, Buffer> };
const [url, mode] = process.argv.slice(2);
const opts = clientOptions({ ...defaultFleet(), broker: url!, fleet: "f" }, { clientId: `cache-${process.pid}` });
const client = connectMqtt(mode === "cache" ? { ...opts, writeCache: true } : opts);
const done = setTimeout(() => { console.error("no puback within 10 s"); process.exit(1); }, 10_000);
client.on("connect", () => {
  client.publish("vigil/test/cache", "x", { qos: 1 }, (err) => {
    if (err) { console.error(err.message); process.exit(1); }
    clearTimeout(done);
    console.log(Object.keys(numbers.cache).length);
    client.end(true, () => process.exit(0));
  });
});
