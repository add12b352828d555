/**
 * The store assembles its Query and GetItem requests from ElectroDB's keys
 * (src/entities/key-requests.ts). Here every access pattern of every entity, with every way of
 * calling it (full or partial sort key, each comparison, each prefix length), is compared with
 * the request ElectroDB's own query chain builds (`.params()`): the key condition with names and
 * values substituted must be the same. An ElectroDB upgrade that changes its key format, or a new
 * access pattern this module cannot express, fails here before it reaches a table.
 */
import { describe, expect, it } from 'vitest';
import { createEntities, ENTITY_NAMES, schemas } from '../../src/entities/index.js';
import { itemKey, queryRequest, type Composite, type KeyQuery } from '../../src/entities/key-requests.js';

const entities = createEntities({ table: 'key_requests' });

type Params = { IndexName?: string; KeyConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> };

/** A key condition with its placeholders replaced: comparable across two requests. */
function resolved(params: Params): { index: string | null; condition: string } {
  const condition = params.KeyConditionExpression.replace(/[#:][a-z0-9]+/gi, (token) =>
    token.startsWith('#') ? params.ExpressionAttributeNames[token]! : JSON.stringify(params.ExpressionAttributeValues[token]),
  );
  return { index: params.IndexName ?? null, condition: condition.replace(/\s+/g, ' ').toLowerCase().replace(/"[^"]*"/g, (value) => value) };
}

type AttributeDefinition = { type: unknown };

/** A value of the attribute's type, with upper case and separators so casing and escaping are compared too. */
function sample(definition: AttributeDefinition, name: string, variant: number): string | number {
  if (Array.isArray(definition.type)) return definition.type[variant % definition.type.length] as string;
  if (definition.type === 'number') return 7 + variant;
  return `Value_${variant}-${name.toUpperCase()}#x`;
}

interface Case {
  label: string;
  query: KeyQuery;
  /** The same query through ElectroDB's chain. */
  chain: () => { params(options?: object): Params };
}

function casesOf(entityName: (typeof ENTITY_NAMES)[number]): Case[] {
  const entity = entities[entityName] as unknown as { query: Record<string, (composite: object) => Record<string, (...a: object[]) => { params(): Params }> & { params(): Params }> };
  const schema = schemas[entityName] as unknown as { attributes: Record<string, AttributeDefinition>; indexes: Record<string, { pk: { composite: string[] }; sk?: { composite: string[] } }> };
  const cases: Case[] = [];
  for (const [index, definition] of Object.entries(schema.indexes)) {
    const value = (name: string, variant = 0) => sample(schema.attributes[name]!, name, variant);
    const pk: Record<string, string | number> = Object.fromEntries(definition.pk.composite.map((name) => [name, value(name)]));
    const sk = definition.sk?.composite ?? [];
    for (let given = 0; given <= sk.length; given++) {
      const composite: Composite = { ...pk, ...Object.fromEntries(sk.slice(0, given).map((name) => [name, value(name)])) };
      cases.push({ label: `${entityName}.${index} with ${given}/${sk.length} sort-key attributes`, query: { index, composite }, chain: () => entity.query[index]!(composite) });
      if (given === sk.length) continue;
      // A comparison on the next attribute, as `.lt({ next })` etc.
      const next = sk[given]!;
      for (const op of ['lt', 'lte', 'gt', 'gte', 'begins'] as const) {
        const bound = { [next]: value(next, 1) };
        cases.push({ label: `${entityName}.${index} ${op} on ${next} after ${given}`, query: { index, composite, [op]: bound }, chain: () => entity.query[index]!(composite)[op]!(bound) });
      }
      const from = { [next]: value(next, 1) };
      const to = { [next]: value(next, 2) };
      cases.push({ label: `${entityName}.${index} between on ${next} after ${given}`, query: { index, composite, between: [from, to] }, chain: () => entity.query[index]!(composite).between!(from, to) });
    }
  }
  return cases;
}

const cases = ENTITY_NAMES.flatMap(casesOf);

describe('queryRequest matches ElectroDB', () => {
  it('covers every access pattern of every entity, with comparisons', () => {
    const patterns = ENTITY_NAMES.reduce((count, name) => count + Object.keys(schemas[name].indexes).length, 0);
    expect(new Set(cases.map((c) => c.label.split(' ')[0])).size).toBe(patterns);
    expect(cases.some((c) => c.query.between)).toBe(true);
  });

  it.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    const ours = resolved(queryRequest(entities[c.label.split('.')[0] as (typeof ENTITY_NAMES)[number]] as never, c.query));
    const electro = resolved(c.chain().params());
    expect(ours).toEqual(electro);
  });
});

describe('itemKey matches ElectroDB', () => {
  it.each(ENTITY_NAMES.map((name) => [name] as const))('%s', (name) => {
    const schema = schemas[name] as unknown as { attributes: Record<string, AttributeDefinition>; indexes: Record<string, { index?: string; pk: { composite: string[] }; sk?: { composite: string[] } }> };
    const primary = Object.values(schema.indexes).find((definition) => definition.index === undefined)!;
    const composite = Object.fromEntries([...primary.pk.composite, ...(primary.sk?.composite ?? [])].map((attribute) => [attribute, sample(schema.attributes[attribute]!, attribute, 0)]));
    const electro = (entities[name] as unknown as { get(c: object): { params(): { Key: object } } }).get(composite).params();
    expect(itemKey(entities[name] as never, composite)).toEqual(electro.Key);
  });
});

describe('queryRequest refuses what it cannot express', () => {
  it('rejects an attribute that is not part of the access pattern', () => {
    expect(() => queryRequest(entities.task as never, { index: 'byBundle', composite: { bundle: 'x' } })).toThrow(/not a key attribute/);
  });
  it('rejects a missing partition-key attribute', () => {
    expect(() => queryRequest(entities.task as never, { index: 'byBundle', composite: {} })).toThrow(/needs "bundle_id"/);
  });
});
