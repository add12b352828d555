/**
 * One verdict per value (issue #10): for values drawn from each rule of src/formats.ts, valid and
 * invalid alike (NUL, lone surrogates, whitespace-only, over-length, years 0000 and 10000,
 * unknown and non-canonical time zones, upper-case e-mails), three independent judges agree:
 * (a) the services, through createExecutionStore against DynamoDB Local: the create succeeds and
 *     stores the value unchanged (a value the service rewrites, e.g. an upper-case e-mail or a
 *     lower-case time zone, is not a storable value);
 * (b) the export validator, on an otherwise valid export whose first row holds the value;
 * (c) a Postgres load (PGlite): everything the validator accepts loads; where the rule has a
 *     Postgres check or Postgres refuses the type itself, it refuses exactly what the validator
 *     refuses; every refusal names the export file, line and field.
 * Seeded and bounded (two cores): a few dozen draws per rule, plus the cases the issue names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PGlite } from '@electric-sql/pglite';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isExecutionStoreError } from '../../src/errors.js';
import { CALENDAR_DATE, EMAIL, TEXT, TEXT_LIMITS, TIME_ZONE, type ValueRule } from '../../src/formats.js';
import { createExecutionStore, type ExecutionStore } from '../../src/store.js';
import type { User } from '../../src/entities/index.js';
import {
  durableEntries,
  generatePostgresDdl,
  isPortableExportError,
  loadExportIntoPostgres,
  pgTableName,
  REGISTRY,
  validateExport,
  type PortableExportError,
} from '../../src/export/index.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { copyExport, exportedFixture, removeTempDirs, resealManifest, writeLines, type ExportedFixture } from './support.js';

const SEED = 20_261_201;
const RUNS = 20;

let exported: ExportedFixture;
let serviceTable: TestTable;
let store: ExecutionStore;
let admin: User;
let db: PGlite;
let userCounter = 0;

beforeAll(async () => {
  [exported, serviceTable, db] = await Promise.all([exportedFixture('property'), createTestTable('property-services'), PGlite.create()]);
  store = createExecutionStore({ client: serviceTable.client, tableName: serviceTable.tableName });
  admin = await store.users.create({ email: 'admin@property.example.org', display_name: 'Admin', role: 'admin', timezone: 'UTC' });
}, 120_000);
afterAll(async () => {
  await db?.close();
  await Promise.all([exported?.table.drop(), serviceTable?.drop()]);
  await removeTempDirs();
});

// ---------------------------------------------------------------------------------------------
// Values on both sides of each rule

/** What String.prototype.trim removes, and a few characters it keeps. */
const WHITESPACE = [' ', '\t', '\n', '\r', '\u000b', '\u00a0', '\u1680', '\u2003', '\u2028', '\u202f', '\u3000', '\ufeff'];
const blank = fc.array(fc.constantFrom(...WHITESPACE), { minLength: 0, maxLength: 6 }).map((units) => units.join(''));
const loneSurrogate = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff');
const word = fc.string({ minLength: 1, maxLength: 24 });

function textValues(max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    word,
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
    blank,
    fc.tuple(blank, word, blank).map(([before, text, after]) => `${before}${text}${after}`),
    fc.tuple(word, loneSurrogate, word).map(([before, unit, after]) => `${before}${unit}${after}`),
    fc.tuple(word, word).map(([before, after]) => `${before}\u0000${after}`),
    fc.integer({ min: max - 2, max: max + 2 }).map((n) => 'x'.repeat(n)),
    // Astral characters count two (UTF-16 code units), as JavaScript counts.
    fc.integer({ min: Math.floor(max / 2) - 1, max: Math.floor(max / 2) + 1 }).map((n) => '\u{1F389}'.repeat(n)),
  );
}
const textExamples = (max: number): unknown[] => ['Book the venue', '  padded  ', '', ' ', ' \t\u00a0\u3000', 'a\u0000b', 'a\ud800b', 'x'.repeat(max), 'x'.repeat(max + 1), '\u{1F389}'.repeat(max / 2 + 1)];

const emailLocal = fc.stringMatching(/^[a-z0-9._+-]{1,16}$/);
const emailDomain = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
const emailTld = fc.stringMatching(/^[a-z]{2,6}$/);
const validEmail = fc.tuple(emailLocal, emailDomain, emailTld).map(([local, domain, tld]) => `${local}@${domain}.${tld}`);
const emailValues: fc.Arbitrary<unknown> = fc.oneof(
  validEmail,
  validEmail.map((email) => email.toUpperCase()),
  validEmail.map((email) => `${email.charAt(0).toUpperCase()}${email.slice(1)}`),
  validEmail.map((email) => email.replace(/\.(?=[^.]*$)/, '')),
  validEmail.map((email) => email.replace('@', '')),
  fc.tuple(blank, validEmail).map(([space, email]) => `${space}${email}`),
  fc.tuple(validEmail, loneSurrogate).map(([email, unit]) => `${unit}${email}`),
  validEmail.map((email) => `${email}\u0000`),
  validEmail.map((email) => `${'a'.repeat(TEXT_LIMITS.email - email.length + 1)}${email}`),
  blank,
);
// Distinct addresses (also once lower-cased): uniqueness is not what is judged here.
const emailExamples = ['ada@example.org', 'Bea@Example.org', 'CARL@EXAMPLE.ORG', 'dora@example', ' emil@example.org', 'fay@example.org\u0000', '\ud800gus@example.org', 'hä@example.org', 'Ä@example.org', ''];

const ZONES = Intl.supportedValuesOf('timeZone');
const zone = fc.constantFrom(...ZONES);
const zoneValues: fc.Arbitrary<unknown> = fc.oneof(
  zone,
  zone.map((name) => name.toLowerCase()),
  zone.map((name) => name.toUpperCase()),
  zone.map((name) => ` ${name}`),
  zone.map((name) => `${name}\u0000`),
  fc.constantFrom('Mars/Olympus_Mons', 'Europe/Atlantis', 'Moon/Tranquility_Base', 'GMT+25', 'Not a zone', ''),
  fc.constantFrom('US/Pacific', 'Asia/Kolkata', 'Asia/Calcutta', 'Etc/UTC', 'UTC', 'Europe/Kiev', 'Europe/Berlin'),
);
const zoneExamples = ['Europe/Berlin', 'Mars/Olympus_Mons', 'europe/berlin', 'EUROPE/BERLIN', 'Etc/UTC', 'US/Pacific', '', 'Europe/Berlin\u0000'];

const month = fc.integer({ min: 1, max: 12 }).map((n) => String(n).padStart(2, '0'));
const day = fc.integer({ min: 1, max: 28 }).map((n) => String(n).padStart(2, '0'));
const dateValues: fc.Arbitrary<unknown> = fc.oneof(
  fc.date({ min: new Date('0001-01-01T00:00:00.000Z'), max: new Date('9999-12-31T00:00:00.000Z'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10)),
  fc.tuple(month, day).map(([m, d]) => `0000-${m}-${d}`),
  fc.tuple(fc.integer({ min: 10_000, max: 99_999 }), month, day).map(([y, m, d]) => `${y}-${m}-${d}`),
  fc.constantFrom('2026-02-30', '2025-02-29', '2026-04-31', '2026-13-01', '2026-00-10'),
);
const dateExamples = ['2026-12-01', '0001-01-01', '9999-12-31', '0000-01-01', '0000-12-31', '10000-01-01', '2024-02-29', '2025-02-29'];

// ---------------------------------------------------------------------------------------------
// The three judges

interface Judged {
  /** The export file and column the value is put into (first row). */
  file: string;
  column: string;
  rule: ValueRule<unknown>;
  /** Postgres decides exactly like the rule (a check from the rule, or the type refuses the same values). */
  postgresExact: boolean;
  values: fc.Arbitrary<unknown>;
  examples: unknown[];
  /** (a) true when the service stores the value unchanged; false when it refuses it (VALIDATION) or stores something else. */
  service: (value: unknown) => Promise<boolean>;
}

/** A services call: accepted and stored unchanged, or refused with a typed VALIDATION error. */
async function storedUnchanged(value: unknown, create: () => Promise<unknown>): Promise<boolean> {
  try {
    return (await create()) === value;
  } catch (error) {
    expect(isExecutionStoreError(error, 'VALIDATION'), `${String(error)} for ${JSON.stringify(value)}`).toBe(true);
    return false;
  }
}

const newEmail = () => `user${(userCounter += 1)}@property.example.org`;
const actor = () => ({ user_id: admin.user_id, role: admin.role });
const usedEmails = new Set<string>(['admin@property.example.org']);

const JUDGED: Judged[] = [
  {
    file: 'users.jsonl',
    column: 'email',
    rule: EMAIL,
    postgresExact: false, // Postgres' \s is ASCII whitespace; the validator also applies the entity's own check
    values: emailValues,
    examples: emailExamples,
    service: (value) =>
      storedUnchanged(value, async () => (await store.users.create({ email: value as string, display_name: 'P', role: 'operator', timezone: 'UTC' })).email),
  },
  {
    file: 'users.jsonl',
    column: 'display_name',
    rule: TEXT.short,
    postgresExact: true,
    values: textValues(TEXT_LIMITS.short),
    examples: textExamples(TEXT_LIMITS.short),
    service: (value) => storedUnchanged(value, async () => (await store.users.create({ email: newEmail(), display_name: value as string, role: 'viewer', timezone: 'UTC' })).display_name),
  },
  {
    file: 'users.jsonl',
    column: 'timezone',
    rule: TIME_ZONE,
    postgresExact: false, // no Postgres check can ask ICU whether a zone exists
    values: zoneValues,
    examples: zoneExamples,
    service: (value) => storedUnchanged(value, async () => (await store.users.create({ email: newEmail(), display_name: 'P', role: 'viewer', timezone: value as string })).timezone),
  },
  {
    file: 'recurring_schedules.jsonl',
    column: 'time_zone',
    rule: TIME_ZONE,
    postgresExact: false,
    values: zoneValues,
    examples: zoneExamples,
    service: (value) => storedUnchanged(value, async () => (await store.schedules.create({ title: 'P', cron: '0 9 * * 1', time_zone: value as string, actor: actor() })).time_zone),
  },
  {
    file: 'tasks.jsonl',
    column: 'title',
    rule: TEXT.title,
    postgresExact: true,
    values: textValues(TEXT_LIMITS.title),
    examples: textExamples(TEXT_LIMITS.title),
    service: (value) => storedUnchanged(value, async () => (await store.tasks.create({ title: value as string, actor: actor() })).title),
  },
  {
    file: 'tasks.jsonl',
    column: 'due_date',
    rule: CALENDAR_DATE,
    postgresExact: true,
    values: dateValues,
    examples: dateExamples,
    service: (value) => storedUnchanged(value, async () => (await store.tasks.create({ title: 'P', due_date: value as string, actor: actor() })).due_date),
  },
];

/** (b) The validator's verdict on the export with `value` in the first row of the column; a refusal names that row and column. */
async function validatorVerdict(dir: string, judged: Judged, original: string[], value: unknown): Promise<boolean> {
  const row = JSON.parse(original[0]!) as Record<string, unknown>;
  await writeLines(dir, judged.file, [JSON.stringify({ ...row, [judged.column]: value }), ...original.slice(1)]);
  await resealManifest(dir);
  const result = await validateExport(dir);
  if (!result.ok) {
    expect(result.findings, JSON.stringify(value)).toEqual([expect.objectContaining({ file: judged.file, line: 1, field: judged.column, code: 'INVALID_VALUE' })]);
  } else {
    expect(result.findings).toEqual([]);
  }
  return result.ok;
}

/** (c) Postgres' verdict on the same export; a refusal names the file, line and field. The tables are emptied again after a load. */
async function postgresVerdict(dir: string, judged: Judged, schema: string, value: unknown): Promise<boolean> {
  const outcome = await loadExportIntoPostgres(db, dir, { schema, createSchema: false }).then(
    () => null,
    (error: unknown) => error as PortableExportError,
  );
  if (outcome === null) {
    await db.exec(`TRUNCATE ${durableEntries().map((entry) => `"${schema}"."${pgTableName(entry)}"`).join(', ')}`);
    return true;
  }
  expect(isPortableExportError(outcome, 'POSTGRES_LOAD_FAILED'), String(outcome)).toBe(true);
  expect(outcome.details, `${JSON.stringify(value)}: ${outcome.message}`).toMatchObject({ file: judged.file, line: 1, field: judged.column });
  return false;
}

describe('one verdict per value: services, export validator and Postgres agree', () => {
  for (const judged of JUDGED) {
    it(`${judged.file.replace('.jsonl', '')}.${judged.column} (${judged.rule.name})`, async () => {
      expect(REGISTRY[judged.file === 'users.jsonl' ? 'user' : judged.file === 'tasks.jsonl' ? 'task' : 'recurring_schedule'].columns.find((c) => c.name === judged.column)?.rule).toBe(judged.rule);
      const dir = await copyExport(exported.dir, `property-${judged.column}`);
      const original = (await readFile(join(exported.dir, judged.file), 'utf8')).replace(/\n$/, '').split('\n');
      const schema = `property_${judged.column}`;
      await db.exec(generatePostgresDdl(REGISTRY, { schema }));
      const verdicts = { accepted: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(judged.values, async (value) => {
          if (judged.column === 'email' && typeof value === 'string') {
            // Uniqueness is not a value rule: draw each address once.
            const key = value.trim().toLowerCase();
            fc.pre(!usedEmails.has(key) && !original.some((line) => line.includes(`"${key}"`)));
            usedEmails.add(key);
          }
          const service = await judged.service(value);
          const validator = await validatorVerdict(dir, judged, original, value);
          const postgres = await postgresVerdict(dir, judged, schema, value);
          expect(validator, `validator vs services on ${JSON.stringify(value)}`).toBe(service);
          expect(judged.rule.test(value) || !validator, `rule refuses ${JSON.stringify(value)} but the validator accepts it`).toBe(true);
          if (validator) expect(postgres, `Postgres refused ${JSON.stringify(value)}, which the validator accepts`).toBe(true);
          if (judged.postgresExact) expect(postgres, `Postgres vs validator on ${JSON.stringify(value)}`).toBe(validator);
          verdicts[validator ? 'accepted' : 'refused'] += 1;
        }),
        { numRuns: RUNS, seed: SEED, examples: judged.examples.map((value) => [value]), endOnFailure: true },
      );
      // Both sides of the line were exercised.
      expect(verdicts.accepted).toBeGreaterThan(0);
      expect(verdicts.refused).toBeGreaterThan(0);
    });
  }
});
