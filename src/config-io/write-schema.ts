// Prints the published JSON Schema (src/config/schema.ts, pure) to stdout:
//   bun src/config-io/write-schema.ts > schema/vigil-config.schema.json
import { schemaText } from "../config/schema.ts";

process.stdout.write(schemaText());
