/**
 * The migration's rules without a database: deterministic IDs, the prototype's cron dialect and
 * its translation (property-tested against the prototype's own reading), value rules, reading a
 * DataOps export (checksums first), and telling a DataOps export from this store's export.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cron } from 'croner';
import fc from 'fast-check';
import { decodeTime } from 'ulidx';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isExecutionStoreError } from '../../src/errors.js';
import { importExecutionData, validateExport } from '../../src/export/index.js';
import { SCHEMA_VERSION } from '../../src/export/registry.js';
import { deterministicId, ID_PATTERNS } from '../../src/ids.js';
import { describeCronMeaning, detectDataopsV1Export, skippedForReview, type MigrationReport, prototypeMatchesDate, readDataopsExport, readPrototypeCron, translatePrototypeCron } from '../../src/migrate/index.js';
import { ReportBuilder } from '../../src/migrate/report.js';
import { commitTemplates } from '../../src/migrate/templates-git.js';
import { slugOf, templateDocument } from '../../src/migrate/templates.js';
import { titleAndDescription, vocabulary } from '../../src/migrate/values.js';
import { addDays, localDate } from '../../src/formats.js';
import { BUNDLE_STAGES } from '../../src/vocabulary.js';
import { prototypeItems, TEMPLATE, withoutKeys } from './support/prototype-fixture.js';
import { gitLog, makeTemplatesRepo, writeDataopsExport } from './support/sources.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
const exportOf = (...args: Parameters<typeof writeDataopsExport>) => {
  const dir = writeDataopsExport(...args);
  dirs.push(dir);
  return dir;
};

describe('deterministicId', () => {
  const created = new Date('2026-03-02T09:00:00.123Z');
  it('is the same for the same kind and source key, a valid prefixed ULID whose time is createdAt', () => {
    const id = deterministicId('task', 'c24b7f1d-6a8c-4d3c-8b5f-9c3d7e2a4f6c', created);
    expect(deterministicId('task', 'c24b7f1d-6a8c-4d3c-8b5f-9c3d7e2a4f6c', created)).toBe(id);
    expect(id).toMatch(ID_PATTERNS.task);
    expect(decodeTime(id.slice(4))).toBe(created.getTime());
  });
  it('differs by kind and by source key, and not by time alone in its random part', () => {
    const a = deterministicId('task', 'x', created);
    expect(deterministicId('bundle', 'x', created).slice(4)).not.toBe(a.slice(4));
    expect(deterministicId('task', 'y', created)).not.toBe(a);
    expect(deterministicId('task', 'x', new Date(0)).slice(-16)).toBe(a.slice(-16));
  });
  it('rejects an invalid date with a typed error', () => {
    expect(() => deterministicId('task', 'x', new Date('nope'))).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });
});

describe("the prototype's cron dialect", () => {
  it('reads fields as the prototype did: steps from zero, first number only, both day fields required, no names', () => {
    const cron = readPrototypeCron('0 9 */2 1-3 MON');
    expect(cron.dayOfMonth.slice(0, 3)).toEqual([2, 4, 6]);
    expect(cron.month).toEqual([1]);
    expect(cron.dayOfWeek).toEqual([]);
    const firstMonday = readPrototypeCron('0 10 1 * 1');
    expect(prototypeMatchesDate(firstMonday, '2026-06-01')).toBe(true); // a Monday the 1st
    expect(prototypeMatchesDate(firstMonday, '2026-06-08')).toBe(false); // a Monday, not the 1st
    expect(prototypeMatchesDate(readPrototypeCron('0 9 * *'), '2026-06-01')).toBe(false); // 4 fields never match
  });

  // Expressions in the prototype's dialect and beyond it (ranges, names, 7), as people typed them.
  const dayOfMonth = fc.oneof(fc.constant('*'), fc.integer({ min: 1, max: 12 }).map((n) => `*/${n}`), fc.integer({ min: 1, max: 31 }).map(String), fc.constantFrom('1,15', '1-7', '28,29,30,31', '31'));
  const month = fc.oneof(fc.constant('*'), fc.integer({ min: 1, max: 6 }).map((n) => `*/${n}`), fc.integer({ min: 1, max: 12 }).map(String), fc.constantFrom('2', '1,4,7,10', '3-5'));
  const dayOfWeek = fc.oneof(fc.constant('*'), fc.integer({ min: 0, max: 7 }).map(String), fc.constantFrom('1,3,5', '1-5', 'MON', '*/2', '0,6'));
  const time = fc.constantFrom('0 9', '* *', '30 8', '*/15 *', '0 */2');
  const expression = fc.tuple(time, dayOfMonth, month, dayOfWeek).map(([t, d, m, w]) => `${t} ${d} ${m} ${w}`);

  it('translates every expression into a cron that runs once on exactly the dates the prototype generated', () => {
    fc.assert(
      fc.property(expression, (text) => {
        const prototype = readPrototypeCron(text);
        const expected: string[] = [];
        for (let date = '2024-01-01'; date <= '2025-12-31'; date = addDays(date, 1, 'date')) if (prototypeMatchesDate(prototype, date)) expected.push(date);
        const { cron } = translatePrototypeCron(text);
        if (cron === null) return expected.length === 0;
        const runs: string[] = [];
        let cursor = new Date('2023-12-31T23:59:59.000Z');
        for (;;) {
          const run = new Cron(cron, { timezone: 'UTC', mode: '5-part', paused: true }).nextRun(cursor);
          if (!run || localDate(run, 'UTC') > '2025-12-31') break;
          runs.push(localDate(run, 'UTC'));
          cursor = run;
        }
        expect(runs, `${text} -> ${cron}`).toEqual(expected);
        return true;
      }),
      { numRuns: 150, seed: 20260320 },
    );
  });

  it('says when the text means something else as standard cron, and gives both readings', () => {
    expect(describeCronMeaning('0 9 * * 1', 'UTC', '2026-03-16')).toMatchObject({ changed: false, differences: [], migrated: '0 9 * * 1' });
    const everyMinute = describeCronMeaning('* * * * *', 'UTC', '2026-03-16');
    expect(everyMinute).toMatchObject({ changed: true, migrated: '0 0 * * *' });
    expect(everyMinute.differences[0]).toMatch(/ignored them/);
    expect(everyMinute.prototype.next).toEqual(['2026-03-17', '2026-03-18', '2026-03-19', '2026-03-20', '2026-03-21']);
    expect(everyMinute.standard.next.slice(0, 2)).toEqual(['2026-03-17T00:00:00.000Z', '2026-03-17T00:01:00.000Z']);
    const range = describeCronMeaning('0 9 1-5 * *', 'UTC', '2026-03-16');
    expect(range).toMatchObject({ changed: true, migrated: '0 9 1 * *' });
    expect(range.differences.join(' ')).toMatch(/first number/);
    const sunday = describeCronMeaning('0 9 * * 7', 'UTC', '2026-03-16');
    expect(sunday).toMatchObject({ changed: true, migrated: null });
    expect(describeCronMeaning('0 9 * * 0', 'UTC', '2026-03-16').changed).toBe(false);
  });
});

describe('the report', () => {
  it('fails --strict on skipped rows, not on sessions, which are never migrated by design', () => {
    const row = (collection: 'sessions' | 'tasks') => ({ collection, source: 'x', source_id: 'y', reason: 'z' });
    const report = (skipped: ReturnType<typeof row>[]) => ({ skipped }) as unknown as MigrationReport;
    expect(skippedForReview(report([row('sessions'), row('sessions')]))).toEqual([]);
    expect(skippedForReview(report([row('sessions'), row('tasks')]))).toEqual([row('tasks')]);
  });
});

describe('value rules', () => {
  it('makes a title from free text and keeps the whole text as the description when it does not fit', () => {
    expect(titleAndDescription('Create an Invoice')).toEqual({ title: 'Create an Invoice' });
    expect(titleAndDescription('First line\nsecond line')).toEqual({ title: 'First line', description: 'First line\nsecond line' });
    const long = 'x'.repeat(250);
    const { title, description } = titleAndDescription(long);
    expect(title).toHaveLength(200);
    expect(title.endsWith('…')).toBe(true);
    expect(description).toBe(long);
  });
  it('maps kebab-case values and replaces unknown ones with the default, saying so', () => {
    const notes: string[] = [];
    const note = (_code: string, message: string) => void notes.push(message);
    expect(vocabulary('after-event', BUNDLE_STAGES, 'preparation', 'stage', note)).toBe('after_event');
    expect(vocabulary('later', BUNDLE_STAGES, 'preparation', 'stage', note)).toBe('preparation');
    expect(notes).toEqual(['stage "later" is not one of preparation, announced, after_event, done: stored as preparation']);
  });
  it('names template files from their names', () => {
    expect(slugOf('Newsletter')).toBe('newsletter');
    expect(slugOf('Book of the Week — Ünïcode!')).toBe('book-of-the-week-unicode');
    expect(slugOf('🎙️')).toBe('template');
  });
});

describe('reading a DataOps v1 export', () => {
  const items = prototypeItems();

  it('reads every entity back into prototype records, and reports entities the prototype does not have', async () => {
    const dir = exportOf(items, { extraEntities: { artifacts: [{ artifact_id: 'art-1', type: 'report', title: 'Q1 report' }] } });
    const records = await readDataopsExport(dir);
    expect(records.tasks.rows).toHaveLength(14);
    expect(records.recurring_configs.rows).toHaveLength(5);
    expect(records.bundles.rows.find((row) => row.id.startsWith('3b5e'))!.record).toMatchObject({ anchorDate: '2026-03-16', bundleLinks: [expect.objectContaining({ name: 'Sponsorship document' }), { name: 'Mailchimp newsletter', url: '' }], templateId: expect.any(String) });
    expect(records.unsupported).toEqual([{ source: 'artifacts.jsonl', id: 'art-1', reason: expect.stringMatching(/no counterpart/) }]);
  });

  it('verifies checksums before reading a row, and reads nothing from a tampered export', async () => {
    const dir = exportOf(items);
    const tasks = join(dir, 'tasks.jsonl');
    await writeFile(tasks, (await readFile(tasks, 'utf8')).replace('Create an Invoice', 'Create an invoice'));
    const error = await readDataopsExport(dir).catch((e: unknown) => e);
    expect(isExecutionStoreError(error, 'VALIDATION')).toBe(true);
    expect((error as Error).message).toMatch(/tasks\.jsonl: checksum sha256:[0-9a-f]{64} does not match/);
  });

  it('refuses a manifest whose counts are wrong, and points at `exstate import` for this store\'s own export', async () => {
    const dir = exportOf(items);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    manifest.entity_counts.users = 9;
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    await expect(readDataopsExport(dir)).rejects.toThrow(/users\.jsonl has 5 rows; the manifest says 9/);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ schema_version: SCHEMA_VERSION, entities: {} }));
    await expect(readDataopsExport(dir)).rejects.toThrow(/exstate import/);
  });

  it('is recognised by validate-export and import, which say to use `exstate migrate dataops-export`', async () => {
    const dir = exportOf(items);
    expect(await detectDataopsV1Export(dir)).toBe(true);
    const validation = await validateExport(dir);
    expect(validation.ok).toBe(false);
    expect(validation.findings).toEqual([expect.objectContaining({ code: 'SCHEMA_VERSION_UNSUPPORTED', message: expect.stringContaining(`exstate migrate dataops-export ${dir}`) })]);
    // Import validates first: it refuses before it would contact any table.
    const unreachable = new DynamoDBClient({ endpoint: 'http://127.0.0.1:9', region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await expect(importExecutionData({ client: unreachable, tableName: 'never', dir })).rejects.toThrow(/exstate migrate dataops-export/);
    expect(SCHEMA_VERSION).not.toBe('dataops.execution.v1');
  });
});

describe('templates to Git', () => {
  const podcast = () => {
    const item = prototypeItems().Templates.find((t) => t.id === TEMPLATE.podcast)!;
    return templateDocument({ id: TEMPLATE.podcast, origin: 'Templates', record: withoutKeys(item) as never }, () => undefined, new ReportBuilder(), 'Templates')!;
  };
  const author = { name: 'Alexey', email: 'alexey@datatalks.club' };

  it('takes over a file an interrupted run wrote but did not commit, and never overwrites someone else\'s file', async () => {
    const repo = makeTemplatesRepo();
    dirs.push(repo);
    const document = podcast();
    await mkdir(join(repo, 'templates'), { recursive: true });
    await writeFile(join(repo, 'templates/podcast.yaml'), document.yaml); // left by a run killed before its commit
    const resumed = await commitTemplates({ repoDir: repo, documents: [document], author, dryRun: false });
    expect(resumed.outcomes).toEqual([expect.objectContaining({ path: 'templates/podcast.yaml', status: 'committed' })]);
    expect(gitLog(repo)).toHaveLength(2);

    const other = makeTemplatesRepo();
    dirs.push(other);
    await mkdir(join(other, 'templates'), { recursive: true });
    await writeFile(join(other, 'templates/podcast.yaml'), 'name: Somebody else\ntasks: []\n');
    const beside = await commitTemplates({ repoDir: other, documents: [document], author, dryRun: false });
    expect(beside.outcomes[0]).toMatchObject({ path: `templates/podcast-${TEMPLATE.podcast.slice(0, 8)}.yaml` });
    expect(await readFile(join(other, 'templates/podcast.yaml'), 'utf8')).toBe('name: Somebody else\ntasks: []\n');
    // Found again by its trailer: the same commit, nothing new.
    const again = await commitTemplates({ repoDir: other, documents: [document], author, dryRun: false });
    expect(again.outcomes[0]).toMatchObject({ status: 'unchanged', commit: beside.outcomes[0]!.commit, path: beside.outcomes[0]!.path });
    expect(gitLog(other)).toHaveLength(2);
  });

  it('refuses a directory that is not a Git repository', async () => {
    await expect(commitTemplates({ repoDir: tmpdirFor(), documents: [podcast()], author, dryRun: true })).rejects.toThrow(/not inside a Git repository/);
  });
});

function tmpdirFor(): string {
  const dir = mkdtempSync(join(tmpdir(), 'not-a-repo-'));
  dirs.push(dir);
  return dir;
}
