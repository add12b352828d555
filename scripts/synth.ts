import { writeFileSync } from 'node:fs';
import { renderTemplate, synthesizeTemplate, TEMPLATE_PATH } from '../infra/synth.js';

writeFileSync(TEMPLATE_PATH, renderTemplate(synthesizeTemplate()));
console.log(`wrote ${TEMPLATE_PATH}`);
