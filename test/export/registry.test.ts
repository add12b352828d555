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
import { CALENDAR_DATE, EMAIL, KIND, SHA256_HEX, TEXT, TIME_ZONE, describeValue, type ValueRule } from '../../src/formats.js';
import {
  REGISTRY,
  durableEntries,
  enumColumns,
  foreignKeys,
  generatePostgresDdl,
  pgColumnType,
  pgTableName,
  requiredColumns,
  type ColumnType,
  type PgType,
} from '../../src/export/index.js';

/** The Postgres types a column type may map to (integers: by the range their rule allows). */
const PG_TYPES_BY_COLUMN_TYPE: Record<ColumnType, PgType[]> = {
  id: ['text'],
  ref: ['text'],
  ref_list: ['text[]'],
  text: ['text'],
  enum: ['text'],
  timestamp: ['timestamptz'],
  date: ['date'],
  integer: ['integer', 'bigint'],
  epoch_seconds: ['bigint'],
  boolean: ['boolean'],
  text_list: ['text[]'],
  json: ['jsonb'],
};

interface AttributeDefinition {
  type: string | readonly string[];
  required?: boolean;
  hidden?: boolean;
  validate?: (value: unknown) => boolean;
  items?: { type: string | readonly string[]; validate?: (value: unknown) => boolean };
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

/** What ElectroDB accepts for an attribute: the type first, then list elements, then the validator. */
function schemaAccepts(definition: AttributeDefinition | NonNullable<AttributeDefinition['items']>, value: unknown): boolean {
  const type = definition.type;
  if (Array.isArray(type)) return (type as readonly unknown[]).includes(value);
  if (type === 'string' && typeof value !== 'string') return false;
  if (type === 'number' && typeof value !== 'number') return false;
  if (type === 'boolean' && typeof value !== 'boolean') return false;
  if (type === 'list') {
    if (!Array.isArray(value)) return false;
    const items = (definition as AttributeDefinition).items;
    if (items && !value.every((element) => schemaAccepts(items, element))) return false;
  }
  return definition.validate === undefined || accepts(definition.validate, value);
}

function accepts(validate: ((value: unknown) => boolean) | undefined, value: unknown): boolean {
  try {
    return validate?.(value) === true;
  } catch {
    return false;
  }
}

/** Values on both sides of each rule's line: limits, blanks, NUL, lone surrogates, calendar ends, spellings. */
function samplesFor(rule: ValueRule<unknown>): unknown[] {
  const text = (max: number) => ['a', 'x'.repeat(max), 'x'.repeat(max + 1), '', ' ', '\t\u00a0', 'a\u0000b', 'a\ud800b', ' padded ', '\u{1F600}'.repeat(Math.ceil(max / 2) + 1)];
  const common: unknown[] = ['', ' ', 'a\u0000', 'a\udc00'];
  const bySample: Record<string, unknown[]> = {
    email: ['ada@example.org', 'Ada@example.org', 'ada@example', 'a b@example.org', ' ada@example.org', `${'a'.repeat(250)}@x.org`, 'a\u0000@x.org', 'ä@example.org', 'Ä@example.org'],
    time_zone: ['Europe/Berlin', 'UTC', 'America/Argentina/Buenos_Aires', 'Mars/Olympus_Mons', 'europe/berlin', 'Europe/Berlin ', 'x'.repeat(65)],
    kind: ['task_due', 'a', 'Task', '1abc', 'a'.repeat(64), 'a'.repeat(65), 'a-b'],
    s3_bucket: ['dataops-files', 'ab', 'Dataops', 'a'.repeat(64), '-abc'],
    content_type: ['application/pdf', 'image/svg+xml', 'pdf', 'a/b c', `a/${'b'.repeat(254)}`],
    sha256: ['a'.repeat(64), 'A'.repeat(64), 'a'.repeat(63), 'g'.repeat(64)],
    git_commit: ['abc1234', 'a'.repeat(64), 'abc123', 'ABC1234', 'a'.repeat(65)],
    calendar_date: ['2026-12-01', '0001-01-01', '9999-12-31', '0000-01-01', '10000-01-01', '2026-02-30', '2026-12-01T00:00:00.000Z'],
    timestamp: ['2026-12-01T09:00:00.000Z', '0001-01-01T00:00:00.000Z', '0000-12-31T23:59:59.999Z', '2026-12-01', '2026-12-01T09:00:00Z'],
    version: [1, 2, 2_147_483_647, 2_147_483_648, 0, -1, 1.5],
    size_bytes: [0, 1, Number.MAX_SAFE_INTEGER, -1, 1.5],
    epoch_seconds: [1, 1_798_243_200, 253_402_300_799, 253_402_300_800, 0, 1.5],
    tags: [[], ['a'], Array.from({ length: 50 }, () => 't'), Array.from({ length: 51 }, () => 't'), [' '], ['x'.repeat(65)], ['a\u0000']],
  };
  if (rule.name.startsWith('text.')) return text(rule.maxLength!);
  if (rule.name === 'tags') return bySample.tags!;
  if (rule.name === 'boolean') return [true, false, 'true', 0];
  if (rule.name.endsWith('_id')) {
    const kind = rule.name.slice(0, -3) as IdKind;
    return kind in ID_PREFIXES ? [`${ID_PREFIXES[kind]}_${SAMPLE_ULID}`, `${ID_PREFIXES[kind]}_${SAMPLE_ULID.toLowerCase()}`, `xyz_${SAMPLE_ULID}`, ...common] : ['a'.repeat(64), 'A'.repeat(64), ...common];
  }
  return [...(bySample[rule.name] ?? []), ...common];
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
      expect(requiredColumns(entry)).toEqual(entry.columns.filter((column) => column.required).map((column) => column.name));
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
          expect(enumColumns(REGISTRY[entity])[column.name]).toEqual(column.enumValues);
        } else {
          expect(compatible[definition.type as string], `${entity}.${column.name} (${String(definition.type)})`).toContain(column.type);
        }
        if (column.type === 'timestamp') {
          expect(accepts(definition.validate, '2026-12-01T09:00:00.000Z') && !accepts(definition.validate, '2026-12-01'), `${entity}.${column.name}`).toBe(true);
        }
        if (column.type === 'date') {
          expect(accepts(definition.validate, '2026-12-01') && !accepts(definition.validate, '2026-12-01T09:00:00.000Z'), `${entity}.${column.name}`).toBe(true);
        }
        expect(PG_TYPES_BY_COLUMN_TYPE[column.type], `${entity}.${column.name} Postgres type`).toContain(pgColumnType(column));
      }
    }
  });

  it('gives every column the rule its schema attribute applies: both judge sample values alike', () => {
    const disagreements = new Map<string, string[]>();
    let compared = 0;
    for (const entity of ENTITY_NAMES) {
      for (const column of REGISTRY[entity].columns) {
        const definition = attributesOf(entity)[column.name]!;
        const checks: [ValueRule<unknown>, (value: unknown) => boolean, string][] = [];
        if (column.rule) checks.push([column.rule, (value) => schemaAccepts(definition, value), 'value']);
        if (column.itemRule && definition.items) checks.push([column.itemRule, (value) => schemaAccepts(definition.items!, value), 'element']);
        for (const [rule, schemaVerdict, what] of checks) {
          for (const sample of samplesFor(rule)) {
            compared += 1;
            if (rule.test(sample) !== schemaVerdict(sample)) {
              const key = `${entity}.${column.name}`;
              disagreements.set(key, [...(disagreements.get(key) ?? []), `${what} ${describeValue(sample)}: rule ${rule.test(sample)}, schema ${schemaVerdict(sample)}`]);
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(500);
    expect(Object.fromEntries(disagreements)).toEqual({});
  });

  it('names a rule for every column except enums and free-form JSON (audit_event.changes)', () => {
    for (const entry of Object.values(REGISTRY)) {
      for (const column of entry.columns) {
        const key = `${entry.entity}.${column.name}`;
        if (column.type === 'enum' || key === 'audit_event.changes') expect(column.rule, key).toBeUndefined();
        else expect(column.rule ?? column.itemRule, `${key} names no rule`).toBeDefined();
      }
    }
    expect(REGISTRY.user.columns.find((column) => column.name === 'email')!.rule).toBe(EMAIL);
    expect(REGISTRY.user.columns.find((column) => column.name === 'timezone')!.rule).toBe(TIME_ZONE);
    expect(REGISTRY.recurring_schedule.columns.find((column) => column.name === 'time_zone')!.rule).toBe(TIME_ZONE);
    expect(REGISTRY.task.columns.find((column) => column.name === 'title')!.rule).toBe(TEXT.title);
    expect(REGISTRY.notification.columns.find((column) => column.name === 'kind')!.rule).toBe(KIND);
    expect(REGISTRY.file.columns.find((column) => column.name === 'sha256')!.rule).toBe(SHA256_HEX);
    expect(REGISTRY.task.columns.find((column) => column.name === 'due_date')!.rule).toBe(CALENDAR_DATE);
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
        const fk = foreignKeys(entry).find((candidate) => candidate.column === name);
        expect(fk, `${entity}.${name} references ${kind} but is not declared as a foreign key`).toBeDefined();
        expect(fk!.references, `${entity}.${name}`).toBe(kind);
        expect(fk!.many, `${entity}.${name}`).toBe(many);
        expect(fk!.nullable, `${entity}.${name}`).toBe(!column.required);
        found += 1;
      }
      for (const fk of foreignKeys(entry)) {
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
      const table = pgTableName(entry);
      expect(table).toBe(entry.exportName);
      expect(ddl).toContain(`CREATE TABLE "${table}" (`);
      expect(ddl).toContain(`CONSTRAINT "${table}_pkey" PRIMARY KEY ("${entry.primaryKey}")`);
      for (const column of entry.columns) {
        expect(ddl).toContain(`"${column.name}" ${pgColumnType(column)}${column.required ? ' NOT NULL' : ''}`);
        if (column.enumValues) expect(ddl).toContain(`CONSTRAINT "${table}_${column.name}_check" CHECK ("${column.name}" IN (`);
        if (column.rule?.pgCheck) expect(ddl).toContain(`CONSTRAINT "${table}_${column.name}_format" CHECK (${column.rule.pgCheck(column.name)})`);
      }
      for (const fk of foreignKeys(entry).filter((candidate) => !candidate.many)) {
        expect(ddl).toContain(`ADD CONSTRAINT "${table}_${fk.column}_fkey" FOREIGN KEY ("${fk.column}") REFERENCES "${pgTableName(REGISTRY[fk.references])}"`);
      }
    }
    expect(ddl).not.toContain('"sessions"');
    expect(ddl).not.toContain('"user_emails"');
    expect(ddl).toContain('CONSTRAINT "users_email_key" UNIQUE ("email")');
    expect(generatePostgresDdl(REGISTRY, { schema: 'dataops' })).toContain('CREATE TABLE "dataops"."tasks" (');
  });
});
