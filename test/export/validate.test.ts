import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newId } from '../../src/ids.js';
import { CALENDAR_DATE, EMAIL, TEXT, TEXT_LIMITS, TIME_ZONE, ruleMessage, type ValueRule } from '../../src/formats.js';
import { countTableItems, formatFinding, importExecutionData, isPortableExportError, MANIFEST_FILE, validateExport, type Finding } from '../../src/export/index.js';
import { createTestTable } from '../support/table.js';
import { copyExport, exportedFixture, readLinesOf, readManifest, removeTempDirs, resealManifest, writeLines, type ExportedFixture } from './support.js';

let exported: ExportedFixture;
beforeAll(async () => {
  exported = await exportedFixture('validate');
});
afterAll(async () => {
  await exported.table.drop();
  await removeTempDirs();
});

/** Edits one row of a file (by predicate) and returns its 1-based line number. */
async function editRow(dir: string, file: string, pick: (row: Record<string, unknown>) => boolean, edit: (row: Record<string, unknown>) => unknown): Promise<number> {
  const lines = await readLinesOf(dir, file);
  const index = lines.findIndex((line) => pick(JSON.parse(line) as Record<string, unknown>));
  expect(index).toBeGreaterThanOrEqual(0);
  const row = JSON.parse(lines[index]!) as Record<string, unknown>;
  const edited = edit(row);
  lines[index] = JSON.stringify(edited ?? row);
  await writeLines(dir, file, lines);
  return index + 1;
}

const codes = (findings: Finding[]) => findings.map((finding) => finding.code).sort();

describe('validateExport', () => {
  it('accepts the untouched export', async () => {
    const result = await validateExport(exported.dir);
    expect(result.ok).toBe(true);
    expect(result.findings).toEqual([]);
    expect(result.counts).toEqual(exported.result.counts);
  });

  it('catches a corrupted file (same length, valid JSON) by its checksum', async () => {
    const dir = await copyExport(exported.dir, 'corrupt');
    const path = join(dir, 'tasks.jsonl');
    const text = await readFile(path, 'utf8');
    expect(text).toContain('Book the venue');
    await writeFile(path, text.replace('Book the venue', 'Book the venuf'));
    const result = await validateExport(dir);
    expect(result.ok).toBe(false);
    expect(result.findings).toEqual([expect.objectContaining({ code: 'CHECKSUM_MISMATCH', file: 'tasks.jsonl', entity: 'tasks' })]);
  });

  it('catches a truncated file: the cut line, the missing newline, the count and the checksum', async () => {
    const dir = await copyExport(exported.dir, 'truncated');
    const lines = await readLinesOf(dir, 'tasks.jsonl');
    const keep = lines.slice(0, 5).join('\n').length + 1 + 40; // five whole lines and 40 bytes of the sixth
    await truncate(join(dir, 'tasks.jsonl'), keep);
    const result = await validateExport(dir);
    expect([...new Set(codes(result.findings))]).toEqual(['CHECKSUM_MISMATCH', 'COUNT_MISMATCH', 'DANGLING_REFERENCE', 'INVALID_JSON', 'TRUNCATED_LINE']);
    // The lost tasks are missed by everything that pointed at them.
    const dangling = result.findings.filter((f) => f.code === 'DANGLING_REFERENCE');
    expect(dangling.length).toBeGreaterThan(0);
    for (const finding of dangling) expect(finding.message).toMatch(/does not resolve to any exported task$/);
    expect(result.findings.find((f) => f.code === 'INVALID_JSON')).toMatchObject({ file: 'tasks.jsonl', line: 6 });
    expect(result.findings.find((f) => f.code === 'TRUNCATED_LINE')).toMatchObject({ file: 'tasks.jsonl', line: 6 });
    expect(result.findings.find((f) => f.code === 'COUNT_MISMATCH')!.message).toMatch(/20 rows, the file has 6/);
  });

  it('catches a file cut exactly at a line boundary by count and checksum', async () => {
    const dir = await copyExport(exported.dir, 'short');
    await writeLines(dir, 'task_transitions.jsonl', (await readLinesOf(dir, 'task_transitions.jsonl')).slice(0, -2));
    expect(codes((await validateExport(dir)).findings)).toEqual(['CHECKSUM_MISMATCH', 'COUNT_MISMATCH']);
  });

  it('catches a dangling foreign key, naming file, line, field and ID', async () => {
    const dir = await copyExport(exported.dir, 'dangling');
    const ghost = newId('user');
    const line = await editRow(dir, 'tasks.jsonl', (row) => row.assignee_id !== undefined, (row) => ({ ...row, assignee_id: ghost }));
    await resealManifest(dir);
    const result = await validateExport(dir);
    expect(result.findings).toEqual([
      expect.objectContaining({ code: 'DANGLING_REFERENCE', file: 'tasks.jsonl', line, field: 'assignee_id', entity: 'tasks' }),
    ]);
    expect(result.findings[0]!.message).toContain(ghost);
  });

  it('checks every element of ID lists (notification.dismissed_by) and optional references only when present', async () => {
    const dir = await copyExport(exported.dir, 'dismissed');
    const ghost = newId('user');
    const line = await editRow(
      dir,
      'notifications.jsonl',
      (row) => Array.isArray(row.dismissed_by) && row.dismissed_by.length > 0,
      (row) => ({ ...row, dismissed_by: [...(row.dismissed_by as string[]), ghost] }),
    );
    await resealManifest(dir);
    const result = await validateExport(dir);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ code: 'DANGLING_REFERENCE', file: 'notifications.jsonl', line, field: 'dismissed_by[2]' });
  });

  it('catches duplicate IDs in referenced (set-checked) and unreferenced (adjacency-checked) entities', async () => {
    const dir = await copyExport(exported.dir, 'duplicate');
    const users = await readLinesOf(dir, 'users.jsonl');
    await writeLines(dir, 'users.jsonl', [users[0]!, ...users]);
    const transitions = await readLinesOf(dir, 'task_transitions.jsonl');
    await writeLines(dir, 'task_transitions.jsonl', [...transitions.slice(0, 3), transitions[2]!, ...transitions.slice(3)]);
    await resealManifest(dir);
    const result = await validateExport(dir);
    expect(result.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'DUPLICATE_ID', file: 'users.jsonl', line: 2, field: 'user_id' }),
        expect.objectContaining({ code: 'DUPLICATE_VALUE', file: 'users.jsonl', line: 2, field: 'email' }),
        expect.objectContaining({ code: 'DUPLICATE_ID', file: 'task_transitions.jsonl', line: 4, field: 'transition_id' }),
      ]),
    );
    expect(result.findings).toHaveLength(3);
  });

  it('catches a bad enum value', async () => {
    const dir = await copyExport(exported.dir, 'enum');
    const line = await editRow(dir, 'tasks.jsonl', () => true, (row) => ({ ...row, status: 'finished' }));
    await resealManifest(dir);
    const result = await validateExport(dir);
    expect(result.findings).toEqual([expect.objectContaining({ code: 'INVALID_ENUM', file: 'tasks.jsonl', line, field: 'status' })]);
    expect(result.findings[0]!.message).toMatch(/todo, in_progress, waiting, done, cancelled, archived/);
  });

  it('catches missing required fields, nulls, unknown fields, wrong types, bad IDs and values the entity rejects', async () => {
    const dir = await copyExport(exported.dir, 'fields');
    const l1 = await editRow(dir, 'bundles.jsonl', () => true, (row) => {
      const { owner_id: _owner, ...rest } = row;
      return { ...rest, description: null, colour: 'red' };
    });
    const l2 = await editRow(dir, 'files.jsonl', () => true, (row) => ({ ...row, size_bytes: '12', task_id: 'task-1' }));
    const l3 = await editRow(dir, 'recurring_schedules.jsonl', () => true, (row) => ({ ...row, next_run_at: '2026-12-07 08:00' }));
    const l4 = await editRow(dir, 'artifacts.jsonl', () => true, (row) => ({ ...row, kind: 'Not A Kind' }));
    await resealManifest(dir);
    const result = await validateExport(dir);
    const at = (file: string, line: number) => result.findings.filter((f) => f.file === file && f.line === line).map((f) => [f.code, f.field]);
    expect(at('bundles.jsonl', l1).sort()).toEqual([
      ['INVALID_TYPE', 'description'],
      ['REQUIRED_FIELD', 'owner_id'],
      ['UNKNOWN_FIELD', 'colour'],
    ]);
    expect(at('files.jsonl', l2).sort()).toEqual([
      ['INVALID_ID', 'task_id'],
      ['INVALID_TYPE', 'size_bytes'],
    ]);
    expect(at('recurring_schedules.jsonl', l3)).toEqual([['INVALID_VALUE', 'next_run_at']]);
    // Only the entity's own validation knows the kind format: the finding comes from ElectroDB.
    expect(at('artifacts.jsonl', l4)).toEqual([['INVALID_VALUE', 'kind']]);
    expect(result.totalFindings).toBe(7);
  });

  it('catches rows out of order, empty lines and lines that are not objects', async () => {
    const dir = await copyExport(exported.dir, 'order');
    const tasks = await readLinesOf(dir, 'tasks.jsonl');
    await writeLines(dir, 'tasks.jsonl', [tasks[1]!, tasks[0]!, ...tasks.slice(2)]);
    await writeLines(dir, 'files.jsonl', [...(await readLinesOf(dir, 'files.jsonl')), '', '[1,2]']);
    await resealManifest(dir);
    const result = await validateExport(dir);
    expect(result.findings.map((f) => [f.code, f.file, f.line])).toEqual([
      ['UNSORTED', 'tasks.jsonl', 2],
      ['INVALID_JSON', 'files.jsonl', 4],
      ['INVALID_ROW', 'files.jsonl', 5],
    ]);
  });

  it('catches a missing manifest, a missing file, a missing entity and an unknown schema version', async () => {
    const noManifest = await copyExport(exported.dir, 'no-manifest');
    await rm(join(noManifest, MANIFEST_FILE));
    expect((await validateExport(noManifest)).findings).toEqual([expect.objectContaining({ code: 'MANIFEST_MISSING', file: MANIFEST_FILE })]);

    const noFile = await copyExport(exported.dir, 'no-file');
    await rm(join(noFile, 'bundles.jsonl'));
    const missing = await validateExport(noFile);
    // Only the missing file is reported: references to bundles are not checked against nothing.
    expect(missing.findings).toEqual([expect.objectContaining({ code: 'FILE_MISSING', file: 'bundles.jsonl' })]);

    const noEntity = await copyExport(exported.dir, 'no-entity');
    const manifest = await readManifest(noEntity);
    delete (manifest.entities as Record<string, unknown>).artifacts;
    await writeFile(join(noEntity, MANIFEST_FILE), JSON.stringify(manifest));
    expect((await validateExport(noEntity)).findings).toEqual([expect.objectContaining({ code: 'ENTITY_MISSING', field: 'entities.artifacts' })]);

    const future = await copyExport(exported.dir, 'future');
    await writeFile(join(future, MANIFEST_FILE), JSON.stringify({ ...(await readManifest(future)), schema_version: 'dataops.execution.v9' }));
    expect((await validateExport(future)).findings).toEqual([expect.objectContaining({ code: 'SCHEMA_VERSION_UNSUPPORTED', field: 'schema_version' })]);

    const broken = await copyExport(exported.dir, 'broken-manifest');
    await writeFile(join(broken, MANIFEST_FILE), '{"schema_version": "dataops.execution.v1", ');
    expect((await validateExport(broken)).findings).toEqual([expect.objectContaining({ code: 'MANIFEST_INVALID' })]);
  });

  it('caps the findings it keeps but counts them all', async () => {
    const dir = await copyExport(exported.dir, 'many');
    const lines = (await readLinesOf(dir, 'tasks.jsonl')).map((line) => JSON.stringify({ ...(JSON.parse(line) as object), status: 'nope' }));
    await writeLines(dir, 'tasks.jsonl', lines);
    await resealManifest(dir);
    const result = await validateExport(dir, { maxFindings: 3 });
    expect(result.findings).toHaveLength(3);
    expect(result.totalFindings).toBe(20);
    expect(result.findingCounts).toEqual({ INVALID_ENUM: 20 });
    expect(result.truncated).toBe(true);
  });
});

describe('validateExport judges every value by the rule of its column (src/formats.ts), as the store does', () => {
  async function withValue(label: string, file: string, edit: (row: Record<string, unknown>) => Record<string, unknown>): Promise<{ dir: string; line: number }> {
    const dir = await copyExport(exported.dir, label);
    const line = await editRow(dir, file, () => true, edit);
    await resealManifest(dir);
    return { dir, line };
  }

  it('refuses a time zone the services refuse, in users.timezone and recurring_schedules.time_zone, and the import writes nothing', async () => {
    const table = await createTestTable('validate-zone');
    try {
      for (const [file, field] of [
        ['users.jsonl', 'timezone'],
        ['recurring_schedules.jsonl', 'time_zone'],
      ] as const) {
        for (const zone of ['Mars/Olympus_Mons', 'europe/berlin']) {
          const { dir, line } = await withValue(`zone-${field}`, file, (row) => ({ ...row, [field]: zone }));
          const result = await validateExport(dir);
          expect(result.findings, `${file} ${zone}`).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', file, line, field })]);
          expect(result.findings[0]!.message).toBe(`"${field}" must be ${TIME_ZONE.expected}; got ${JSON.stringify(zone)}`);
          const refused = await importExecutionData({ client: table.client, tableName: table.tableName, dir }).catch((error: unknown) => error);
          expect(isPortableExportError(refused, 'EXPORT_INVALID'), String(refused)).toBe(true);
          expect(await countTableItems(table.client, table.tableName)).toEqual({});
        }
      }
    } finally {
      await table.drop();
    }
  });

  it('refuses values PostgreSQL cannot hold or the rules forbid: NUL, a lone surrogate, blank text, year 0000 and 10000, an over-long title', async () => {
    const cases: [string, string, unknown, ValueRule<unknown>][] = [
      ['title', 'tasks.jsonl', 'Book \u0000 the venue', TEXT.title],
      ['title', 'tasks.jsonl', 'Book \ud800 the venue', TEXT.title],
      ['title', 'tasks.jsonl', ' \t\u00a0', TEXT.title],
      ['title', 'tasks.jsonl', 'x'.repeat(TEXT_LIMITS.title + 1), TEXT.title],
      ['due_date', 'tasks.jsonl', '0000-01-01', CALENDAR_DATE],
      ['due_date', 'tasks.jsonl', '10000-01-01', CALENDAR_DATE],
      ['display_name', 'users.jsonl', 'Anna\u0000', TEXT.short],
      ['email', 'users.jsonl', 'Anna.Schmidt@example.org', EMAIL],
    ];
    for (const [field, file, value, rule] of cases) {
      const { dir, line } = await withValue(`value-${field}`, file, (row) => ({ ...row, [field]: value }));
      const result = await validateExport(dir);
      expect(result.findings, `${field} ${JSON.stringify(value)}`).toEqual([expect.objectContaining({ code: 'INVALID_VALUE', file, line, field })]);
      // The rule's own message, not the entity's generic "Invalid value provided".
      expect(result.findings[0]!.message).toBe(ruleMessage(rule, `"${field}"`, value));
    }
  });
});

describe('stray files', () => {
  it('reports files the manifest does not list: an error when named like an entity file (sessions.jsonl), a warning otherwise', async () => {
    const dir = await copyExport(exported.dir, 'stray');
    await writeFile(join(dir, 'sessions.jsonl'), '{"session_id":"x"}\n');
    await writeFile(join(dir, 'tasks-part2.jsonl'), '{}\n');
    const result = await validateExport(dir);
    expect(result.ok).toBe(false);
    expect(result.findings.map((finding) => [finding.code, finding.severity, finding.file])).toEqual([
      ['STRAY_FILE', 'error', 'sessions.jsonl'],
      ['STRAY_FILE', 'warning', 'tasks-part2.jsonl'],
    ]);
    expect(result.findings[0]!.message).toMatch(/sessions are ephemeral, never exported/);
    expect(result).toMatchObject({ errors: 1, warnings: 1, totalFindings: 2 });
    const table = await createTestTable('validate-stray');
    try {
      const refused = await importExecutionData({ client: table.client, tableName: table.tableName, dir }).catch((error: unknown) => error);
      expect(isPortableExportError(refused, 'EXPORT_INVALID')).toBe(true);
      expect((refused as Error).message).toContain('sessions.jsonl');
      // A warning alone does not stop the import, and it is still reported.
      await rm(join(dir, 'sessions.jsonl'));
      const warned = await validateExport(dir);
      expect(warned.ok).toBe(true);
      expect(warned.findings.map(formatFinding)).toEqual(['tasks-part2.jsonl: tasks-part2.jsonl is not listed in the manifest: it is not part of this export and is neither validated nor imported [STRAY_FILE, warning]']);
      expect((await importExecutionData({ client: table.client, tableName: table.tableName, dir })).verification?.ok).toBe(true);
    } finally {
      await table.drop();
    }
  });
});
