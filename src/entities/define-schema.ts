import type { createSchema } from 'electrodb';

/**
 * ElectroDB's `createSchema` (same types) without its run-time model validation, which it
 * runs for every schema when the module loads: thirteen JSON-schema validations on every cold
 * start. The test suite validates every model with ElectroDB (test/entities); see ADR 0001.
 */
export const defineSchema: typeof createSchema = (schema) => schema;
