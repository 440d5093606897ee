// keepalived.conf lexing and block structure: comments, quotes, braces,
// includes, and the limits that keep hostile input from hurting the reader.
import { describe, expect, test } from "bun:test";
import { Diagnostics } from "../../../src/config/diagnostics.ts";
import { tokenize, tokenizeLine, tokenizeText } from "../../../src/config/lexer.ts";
import { memorySource, readConfigLines } from "../../../src/config/source.ts";
import { SourceText } from "../../../src/config/source-text.ts";
import { prng } from "./random-config.ts";
import { buildTree, type Stmt } from "../../../src/config/syntax-tree.ts";

const words = (text: string) => {
  const d = new Diagnostics();
  return { lines: tokenize("f.conf", text, d).map((l) => l.tokens.map((t) => t.text)), diags: d.list };
};

function tree(text: string, maxDepth?: number) {
  const d = new Diagnostics();
  const t = buildTree(tokenize("f.conf", text, d), d, maxDepth);
  const show = (s: Stmt): unknown => (s.block ? [s.kw.text, ...s.args.map((a) => a.text), s.block.map(show)] : [s.kw.text, ...s.args.map((a) => a.text)]);
  return { tree: t.map(show), diags: d.list };
}

describe("comments (keepalived: `!` and `#` anywhere outside quotes)", () => {
  test("`!` and `#` comment out the rest of the line, also after values", () => {
    expect(words("! whole line\n# also\nlb_algo rr  ! 调度模式 rr/wcl/...\npriority 100 # high").lines).toEqual([
      ["lb_algo", "rr"],
      ["priority", "100"],
    ]);
  });
  test("the full-width `！` of the user's notes is a comment too", () => {
    expect(words("  ！digest ff20ad2481f97b1754ef3e12ecd3a9cc\nstatus_code 200！ok").lines).toEqual([["status_code", "200"]]);
  });
  test("comment characters inside double quotes are text", () => {
    expect(words('script "/bin/check --tag #1 !x"').lines).toEqual([["script", "/bin/check --tag #1 !x"]]);
  });
});

describe("tokens", () => {
  test("braces are tokens even when glued to words", () => {
    expect(words("url{path /x}").lines).toEqual([["url", "{", "path", "/x", "}"]]);
  });
  test("CRLF line ends, tabs, and a UTF-8 BOM are whitespace", () => {
    expect(words("\ufeffglobal_defs {\r\n\trouter_id a\r\n}\r\n").lines).toEqual([["global_defs", "{"], ["router_id", "a"], ["}"]]);
  });
  test("token positions are line and column of their first character", () => {
    const d = new Diagnostics();
    const [l1, l2] = tokenize("f.conf", "a b\n   ccc  \"d e\"", d);
    expect(l1!.tokens.map((t) => [t.line, t.col])).toEqual([[1, 1], [1, 3]]);
    expect(l2!.tokens.map((t) => [t.line, t.col, t.quoted])).toEqual([[2, 4, false], [2, 9, true]]);
  });
  test("an unterminated quote is an error naming line and column", () => {
    const r = words('x {\n  notify "/bin/x\n}');
    expect(r.diags).toHaveLength(1);
    expect(r.diags[0]!.message).toBe("unterminated quoted string");
    expect(r.diags[0]!.loc).toMatchObject({ file: "f.conf", line: 2, col: 10 });
  });
});

describe("the split fast path of plain lines", () => {
  // tokenizeLine splits lines without quotes, comments, tabs, non-ASCII or glued
  // braces on spaces; tokenizeText always runs the character scanner. Both must
  // give the same tokens, columns and findings for any line.
  const ALPHABET = ["a", "b", "1", ".", "/", "-", "_", " ", " ", " ", "{", "}", "\t", '"', "!", "#", "！", "é", "\u3000", "\u00a0", "\r", "\v", "$"];
  test("tokens, columns and findings are those of the scanner, for 20 000 random lines", () => {
    const r = prng(0x1e8);
    for (let n = 0; n < 20_000; n++) {
      let raw = "";
      for (let k = r.int(0, 30); k > 0; k--) raw += r.pick(ALPHABET);
      const fast = new Diagnostics();
      const slow = new Diagnostics();
      const a = tokenizeLine("f.conf", 7, raw, fast);
      const b = tokenizeText(SourceText.line("f.conf", 7, raw), slow);
      expect({ raw, tokens: a.tokens, diags: fast.list }).toEqual({ raw, tokens: b.tokens, diags: slow.list });
      expect([a.file, a.line, a.raw]).toEqual(["f.conf", 7, raw]);
    }
  });
  test("indented keyword lines keep their columns", () => {
    const d = new Diagnostics();
    expect(tokenizeLine("f.conf", 3, "    real_server 198.18.0.1  80 {", d).tokens.map((t) => [t.text, t.col])).toEqual([
      ["real_server", 5], ["198.18.0.1", 17], ["80", 29], ["{", 32],
    ]);
  });
});

describe("blocks", () => {
  test("nested blocks, one statement per line", () => {
    expect(tree("a x {\n b 1\n c {\n  d\n }\n}").tree).toEqual([["a", "x", [["b", "1"], ["c", [["d"]]]]]]);
  });
  test("`{` on the next line opens the block of the previous statement", () => {
    expect(tree("vrrp_instance VI\n{\n state MASTER\n}").tree).toEqual([["vrrp_instance", "VI", [["state", "MASTER"]]]]);
  });
  test("one-line blocks: `group { VI_1 VI_2 }`", () => {
    expect(tree("group { VI_1 VI_2 }").tree).toEqual([["group", [["VI_1", "VI_2"]]]]);
  });
  test("a missing `}` is reported at the block that is not closed", () => {
    const r = tree("global_defs {\n router_id a\nvrrp_instance X {\n}");
    expect(r.diags.map((d) => [d.message, d.loc?.line, d.loc?.col])).toEqual([["block 'global_defs' is not closed (missing '}')", 1, 1]]);
  });
  test("a stray `}` is reported where it is", () => {
    const r = tree("a {\n}\n}");
    expect(r.diags.map((d) => [d.message, d.loc?.line])).toEqual([["'}' without a matching '{'", 3]]);
  });
  test("nesting deeper than the limit is one error, not a crash or a stack overflow", () => {
    const deep = `${"x {\n".repeat(100_000)}${"}\n".repeat(100_000)}`;
    const r = tree(deep, 32);
    expect(r.diags.map((d) => d.message)).toEqual(["blocks nested deeper than 32"]);
  });
});

describe("include (textual, glob relative to the including file)", () => {
  test("globs expand in sorted order and relative paths follow the including file", () => {
    const fs = memorySource({
      "/etc/k/main.conf": "include conf.d/*.conf\ninclude /etc/k/last.conf",
      "/etc/k/conf.d/20-b.conf": "b 2",
      "/etc/k/conf.d/10-a.conf": "a 1\ninclude ../sub/c.inc",
      "/etc/k/conf.d/README": "not included",
      "/etc/k/sub/c.inc": "c 3",
      "/etc/k/last.conf": "z 9",
    });
    const d = new Diagnostics();
    const lines = readConfigLines("/etc/k/main.conf", fs, d);
    expect(d.list).toEqual([]);
    expect(lines.map((l) => `${l.file}:${l.line} ${l.tokens.map((t) => t.text).join(" ")}`)).toEqual([
      "/etc/k/conf.d/10-a.conf:1 a 1",
      "/etc/k/sub/c.inc:1 c 3",
      "/etc/k/conf.d/20-b.conf:1 b 2",
      "/etc/k/last.conf:1 z 9",
    ]);
  });
  test("an include loop is an error naming the chain", () => {
    const d = new Diagnostics();
    readConfigLines("/a.conf", memorySource({ "/a.conf": "include b.conf", "/b.conf": "include a.conf" }), d);
    expect(d.errors.map((x) => x.message)).toEqual(["include loop: /a.conf -> /b.conf -> /a.conf"]);
    expect(d.errors[0]!.loc).toMatchObject({ file: "/b.conf", line: 1 });
  });
  test("a missing include file is an error at the include line; an empty glob only warns", () => {
    const d = new Diagnostics();
    readConfigLines("/a.conf", memorySource({ "/a.conf": "x 1\ninclude nope.conf\ninclude none/*.conf" }), d);
    expect(d.list.map((x) => [x.severity, x.message, x.loc?.line])).toEqual([
      ["error", "cannot read /nope.conf: no such file", 2],
      ["warning", "include pattern matches no file: /none/*.conf", 3],
    ]);
  });
  test("binary content is refused with its offset", () => {
    const d = new Diagnostics();
    readConfigLines("/a.conf", memorySource({ "/a.conf": new Uint8Array([0x61, 0x20, 0x00, 0xff]) }), d);
    expect(d.errors.map((x) => x.message)).toEqual(["binary content (NUL byte at offset 2), not a keepalived.conf"]);
  });
  test("the total size limit stops huge input with a clear error", () => {
    const d = new Diagnostics();
    readConfigLines("/a.conf", memorySource({ "/a.conf": "x 1\n".repeat(1000) }), d, { maxBytes: 1000, maxFiles: 10, maxIncludeDepth: 4 });
    expect(d.errors.map((x) => x.message)).toEqual(["config too large: more than 1000 bytes"]);
  });
});
