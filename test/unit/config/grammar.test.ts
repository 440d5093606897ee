// keepalived's text expansions ($NAME definitions, @ID conditionals, ~SEQ/~LST,
// include relative to the including file), one rule per test, each as
// keepalived 2.2.7 does it (keepalived-grammar.test.ts compares with the real
// `keepalived -t`); and that every diagnostic still names the original
// file:line:col, and the definition or ~SEQ the text came from.
import { describe, expect, test } from "bun:test";
import { Diagnostics, formatDiagnostic } from "../../../src/config/diagnostics.ts";
import { readKeepalived } from "../../../src/config/keepalived-reader.ts";
import { DEFAULT_EXPAND_LIMITS } from "../../../src/config/expand.ts";
import { DEFAULT_LIMITS, memorySource, readConfigLines } from "../../../src/config/source.ts";

/** The lines the parser gets after expansion, as "line: words", and the findings. */
function expand(text: string, opts: { configId?: string; files?: Record<string, string>; random?: () => number } = {}) {
  const d = new Diagnostics();
  const fs = memorySource({ "/etc/k/k.conf": text, ...opts.files });
  const lines = readConfigLines("/etc/k/k.conf", fs, d, undefined, { configId: opts.configId ?? "main", ...(opts.random ? { random: opts.random } : {}) });
  return {
    lines: lines.map((l) => l.tokens.map((t) => t.text).join(" ")),
    where: lines.map((l) => `${l.file.replace("/etc/k/", "")}:${l.line}`),
    diags: d.list.map((x) => formatDiagnostic(x).replaceAll("/etc/k/", "")),
  };
}

const VI = (body: string) => `vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n${body}\n}\n`;

describe("definitions: $NAME=VALUE and $NAME / ${NAME}", () => {
  test("a $VAR is replaced where it is used, ${VAR} also inside a word", () => {
    const r = expand("$IF=eth1\n$NET=198.18.4\ninterface $IF\naddress ${NET}.1/24");
    expect(r.lines).toEqual(["interface eth1", "address 198.18.4.1/24"]);
    expect(r.diags).toEqual([]);
  });
  test("$VAR is only a use before a blank, `,`, `)` or the line end (keepalived's rule): $VAR/24 stays text", () => {
    expect(expand("$A=x\nw $A,y\nw $A)\nw pre$A\nw $A/24").lines).toEqual(["w x,y", "w x)", "w prex", "w $A/24"]);
  });
  test("a definition may use definitions made after it: values are expanded when used", () => {
    const r = expand("$ADDR=198.18.${SUB}\n$SUB=0\nip ${ADDR}.100\n$SUB=10\nip ${ADDR}.100");
    expect(r.lines).toEqual(["ip 198.18.0.100", "ip 198.18.10.100"]);
  });
  test("an empty value is allowed", () => {
    expect(expand("$E=\nw a${E}b").lines).toEqual(["w ab"]);
  });
  test("a $VAR defined over several lines expands where used, its lines as lines of their own", () => {
    const r = expand("$BLOCK= \\\n  a 1 \\\n  b ${X}\n$X=2\nbefore\n$BLOCK\nafter");
    expect(r.lines).toEqual(["before", "a 1", "b 2", "after"]);
    expect(r.where).toEqual(["k.conf:5", "k.conf:2", "k.conf:3", "k.conf:7"]);
  });
  test("a multi-line definition ends at a line without `\\` or at a blank line", () => {
    expect(expand("$M=a \\\n b \\\n\nc\n$M").lines).toEqual(["c", "a", "b"]);
  });
  test("a comment line ends a multi-line definition too (what keepalived's running processes do), with a warning", () => {
    const r = expand("$M=a \\\n# note\n b\n$M");
    expect(r.lines).toEqual(["b", "a"]);
    expect(r.diags).toEqual(["k.conf:2:1: warning: a comment line ends the multi-line definition $M (keepalived runs it so; its -t test reads on)"]);
  });
  test("multi-line definitions nest: an inner one's lines come before the rest of the outer one", () => {
    const r = expand("$RS= \\\nreal_server 198.18.0.${N} 80 { \\\n}\n$VS= \\\nvirtual_server 198.18.1.1 80 { \\\n$N=1 \\\n$RS \\\n$N=2 \\\n$RS \\\n}\n$VS");
    expect(r.lines).toEqual(["virtual_server 198.18.1.1 80 {", "real_server 198.18.0.1 80 {", "}", "real_server 198.18.0.2 80 {", "}", "}"]);
  });
  test("a multi-line definition used before other text on its line is an error, as it is left as text", () => {
    expect(expand("$M=a \\\nb\n$M x").diags).toEqual(["k.conf:3:1: error: the multi-line definition $M can only be used at the end of a line (at '$M x')"]);
  });
  test("an undefined $NAME is an error with file:line:col once the config defines names", () => {
    const r = expand("$PRIO=100\npriority ${PRIO}\nweight $WEIGHT");
    expect(r.diags).toEqual(["k.conf:3:8: error: $WEIGHT is not defined (at 'weight $WEIGHT')", ]);
  });
  test("an undefined $NAME repeated by a ~SEQ is reported once", () => {
    expect(expand("~SEQ(I,3) w ${I} $NOPE").diags).toEqual(["k.conf:1:18: error: $NOPE is not defined (at 'w 1 $NOPE') [in ~SEQ I=1 at k.conf:1:1]"]);
  });
  test("an undefined $NAME inside double quotes (a script's shell variable) is kept as written, with a warning", () => {
    const r = expand('$X=1\nscript "/bin/test -f ${FLAG}"');
    expect(r.lines).toEqual(["script /bin/test -f ${FLAG}"]);
    expect(r.diags).toEqual([`k.conf:2:22: warning: $FLAG is not defined; kept as written inside quotes, as keepalived does (at 'script "/bin/test -f \${FLAG}"')`]);
  });
  test("in a config without definitions a `$` is plain text, as keepalived's manual promises", () => {
    const r = expand("path /cgi$bin\nnotify $1 $STATE");
    expect(r.lines).toEqual(["path /cgi$bin", "notify $1 $STATE"]);
    expect(r.diags).toEqual([]);
  });
  test("`$NAME = value` is not a definition (no blanks before '='): named in the error", () => {
    expect(expand("$X = v").diags).toEqual(["k.conf:1:1: error: '$X =' is not a definition: write $X=VALUE, without blanks before '=' (at '$X = v')"]);
  });
  test("a definition that uses itself is an error naming the loop, not a hang; the lines after it are read", () => {
    const r = expand("$A=x${B}\n$B=${A}\nw $A\nnext");
    expect(r.lines).toEqual(["next"]);
    expect(r.diags).toEqual([
      "k.conf:2:4: error: $A refers to itself (through $A -> $B -> $A); its expansion never ends (at 'w x${A}') [in $B used at k.conf:1:5; in $A used at k.conf:3:3]",
    ]);
  });
  test("a value can be a conditional or a definition: the line is read again after expansion", () => {
    expect(expand("$IF_MAIN=@main\n$IF_MAIN priority 240\n$IF_B=@backup\n$IF_B priority 100").lines).toEqual(["priority 240"]);
    expect(expand("$D=$V=7\n$D\nw $V").lines).toEqual(["w 7"]);
  });
  test("the predefined ${_INSTANCE}, ${_PWD}, ${_RANDOM MIN MAX}, and ${_HASH}/${_BANG} (text inside quotes only)", () => {
    const r = expand('w ${_INSTANCE} ${_PWD} ${_RANDOM 5 9} ${_RANDOM}\nq "a${_HASH}b${_BANG}" ${_HASH} gone', { configId: "r1", random: () => 0.5 });
    expect(r.lines).toEqual(["w r1 /etc/k 7 16384", "q a#b!"]);
  });
  test("a predefined name can be redefined", () => {
    expect(expand("$_INSTANCE=mine\nw ${_INSTANCE}").lines).toEqual(["w mine"]);
  });
  test("`\\#` and `\\!` outside quotes are plain characters for the expansion, and comments again for the parser (keepalived)", () => {
    expect(expand("$A=x\\#y # comment\nw ${A} z").lines).toEqual(["w x"]);
  });
});

describe("conditionals: @ID and @^ID against the config id", () => {
  test("an @ID line counts only when the config id is ID; @^ID only when it is not", () => {
    const text = "@main router_id main_router\n@backup router_id backup_router\n@^main unicast_peer_x\n   @main indented yes";
    expect(expand(text, { configId: "main" }).lines).toEqual(["router_id main_router", "indented yes"]);
    expect(expand(text, { configId: "backup" }).lines).toEqual(["router_id backup_router", "unicast_peer_x"]);
    expect(expand(text, { configId: "other" }).lines).toEqual(["unicast_peer_x"]);
  });
  test("an @ID with nothing after it is dropped", () => {
    expect(expand("@main\nx").lines).toEqual(["x"]);
  });
  test("a definition can be conditional", () => {
    expect(expand("@main $P=240\n@backup $P=200\npriority $P", { configId: "backup" }).lines).toEqual(["priority 200"]);
  });
  test("the reader applies the config id it is given (vigil -i)", () => {
    const text = VI("  @r1 priority 200\n  @r2 priority 100\n  virtual_ipaddress {\n    198.18.0.1\n  }");
    const fs = memorySource({ "/k.conf": text });
    expect(readKeepalived("/k.conf", fs, { configId: "r1" }).config!.instances[0]!.priority).toBe(200);
    expect(readKeepalived("/k.conf", fs, { configId: "r2" }).config!.instances[0]!.priority).toBe(100);
  });
});

describe("~SEQ and ~LST: one line per value", () => {
  test("~SEQ(VAR,START,STEP,END) repeats the rest of the line with $VAR set", () => {
    expect(expand("~SEQ(I,10,-3,4) w ${I}").lines).toEqual(["w 10", "w 7", "w 4"]);
  });
  test("~SEQ(VAR,END) counts from 1 (or -1 down), ~SEQ(VAR,START,END) by 1 either way", () => {
    expect(expand("~SEQ(I,3) w $I").lines).toEqual(["w 1", "w 2", "w 3"]);
    expect(expand("~SEQ(I,-2) w $I").lines).toEqual(["w -1", "w -2"]);
    expect(expand("~SEQ(I,0) w $I").lines).toEqual(["w 1", "w 0"]);
    expect(expand("~SEQ(I,7,5) w $I").lines).toEqual(["w 7", "w 6", "w 5"]);
  });
  test("numbers are C's: 0x hex and leading-0 octal; ~SEQx writes hex", () => {
    expect(expand("~SEQ(I,0x10,0x11) w $I\n~SEQ(J,010,8) w $J").lines).toEqual(["w 16", "w 17", "w 8"]);
    expect(expand("~SEQx(H,9,3,20) fd00::${H}").lines).toEqual(["fd00::9", "fd00::c", "fd00::f", "fd00::12"]);
  });
  test("~SEQ parameters can be definitions", () => {
    expect(expand("$N=2\n~SEQ(I,${N}) w $I").lines).toEqual(["w 1", "w 2"]);
  });
  test("several ~SEQ on a line nest, the first outermost", () => {
    expect(expand("~SEQ(A,1,2) ~SEQ(B,1,2) w ${A}${B}").lines).toEqual(["w 11", "w 12", "w 21", "w 22"]);
  });
  test("~SEQ repeating a multi-line definition repeats all its lines", () => {
    expect(expand("$VIP= \\\nvip 198.18.0.${I} \\\nend ${I}\n~SEQ(I,1,2) $VIP").lines).toEqual(["vip 198.18.0.1", "end 1", "vip 198.18.0.2", "end 2"]);
  });
  test("~LST(VAR,V1,V2) and ~LST({A,B},{1,2},{3,4})", () => {
    expect(expand("~LST(L,x,y) w $L\n~LST({A,B},{1,2},{3,4}) w ${A}_${B}").lines).toEqual(["w x", "w y", "w 1_2", "w 3_4"]);
  });
  test("a step that never reaches the end, a negative ~SEQx and a malformed head are errors at the line", () => {
    expect(expand("~SEQ(I,5,0,1) w\n~SEQx(H,-1) w\n~SEQ(I 1) w\n~LST(L) w\n~LST(L, a b) w").diags).toEqual([
      "k.conf:1:1: error: ~SEQ: step 0 never gets from 5 to 1 (at '~SEQ(I,5,0,1) w')",
      "k.conf:2:1: error: ~SEQx is only for numbers that are not negative (at '~SEQx(H,-1) w')",
      "k.conf:3:6: error: ~SEQ: needs (VAR, [START, [STEP,]] END) (at '~SEQ(I 1) w')",
      "k.conf:4:6: error: ~LST: needs (VAR, VALUE, ...) (at '~LST(L) w')",
      "k.conf:5:6: error: ~LST: 'a b' is not a value (values are single words) (at '~LST(L, a b) w')",
    ]);
  });
  test("a huge ~SEQ stops with an error instead of filling memory", () => {
    const d = new Diagnostics();
    const limits = { ...DEFAULT_LIMITS, expand: { ...DEFAULT_EXPAND_LIMITS, maxSteps: 1000 } };
    readConfigLines("/k.conf", memorySource({ "/k.conf": "~SEQ(I,1,100000000) $X=1" }), d, limits);
    expect(d.list.map((x) => formatDiagnostic(x))).toEqual(["/k.conf:1:21: error: expansion too large: more than 1000 lines (at '$X=1') [in ~SEQ I=1000 at /k.conf:1:1]"]);
    expect(DEFAULT_EXPAND_LIMITS.maxSteps).toBe(1_000_000);
  });
});

describe("include", () => {
  test("a relative include is relative to the including file's directory, at any depth", () => {
    const r = expand("include conf.d/a.conf\nlast", {
      files: { "/etc/k/conf.d/a.conf": "a\ninclude b.conf", "/etc/k/conf.d/b.conf": "b", "/etc/k/b.conf": "wrong" },
    });
    expect(r.lines).toEqual(["a", "b", "last"]);
  });
  test("an include may use a definition, be conditional, or come from a ~SEQ", () => {
    const files = { "/etc/k/d/x.conf": "x", "/etc/k/d/y.conf": "y", "/etc/k/n1.conf": "n1", "/etc/k/n2.conf": "n2" };
    expect(expand("$D=d\ninclude ${D}/x.conf\n@main include d/y.conf\n@other include d/x.conf\n~SEQ(I,2) include n${I}.conf", { files }).lines).toEqual(["x", "y", "n1", "n2"]);
  });
  test("definitions made in an included file are seen after the include", () => {
    expect(expand("include vars.conf\nw $V", { files: { "/etc/k/vars.conf": "$V=1" } }).lines).toEqual(["w 1"]);
  });
  test("an include loop through a glob is a clear error, not a hang", () => {
    const r = expand("include conf.d/*.conf", { files: { "/etc/k/conf.d/a.conf": "include ../k.conf" } });
    expect(r.diags).toEqual(["conf.d/a.conf:1:1: error: include loop: k.conf -> conf.d/a.conf -> k.conf (at 'include ../k.conf')"]);
  });
});

describe("diagnostics name the original place of expanded text", () => {
  test("a bad value from a definition is reported at the definition, saying where it was used", () => {
    const r = readKeepalived("/k.conf", memorySource({ "/k.conf": `$PRIO=300\n${VI("  priority $PRIO\n  virtual_ipaddress {\n    198.18.0.1\n  }")}` }));
    expect(r.errors.map((d) => formatDiagnostic(d))).toEqual([
      "/k.conf:1:7: error: priority: 300 is out of range 1..255 (at 'priority 300') [in $PRIO used at /k.conf:5:12]",
    ]);
  });
  test("a bad address made by a ~SEQ round names the round", () => {
    const r = readKeepalived("/k.conf", memorySource({ "/k.conf": VI("  virtual_ipaddress {\n    ~SEQ(I,254,256) 198.18.0.${I}\n  }") }));
    expect(r.errors.map((d) => formatDiagnostic(d))).toEqual([
      "/k.conf:5:21: error: '198.18.0.256' is not an IPv4 or IPv6 address (at '198.18.0.256') [in ~SEQ I=256 at /k.conf:5:5]",
    ]);
  });
  test("text around an expansion keeps its own columns", () => {
    const d = new Diagnostics();
    const [l] = readConfigLines("/k.conf", memorySource({ "/k.conf": "$A=xx\n  w ${A} tail" }), d);
    expect(l!.tokens.map((t) => [t.text, t.line, t.col, t.via ?? ""])).toEqual([
      ["w", 2, 3, ""],
      ["xx", 1, 4, "in $A used at /k.conf:2:5"],
      ["tail", 2, 10, ""],
    ]);
  });
});
