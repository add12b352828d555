/**
 * The export registry is written by hand (it is the format contract); these tests make sure it
 * cannot drift from the ElectroDB schemas: every entity, every exported attribute, required
 * flags, enum values, and every attribute whose validator accepts only IDs of one entity must be
 * declared as that entity's own ID or as a foreign key to it.
 */
import { describe, expect, it } from 'vitest';
import { Service } from 'electrodb';
import { createEntities, ENTITY_NAMES, schemas, type EntityName } from '../../src/entities/index.js';
import { ID_PREFIXES, type IdKind } from '../../src/ids.js';
import { KEY_ATTRIBUTES } from '../../src/table-layout.js';
import { REGISTRY, durableEntries, generatePostgresDdl, type ColumnType } from '../../src/export/index.js';

interface AttributeDefinition {
  type: string | readonly string[];
  required?: boolean;
  hidden?: boolean;
  validate?: (value: unknown) => boolean;
  items?: { type: string; validate?: (value: unknown) => boolean };
}

const attributesOf = (entity: EntityName) => schemas[entity].attributes as unknown as Record<string, AttributeDefinition>;
const SAMPLE_ULID = '01J9Z8Q4X6V7W8Y9Z0A1B2C3D4';
const KINDS = Object.keys(ID_PREFIXES) as IdKind[];

/** The ID kinds a validator accepts (and it rejects a non-ID), or [] when it is not an ID validator. */
function idKindsAccepted(validate: ((value: unknown) => boolean) | undefined): IdKind[] {
  if (!validate) return [];
  const safe = (value: unknown) => {
    try {
      return validate(value) === true;
    } catch {
      return false;
    }
  };
  if (safe('not-an-id') || safe('x')) return [];
  return KINDS.filter((kind) => safe(`${ID_PREFIXES[kind]}_${SAMPLE_ULID}`));
}

function accepts(validate: ((value: unknown) => boolean) | undefined, value: unknown): boolean {
  try {
    return validate?.(value) === true;
  } catch {
    return false;
  }
}

describe('export registry', () => {
  it('has exactly one entry per entity of the ElectroDB service', () => {
    const service = new Service(createEntities(), { table: 'registry-test' });
    const serviceEntities = Object.keys(service.entities).sort();
    expect(Object.keys(REGISTRY).sort()).toEqual(serviceEntities);
    expect(serviceEntities).toEqual([...ENTITY_NAMES].sort());
    for (const name of ENTITY_NAMES) {
      expect(REGISTRY[name].entity).toBe(name);
      expect(['durable', 'ephemeral', 'derived']).toContain(REGISTRY[name].persistence);
    }
  });

  it('classifies sessions as ephemeral, user_email as derived from users, and everything else as durable', () => {
    expect(REGISTRY.session.persistence).toBe('ephemeral');
    expect(REGISTRY.user_email.persistence).toBe('derived');
    expect(REGISTRY.user_email.derivedFrom).toBe('user');
    expect(durableEntries().map((entry) => entry.entity).sort()).toEqual(ENTITY_NAMES.filter((n) => n !== 'session' && n !== 'user_email').sort());
    for (const entry of Object.values(REGISTRY)) {
      if (entry.persistence !== 'durable') expect(entry.omissionReason, entry.entity).toMatch(/\w{10,}/);
    }
    const exportNames = Object.values(REGISTRY).map((entry) => entry.exportName);
    expect(new Set(exportNames).size).toBe(exportNames.length);
  });

  it('declares exactly the stored, non-hidden attributes of every schema, with matching required flags', () => {
    for (const entity of ENTITY_NAMES) {
      const attributes = attributesOf(entity);
      const visible = Object.entries(attributes).filter(([, definition]) => !definition.hidden);
      const entry = REGISTRY[entity];
      expect(entry.columns.map((column) => column.name).sort(), entity).toEqual(visible.map(([name]) => name).sort());
      for (const [name, definition] of visible) {
        const column = entry.columns.find((candidate) => candidate.name === name)!;
        expect(column.required, `${entity}.${name} required`).toBe(definition.required === true);
        expect(KEY_ATTRIBUTES, `${entity}.${name} is not a key attribute`).not.toContain(name);
      }
      for (const [name, definition] of Object.entries(attributes).filter(([, d]) => d.hidden)) {
        expect(entry.columns.some((column) => column.name === name), `hidden ${entity}.${name} must not be exported`).toBe(false);
        expect(definition.hidden).toBe(true);
      }
      expect(entry.requiredColumns).toEqual(entry.columns.filter((column) => column.required).map((column) => column.name));
      expect(entry.columns.some((column) => column.name === entry.primaryKey && column.type === 'id'), `${entity} primary key`).toBe(true);
    }
  });

  it('declares every enum with the schema values and every column type compatibly with the schema type', () => {
    const compatible: Record<string, ColumnType[]> = {
      string: ['id', 'ref', 'text', 'timestamp', 'date'],
      number: ['integer', 'epoch_seconds'],
      boolean: ['boolean'],
      list: ['text_list', 'ref_list', 'json'],
      any: ['json'],
      map: ['json'],
    };
    for (const entity of ENTITY_NAMES) {
      for (const column of REGISTRY[entity].columns) {
        const definition = attributesOf(entity)[column.name]!;
        if (Array.isArray(definition.type)) {
          expect(column.type, `${entity}.${column.name}`).toBe('enum');
          expect([...column.enumValues!], `${entity}.${column.name}`).toEqual([...definition.type]);
          expect(REGISTRY[entity].enumColumns[column.name]).toEqual(column.enumValues);
        } else {
          expect(compatible[definition.type as string], `${entity}.${column.name} (${String(definition.type)})`).toContain(column.type);
        }
        if (column.type === 'timestamp') {
          expect(accepts(definition.validate, '2026-12-01T09:00:00.000Z') && !accepts(definition.validate, '2026-12-01'), `${entity}.${column.name}`).toBe(true);
        }
        if (column.type === 'date') {
          expect(accepts(definition.validate, '2026-12-01') && !accepts(definition.validate, '2026-12-01T09:00:00.000Z'), `${entity}.${column.name}`).toBe(true);
        }
        expect(REGISTRY[entity].pgColumnTypes[column.name], `${entity}.${column.name} Postgres type`).toBe(column.pgType);
      }
    }
  });

  it('declares every foreign-key attribute (found by probing the schema validators) and nothing else as a foreign key', () => {
    let found = 0;
    for (const entity of ENTITY_NAMES) {
      const entry = REGISTRY[entity];
      const probed = new Map<string, { kind: IdKind; many: boolean }>();
      for (const [name, definition] of Object.entries(attributesOf(entity))) {
        if (definition.hidden) continue;
        const scalar = idKindsAccepted(definition.validate);
        const element = definition.type === 'list' ? idKindsAccepted(definition.items?.validate) : [];
        for (const [kinds, many] of [
          [scalar, false],
          [element, true],
        ] as const) {
          if (kinds.length === 0) continue;
          expect(kinds, `${entity}.${name} accepts IDs of exactly one entity`).toHaveLength(1);
          probed.set(name, { kind: kinds[0]!, many });
        }
      }
      for (const [name, { kind, many }] of probed) {
        const column = entry.columns.find((candidate) => candidate.name === name)!;
        if (name === entry.primaryKey) {
          expect(kind, `${entity} own ID kind`).toBe(entity);
          continue;
        }
        const fk = entry.foreignKeys.find((candidate) => candidate.column === name);
        expect(fk, `${entity}.${name} references ${kind} but is not declared as a foreign key`).toBeDefined();
        expect(fk!.references, `${entity}.${name}`).toBe(kind);
        expect(fk!.many, `${entity}.${name}`).toBe(many);
        expect(fk!.nullable, `${entity}.${name}`).toBe(!column.required);
        found += 1;
      }
      for (const fk of entry.foreignKeys) {
        expect(probed.has(fk.column), `${entity}.${fk.column} is declared as a foreign key but its validator does not check IDs`).toBe(true);
      }
    }
    // user, bundle, template instance, schedule, task, transition, file, notification, session, artifact, job, audit, user_email.
    expect(found).toBeGreaterThanOrEqual(30);
  });

  it('gives every entity a retention and marks personal data for the pii profile', () => {
    for (const entry of Object.values(REGISTRY)) {
      expect(entry.retention.note.length, entry.entity).toBeGreaterThan(5);
      if (entry.retention.policy.startsWith('ttl')) expect(entry.retention.ttlAttribute, entry.entity).toBe('expires_at');
    }
    expect(REGISTRY.user.redactedColumns.map((column) => column.column).sort()).toEqual(['display_name', 'email']);
  });

  it('generates Postgres DDL with every durable table, primary key, NOT NULL, enum CHECK and foreign key', () => {
    const ddl = generatePostgresDdl();
    for (const entry of durableEntries()) {
      expect(ddl).toContain(`CREATE TABLE "${entry.pgTable}" (`);
      expect(ddl).toContain(`CONSTRAINT "${entry.pgTable}_pkey" PRIMARY KEY ("${entry.primaryKey}")`);
      for (const column of entry.columns) {
        expect(ddl).toContain(`"${column.name}" ${column.pgType}${column.required ? ' NOT NULL' : ''}`);
        if (column.enumValues) expect(ddl).toContain(`CONSTRAINT "${entry.pgTable}_${column.name}_check" CHECK ("${column.name}" IN (`);
      }
      for (const fk of entry.foreignKeys.filter((candidate) => !candidate.many)) {
        expect(ddl).toContain(`ADD CONSTRAINT "${entry.pgTable}_${fk.column}_fkey" FOREIGN KEY ("${fk.column}") REFERENCES "${REGISTRY[fk.references].pgTable}"`);
      }
    }
    expect(ddl).not.toContain('"sessions"');
    expect(ddl).not.toContain('"user_emails"');
    expect(ddl).toContain('CONSTRAINT "users_email_key" UNIQUE ("email")');
    expect(generatePostgresDdl(REGISTRY, { schema: 'dataops' })).toContain('CREATE TABLE "dataops"."tasks" (');
  });
});
