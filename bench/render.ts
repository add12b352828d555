/**
 * Re-renders bench/RESULTS.md and docs/capacity.md from the numbers `npm run bench` saved
 * (bench/RESULTS.json), after a change to the report's wording: `tsx bench/render.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderCapacity, renderResults, type BenchReport } from './report.js';

const [from = 'bench/RESULTS.json', out = 'bench/RESULTS.md', capacity = 'docs/capacity.md'] = process.argv.slice(2);
const report = JSON.parse(readFileSync(from, 'utf8')) as BenchReport;
writeFileSync(out, renderResults(report));
writeFileSync(capacity, renderCapacity(report));
