/**
 * Writes the template file JSON Schema (src/templates/schema.ts) to the committed
 * src/templates/template-file.schema.json. Run after changing the format or a limit it reads:
 *   npx tsx scripts/template-schema.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEMPLATE_SCHEMA_FILE, templateSchemaJson } from '../src/templates/schema.js';

const target = resolve(dirname(fileURLToPath(import.meta.url)), '..', TEMPLATE_SCHEMA_FILE);
writeFileSync(target, templateSchemaJson());
console.log(`Wrote ${TEMPLATE_SCHEMA_FILE}`);
