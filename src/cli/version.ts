import pkg from "../../package.json" with { type: "json" };
import { writeOut } from "./out.ts";

export async function run(_argv: string[]): Promise<number> {
  writeOut(`vigil ${pkg.version} (linux-${process.arch}, bun ${Bun.version})\n`);
  return 0;
}
