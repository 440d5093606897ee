// keepalived notify_priority_changes: which instances report a change of effective
// priority (instance, else its sync group, else global_defs
// vrrp_notify_priority_changes; keepalived 2.2.7 vrrp.c and the lab comparison in
// test/lab/notify-fifo-priority.test.ts), and the FIFO line it becomes.
import { expect, test } from "bun:test";
import { configPlans } from "../../../src/daemon/plan.ts";
import { instanceLine } from "../../../src/daemon/notify-fifo-lines.ts";
import { readKeepalivedText } from "./plan-helpers.ts";

const inst = (name: string, vrid: number, extra = "") => `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n${extra}\n}\n`;
const which = (text: string) => Object.fromEntries(configPlans(readKeepalivedText(text)).plans.map((p) => [p.name, p.notifyPriorityChanges]));

test("the instance's own setting wins, then its sync group's, then global_defs'", () => {
  const body = `${inst("A", 1, " notify_priority_changes false")}${inst("B", 2)}${inst("C", 3)}${inst("D", 4, " notify_priority_changes")}vrrp_sync_group G {\n group {\n  C\n  D\n }\n notify_priority_changes false\n}\n`;
  expect(which(body)).toEqual({ A: false, B: false, C: false, D: true });
  expect(which(`global_defs {\n vrrp_notify_priority_changes\n}\n${body}`)).toEqual({ A: false, B: true, C: false, D: true });
  expect(which(`${inst("A", 1)}${inst("B", 2)}vrrp_sync_group G {\n group {\n  A\n }\n notify_priority_changes\n}\n`)).toEqual({ A: true, B: false });
});

test("the FIFO line: keepalived's INSTANCE \"NAME\" MASTER_PRIORITY|BACKUP_PRIORITY N", () => {
  expect(instanceLine("VI_1", "MASTER_PRIORITY", 90)).toBe('INSTANCE "VI_1" MASTER_PRIORITY 90\n');
  expect(instanceLine("VI_1", "BACKUP_PRIORITY", 100)).toBe('INSTANCE "VI_1" BACKUP_PRIORITY 100\n');
});
