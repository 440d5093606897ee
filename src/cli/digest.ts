// `vigil digest URL [--ssl] [--virtualhost H]`: prints the MD5 digest of a page
// like keepalived's genhash, for the `digest` of HTTP_GET/SSL_GET url blocks.
import { errorText } from "../error-text.ts";
import { pageDigest, parseDigestUrl } from "../lvs/checkers/digest.ts";
import { writeOut, writeErr } from "./out.ts";

const USAGE = `usage: vigil digest URL [--ssl] [--virtualhost HOST] [--sni] [--protocol 1.0|1.0C|1.1] [--timeout SECONDS] [--verbose]
  URL is http://HOST[:PORT]/PATH or https://... (https implies --ssl)
  prints the MD5 of the response body as HTTP_GET/SSL_GET digest compares it
`;

export async function run(argv: string[]): Promise<number> {
  let url: string | undefined;
  let ssl = false;
  let sni = false;
  let verbose = false;
  let virtualhost: string | undefined;
  let protocol: "1.0" | "1.0C" | "1.1" | undefined;
  let timeoutMs = 5000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    try {
      switch (a) {
        case "-h":
        case "--help":
          writeOut(USAGE);
          return 0;
        case "--ssl":
        case "-S":
          ssl = true;
          break;
        case "--sni":
          sni = true;
          break;
        case "--verbose":
        case "-v":
          verbose = true;
          break;
        case "--virtualhost":
        case "-V":
          virtualhost = value();
          break;
        case "--protocol": {
          const p = value();
          if (p !== "1.0" && p !== "1.0C" && p !== "1.1") throw new Error(`--protocol must be 1.0, 1.0C or 1.1, got '${p}'`);
          protocol = p;
          break;
        }
        case "--timeout": {
          const s = Number(value());
          if (!Number.isFinite(s) || s <= 0) throw new Error("--timeout must be a positive number of seconds");
          timeoutMs = Math.round(s * 1000);
          break;
        }
        default:
          if (a.startsWith("-")) throw new Error(`unknown option '${a}'`);
          if (url !== undefined) throw new Error(`unexpected argument '${a}'`);
          url = a;
      }
    } catch (e) {
      writeErr(`vigil digest: ${errorText(e)}\n${USAGE}`);
      return 2;
    }
  }
  if (!url) {
    writeErr(USAGE);
    return 2;
  }
  try {
    parseDigestUrl(url, ssl);
  } catch (e) {
    writeErr(`vigil digest: ${errorText(e)}\n${USAGE}`);
    return 2;
  }
  try {
    const r = await pageDigest({ url, ssl, virtualhost, sni, protocol, timeoutMs });
    if (verbose) writeErr(`HTTP status ${r.status}, ${r.bodyBytes} body bytes hashed${r.contentLength !== undefined ? ` (Content-Length ${r.contentLength})` : ""}\n`);
    writeOut(`${r.digest}\n`);
    return 0;
  } catch (e) {
    writeErr(`vigil digest: ${url}: ${errorText(e)}\n`);
    return 1;
  }
}
