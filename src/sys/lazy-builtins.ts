// Node built-ins that only some configs use, loaded on first use. In the compiled
// binary each of node:tls, node:net, node:crypto costs 1.3–1.8 MiB RssAnon once
// loaded (a static import loads it at start, even when no code path runs it),
// while a require() that has not run costs nothing: an HTTP_GET-only gateway with
// an mqtt:// broker never needs TLS, UDP sockets or child processes.
// require() is synchronous, so the socket and spawn call sites stay as they were
// (a reload that first adds an SSL_GET or MISC_CHECK loads the module there).
// The literal module names let the bundler see them; each stays a built-in.
import type * as ChildProcess from "node:child_process";
import type * as Crypto from "node:crypto";
import type * as Dgram from "node:dgram";
import type * as Net from "node:net";
import type * as Tls from "node:tls";

let tlsModule: typeof Tls | undefined;
let netModule: typeof Net | undefined;
let dgramModule: typeof Dgram | undefined;
let childProcessModule: typeof ChildProcess | undefined;
let cryptoModule: typeof Crypto | undefined;

export const nodeTls = (): typeof Tls => (tlsModule ??= require("node:tls") as typeof Tls);
export const nodeNet = (): typeof Net => (netModule ??= require("node:net") as typeof Net);
export const nodeDgram = (): typeof Dgram => (dgramModule ??= require("node:dgram") as typeof Dgram);
export const nodeChildProcess = (): typeof ChildProcess => (childProcessModule ??= require("node:child_process") as typeof ChildProcess);
export const nodeCrypto = (): typeof Crypto => (cryptoModule ??= require("node:crypto") as typeof Crypto);
