// keepalived.conf text for the end-to-end IPVS lab (test/vm/e2e-topology.ts), shared
// by the daemon test run from the checkout and the board test run from the shipped
// binary, so both program the same virtual servers the same way.
import { CLIENT, CLIENT2, VIP_DR } from "./e2e-topology.ts";

/** How long a checker waits for a real server, in seconds (keepalived's connect_timeout). */
export const CONNECT_TIMEOUT_S = 1;
/** Seconds between two checks of one real server (keepalived's delay_loop). */
export const DELAY_LOOP_S = 1;

export type Check = "TCP_CHECK" | "HTTP_GET";

export interface RealServer {
  address: string;
  port: number;
  weight: number;
  check: Check;
}

export interface VirtualServer {
  vip: string;
  port: number;
  kind: "NAT" | "DR";
  reals: RealServer[];
  sorry?: { address: string; port: number };
}

// retry 0: one failed check takes a server out, so a stopped server leaves
// rotation within delay_loop + connect_timeout
function checkBlock(check: Check): string {
  if (check === "TCP_CHECK") {
    return `        TCP_CHECK {
            connect_timeout ${CONNECT_TIMEOUT_S}
            retry 0
        }`;
  }
  // rs-server.ts answers every path with 200
  return `        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout ${CONNECT_TIMEOUT_S}
            retry 0
        }`;
}

export function virtualServerConf(vs: VirtualServer): string {
  const reals = vs.reals.map((r) => `    real_server ${r.address} ${r.port} {
        weight ${r.weight}
${checkBlock(r.check)}
    }`);
  return `virtual_server ${vs.vip} ${vs.port} {
    delay_loop ${DELAY_LOOP_S}
    lb_algo rr
    lb_kind ${vs.kind}
    protocol TCP
${vs.sorry ? `    sorry_server ${vs.sorry.address} ${vs.sorry.port}\n` : ""}${reals.join("\n")}
}
`;
}

/** What a client in the lab gets from real server `rs` (address `ip`) through the NAT VIP. */
export const natAnswer = (rs: string, ip: string) => `${rs} local=${ip}:8080 remote=${CLIENT2}`;
/** What a client in the lab gets from real server `rs` through the DR VIP (the VIP on its lo). */
export const drAnswer = (rs: string) => `${rs} local=${VIP_DR}:80 remote=${CLIENT}`;
