// The broker connection flags every fleet command takes, and the connection
// they describe (paths, never secrets: see ConnectionRecord).
import type { ConnectionRecord } from "../fleet/rollout/record.ts";

export const BROKER_OPTIONS = {
  broker: { type: "string" }, fleet: { type: "string" },
  "ca-file": { type: "string" }, "cert-file": { type: "string" }, "key-file": { type: "string" },
  username: { type: "string" }, "password-file": { type: "string" }, "mqtt-version": { type: "string" },
} as const;

export const BROKER_USAGE = "[--ca-file F] [--cert-file F --key-file F] [--username U --password-file F] [--mqtt-version 4|5]";

type Values = { [K in keyof typeof BROKER_OPTIONS]?: string };

/** --broker and the TLS/credential flags as a connection; throws with the flag named. */
export function connectionOf(v: Values): ConnectionRecord {
  if (!v.broker) throw new Error("--broker is required");
  const mv = v["mqtt-version"] ?? "5";
  if (mv !== "4" && mv !== "5") throw new Error(`--mqtt-version expects 4 or 5, got '${mv}'`);
  return {
    broker: v.broker, mqttVersion: mv === "4" ? 4 : 5,
    ...(v["ca-file"] ? { caFile: v["ca-file"] } : {}), ...(v["cert-file"] ? { certFile: v["cert-file"] } : {}),
    ...(v["key-file"] ? { keyFile: v["key-file"] } : {}), ...(v.username ? { username: v.username } : {}),
    ...(v["password-file"] ? { passwordFile: v["password-file"] } : {}),
  };
}
