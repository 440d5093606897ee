// Who notify and track scripts run as, keepalived's way: `script_user USER [GROUP]`
// in global_defs sets it; with enable_script_security and no script_user, the
// dedicated user keepalived_script is used when it exists; otherwise root. A
// vrrp_script's own `user USER [GROUP]` wins for that script.
import { errorText } from "../error-text.ts";
import type { GlobalDefs } from "../config/model.ts";
import { resolveIds } from "../lvs/checkers/user-ids.ts";
import { log } from "./log.ts";

export interface ScriptIds {
  uid?: number;
  gid?: number;
}

export async function scriptIds(g: GlobalDefs, user?: string, group?: string): Promise<ScriptIds> {
  const name = user ?? g.scriptUser ?? (g.enableScriptSecurity ? "keepalived_script" : undefined);
  if (!name) return {};
  try {
    return await resolveIds(name, user ? group : g.scriptGroup);
  } catch (e) {
    if (!user && !g.scriptUser) return {}; // keepalived_script is only a preference
    log.error(`script_user ${name}: ${errorText(e)}; scripts run as root`);
    return {};
  }
}
