import type { ResponseItem, Schema, createSchema } from 'electrodb';

/**
 * ElectroDB's `createSchema` (same types) without its run-time model validation, which it
 * runs for every schema when the module loads: thirteen JSON-schema validations on every cold
 * start. The test suite validates every model with ElectroDB (test/entities); see ADR 0001.
 */
export const defineSchema: typeof createSchema = (schema) => schema;

/**
 * The record a schema stores and the services return, derived from the schema itself
 * (ElectroDB's ResponseItem: required attributes required, hidden index-only attributes left
 * out), flattened so editors show it as one object type. Each entity file exports its record
 * type this way, so a record type cannot drift from its schema.
 */
export type RecordOf<S> =
  S extends Schema<infer A, infer F, infer C> ? { [K in keyof ResponseItem<A, F, C, S>]: ResponseItem<A, F, C, S>[K] } : never;
