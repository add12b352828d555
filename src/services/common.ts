/**
 * Compatibility re-export for src/cli until the lead moves its imports to src/formats.ts; the
 * helpers that lived here moved by concern (input.ts, permissions.ts, paging.ts,
 * store-errors.ts, reads.ts, records.ts, and the value and date rules to src/formats.ts).
 * Delete this file once nothing imports it.
 */
export { localDate } from '../formats.js';
