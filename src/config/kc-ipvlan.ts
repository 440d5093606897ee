// keepalived 2.2.7 `use_ipvlan [NAME] [ADDRESS[/PREFIX]] [bridge|private|vepa]`
// (vrrp_parser.c vrrp_ipvlan_handler): words in any order; one that parses as an
// address is the ipvlan's own address, bridge/private/vepa its type, anything else
// its name. keepalived reports a second use_ipvlan, type, address or name and a name
// of IFNAMSIZ or more as config errors; so does vigil (with the word's position).
// Spread into readInstance's dispatch table; keepalived-writer.ts writes it back.
import { ipFamily } from "../net/ip-address.ts";
import type { UseIpvlan, VrrpInstance } from "./model.ts";
import type { Ctx, Handler } from "./kc-context.ts";
import type { Out } from "./keepalived-writer.ts";

const TYPES = new Set(["bridge", "private", "vepa"]);

/** ADDRESS[/PREFIX] with the prefix the family allows, or undefined when the word is no address */
function ipvlanAddress(word: string): string | undefined {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(word);
  const fam = m ? ipFamily(m[1]!) : 0;
  if (!fam) return undefined;
  const max = fam === 4 ? 32 : 128;
  const prefix = m![2] !== undefined ? Number(m![2]) : max;
  return prefix <= max ? `${m![1]}/${prefix}` : undefined;
}

export function ipvlanHandlers(c: Ctx): Record<string, Handler> {
  return {
    use_ipvlan: (st, x) => {
      if (!c.noBlock(st)) return;
      if (x.useIpvlan !== undefined) return c.error(st, "use_ipvlan already specified (keepalived ignores the second)");
      const v: UseIpvlan = {};
      for (const w of st.args) {
        const again = (what: string) => c.error(st, `use_ipvlan: ${what} already specified, '${w.text}' ignored`, w);
        if (TYPES.has(w.text)) {
          if (v.type !== undefined) again("ipvlan type");
          else v.type = w.text as UseIpvlan["type"];
          continue;
        }
        const address = ipvlanAddress(w.text);
        if (address !== undefined) {
          if (v.address !== undefined) again("ipvlan address");
          else v.address = address;
          continue;
        }
        if (v.name !== undefined) again("ipvlan interface");
        else if (w.text.length >= 16) c.error(st, `use_ipvlan: interface name '${w.text}' too long (at most 15 bytes)`, w);
        else if (w.text.includes("/")) c.error(st, `use_ipvlan: '${w.text}' is neither an ADDRESS[/PREFIX] nor an interface name`, w);
        else v.name = w.text;
      }
      c.put(x, "useIpvlan", v, st);
    },
  };
}

/** use_ipvlan as keepalived reads it (name, address, type: each only when set). */
export function writeIpvlan(o: Out, i: VrrpInstance): void {
  const v = i.useIpvlan;
  if (!v) return;
  o.line("use_ipvlan", ...(v.name !== undefined ? [v.name] : []), ...(v.address !== undefined ? [v.address] : []), ...(v.type !== undefined ? [v.type] : []));
}
