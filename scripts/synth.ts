/**
 * `npm run synth`: writes lambda-functions/execution-state.template.json from infra/.
 * `npm run synth -- --check` writes nothing and exits 1 when the committed file is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { renderTemplate, synthesizeTemplate, TEMPLATE_FILE, TEMPLATE_PATH } from '../infra/synth.js';

const rendered = renderTemplate(synthesizeTemplate());
const current = existsSync(TEMPLATE_FILE) ? readFileSync(TEMPLATE_FILE, 'utf8') : undefined;

if (process.argv.includes('--check')) {
  if (current !== rendered) {
    console.error(`${TEMPLATE_PATH} is out of date with infra/: run \`npm run synth\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${TEMPLATE_PATH} is up to date`);
} else if (current === rendered) {
  console.log(`${TEMPLATE_PATH} unchanged`);
} else {
  writeFileSync(TEMPLATE_FILE, rendered);
  console.log(`wrote ${TEMPLATE_PATH}`);
}
