import pkg from "../../package.json" with { type: "json" };

export async function run(_argv: string[]): Promise<number> {
  process.stdout.write(`vigil ${pkg.version} (linux-${process.arch}, bun ${Bun.version})\n`);
  return 0;
}
