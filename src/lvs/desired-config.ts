// The slice of the config model the LVS side reads: virtual servers, real
// servers and their checkers, with every duration in integer milliseconds.
// This is the one file to re-point at src/config/model.ts once that model
// settles; everything else in src/lvs imports these names from here.
import type { IpvsProtocol, IpvsScheduler } from "./ipvs-model.ts";

/** An inclusive HTTP status range; keepalived's `status_code 200 301-302` gives two. */
export interface StatusRange {
  min: number;
  max: number;
}

export interface HttpUrlConfig {
  path: string;
  /** empty = keepalived's default, any 2xx */
  statusCodes: StatusRange[];
  /** lowercase hex MD5 of the body as genhash prints it */
  digest?: string;
  virtualhost?: string;
}

/** Options every keepalived checker accepts (check_api.c "checker common keywords"). */
export interface CheckerCommon {
  /** where to connect; default: the real server's address/port */
  connectIp?: string;
  connectPort?: number;
  /** source address/port of the check connection */
  bindto?: string;
  bindPort?: number;
  connectTimeoutMs?: number;
  /** attempts after the first failure before the checker goes down */
  retry?: number;
  delayBeforeRetryMs?: number;
  /** per-checker override of the virtual server's delay_loop */
  delayLoopMs?: number;
  /** first check starts after a random delay in [0, warmup) */
  warmupMs?: number;
  alpha?: boolean;
}

export interface TcpCheckConfig extends CheckerCommon {
  kind: "TCP_CHECK";
}

export interface HttpCheckConfig extends CheckerCommon {
  kind: "HTTP_GET" | "SSL_GET";
  urls: HttpUrlConfig[];
  virtualhost?: string;
  /** keepalived's http_protocol: 1.0 (default), 1.0C (adds Connection: close), 1.1 */
  httpProtocol?: "1.0" | "1.0C" | "1.1";
  /** send SNI (virtualhost) in the TLS handshake */
  enableSni?: boolean;
  /** verify the server certificate; keepalived does not, so neither do we by default */
  verifyCertificate?: boolean;
  /** CA bundle (PEM path) used when verifyCertificate is set */
  caFile?: string;
}

export interface MiscCheckConfig extends CheckerCommon {
  kind: "MISC_CHECK";
  /** command line, split on whitespace like keepalived (quoted words kept whole) */
  miscPath: string;
  miscTimeoutMs?: number;
  /** exit 0 = up, 1 = down, 2..255 = up with weight exit-2 */
  miscDynamic?: boolean;
}

export interface DnsCheckConfig extends CheckerCommon {
  kind: "DNS_CHECK";
  /** query name; keepalived's default is "." */
  name?: string;
  /** query type: A, AAAA, NS, MX, SOA, TXT, CNAME (keepalived's list); default SOA */
  type?: string;
}

export type CheckerConfig = TcpCheckConfig | HttpCheckConfig | MiscCheckConfig | DnsCheckConfig;

export interface RealServerConfig {
  address: string;
  port: number;
  weight: number;
  /** on failure keep the dest with weight 0 instead of deleting it */
  inhibitOnFailure?: boolean;
  notifyUp?: string;
  notifyDown?: string;
  upperThreshold?: number;
  lowerThreshold?: number;
  /** lb_kind override for this real server */
  lbKind?: LbKind;
  delayLoopMs?: number;
  virtualhost?: string;
  checkers: CheckerConfig[];
}

export type LbKind = "NAT" | "DR" | "TUN";

export interface SorryServerConfig {
  address: string;
  port: number;
  lbKind?: LbKind;
  weight?: number;
}

export interface VirtualServerConfig {
  /** keepalived's name for the VS: "ip port", "[ip6] port" or "fwmark N" */
  name?: string;
  family?: 4 | 6;
  protocol: IpvsProtocol;
  address: string;
  port: number;
  fwmark?: number;
  delayLoopMs: number;
  lbAlgo: IpvsScheduler;
  lbKind: LbKind;
  /** milliseconds; 0 or absent = not persistent */
  persistenceTimeoutMs?: number;
  persistenceGranularity?: string;
  /** scheduler flags (sh-fallback, sh-port, mh-fallback, mh-port) */
  schedulerFlags?: string[];
  virtualhost?: string;
  /** minimum total weight of live real servers; keepalived default 1 */
  quorum?: number;
  hysteresis?: number;
  quorumUp?: string;
  quorumDown?: string;
  sorryServer?: SorryServerConfig;
  /** keep the sorry server in the table at weight 0 while quorum holds */
  sorryServerInhibit?: boolean;
  /** default for real servers' inhibit_on_failure */
  inhibitOnFailure?: boolean;
  /** real servers start down until their first successful check */
  alpha?: boolean;
  /** on shutdown run notify_down / quorum_down as if everything failed */
  omega?: boolean;
  /** default retry/delay_before_retry/warmup/connect_timeout for checkers */
  retry?: number;
  delayBeforeRetryMs?: number;
  warmupMs?: number;
  connectTimeoutMs?: number;
  realServers: RealServerConfig[];
}
