// keepalived 2.2.7 vrrp_instance keywords about the advert source and the wire
// format (vrrp_parser.c): old_unicast_checksum [never], track_src_ip,
// promote_secondaries, use_vmac_addr. Spread into readInstance's
// dispatch table; keepalived-writer.ts writes them back (writeInstanceExtras).
import type { VrrpInstance } from "./model.ts";
import { hFlag, type Ctx, type Handler } from "./kc-context.ts";
import type { Out } from "./keepalived-writer.ts";

export function instanceExtraHandlers(c: Ctx): Record<string, Handler> {
  return {
    // vrrp_unicast_chksum_handler: no word = use the old checksum; "never" = no auto-detection
    old_unicast_checksum: (st, o) => {
      if (!c.noBlock(st)) return;
      const t = st.args[0];
      if (st.args.length > 1 || (t && t.text !== "never")) {
        c.error(st, `'old_unicast_checksum' takes nothing or 'never', got '${st.args.map((a) => a.text).join(" ")}'`, t);
        c.locs.refuse(o, "oldUnicastChecksum");
        return;
      }
      c.put(o, "oldUnicastChecksum", t ? "never" : "always", st, t);
    },
    track_src_ip: hFlag(c, "trackSrcIp"),
    promote_secondaries: hFlag(c, "promoteSecondaries"),
    use_vmac_addr: hFlag(c, "useVmacAddr"),
  };
}

/** The keywords above, as keepalived reads them. */
export function writeInstanceExtras(o: Out, i: VrrpInstance): void {
  o.flag("track_src_ip", i.trackSrcIp);
  o.flag("promote_secondaries", i.promoteSecondaries);
  o.flag("use_vmac_addr", i.useVmacAddr);
  if (i.oldUnicastChecksum !== undefined) o.line(...(i.oldUnicastChecksum === "never" ? ["old_unicast_checksum", "never"] : ["old_unicast_checksum"]));
}
