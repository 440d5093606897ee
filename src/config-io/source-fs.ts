// FileSource over the real filesystem (the only I/O of the config reader).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { globToRegExp, type FileSource } from "../config/source.ts";
import { defaultConfigId } from "./config-id.ts";

const MAX_FILE_BYTES = 64 << 20;

export const fsSource: FileSource = {
  configId: defaultConfigId,
  cwd: () => process.cwd(),
  read(path) {
    try {
      const st = statSync(path);
      if (st.isDirectory()) return new Error("is a directory");
      // /dev/zero or a FIFO would never end, a huge file would fill memory before the
      // reader's own size limit could refuse it
      if (!st.isFile()) return new Error("not a regular file");
      if (st.size > MAX_FILE_BYTES) return new Error(`larger than ${MAX_FILE_BYTES >> 20} MiB`);
      return readFileSync(path);
    } catch (e) {
      return e instanceof Error ? new Error((e as NodeJS.ErrnoException).code ?? e.message) : new Error(String(e));
    }
  },
  glob(pattern) {
    // Patterns only ever glob the last path components; walk from the deepest
    // literal directory so `conf.d/*.conf` never scans the whole tree.
    const parts = pattern.split("/");
    let fixed = 0;
    while (fixed < parts.length - 1 && !/[*?[]/.test(parts[fixed]!)) fixed++;
    const root = parts.slice(0, fixed).join("/") || "/";
    const rest = parts.slice(fixed);
    const out: string[] = [];
    const walk = (dir: string, i: number) => {
      if (out.length > 10_000) return;
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      const re = globToRegExp(rest[i]!);
      for (const name of names.sort()) {
        if (name.startsWith(".") && !rest[i]!.startsWith(".")) continue;
        if (!re.test(name)) continue;
        const full = dir === "/" ? `/${name}` : `${dir}/${name}`;
        if (i === rest.length - 1) {
          try {
            if (statSync(full).isFile()) out.push(full);
          } catch {}
        } else walk(full, i + 1);
      }
    };
    walk(root, 0);
    return out.sort();
  },
};
