/**
 * Reads a DataOps work-engine export (`dataops.execution.v1`: github.com/DataTalksClub/dataops,
 * backend/src/export/portable.ts, docs/v1-execution-data-safety.md) into prototype records.
 *
 * Every entity file's checksum (`sha256:<hex>` of the file) and row count are verified against
 * the manifest before a single row is read; any mismatch, a missing file or a line that is not
 * JSON fails the whole read (nothing is written). Rows are then renamed back to the prototype's
 * camelCase fields (the export writes snake_case and calls bundles "cards"), so the mapping sees
 * the same records as when it reads the prototype's tables. Entities the prototype does not have
 * (artifacts, assistant jobs, audit events, intake items, conversations, …) are read and reported
 * row by row as not migrated.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../errors.js';
import { readLines, sha256File } from '../export/lines.js';
import { DATAOPS_MANIFEST_FILE, isDataopsV1Manifest, type DataopsManifest } from './detect.js';
import { emptyCollection, type PrototypeRecords, type SourceCollection } from './source-records.js';
import { readFile } from 'node:fs/promises';

/** Export entity -> prototype collection, its ID column, and the fields renamed back to the prototype's names. */
const ENTITIES: Record<string, { collection: Exclude<SourceCollection, 'sessions'>; id: string; renames: Record<string, string> }> = {
  users: { collection: 'users', id: 'user_id', renames: {} },
  cards: { collection: 'bundles', id: 'card_id', renames: { card_links: 'bundleLinks' } },
  templates: { collection: 'templates', id: 'template_id', renames: { card_link_definitions: 'bundleLinkDefinitions' } },
  recurring_configs: { collection: 'recurring_configs', id: 'recurring_config_id', renames: {} },
  tasks: { collection: 'tasks', id: 'task_id', renames: { card_id: 'bundleId' } },
  files: { collection: 'files', id: 'file_id', renames: { storage_uri: 'storagePath' } },
  notifications: { collection: 'notifications', id: 'notification_id', renames: { notification_type: 'type', card_id: 'bundleId' } },
};

const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function readManifest(dir: string): Promise<DataopsManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, DATAOPS_MANIFEST_FILE), 'utf8');
  } catch (error) {
    throw new ValidationError(`${dir} has no ${DATAOPS_MANIFEST_FILE}: not a DataOps export, or one that did not finish`, { field: 'dir' }, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${join(dir, DATAOPS_MANIFEST_FILE)} is not valid JSON`, { field: 'dir' }, { cause: error });
  }
  if (!isDataopsV1Manifest(parsed)) {
    const ownExport = parsed !== null && typeof parsed === 'object' && 'entities' in parsed;
    throw new ValidationError(
      ownExport
        ? `${dir} is an export of this store, not a DataOps work-engine export: restore it with \`exstate import ${dir}\``
        : `${dir} is not a DataOps v1 export (its manifest needs schema_version "dataops.execution.v1", entity_files and checksums)`,
      { field: 'dir' },
    );
  }
  return parsed;
}

/** Checks every listed file against the manifest; throws with every problem found. */
async function verify(dir: string, manifest: DataopsManifest): Promise<Map<string, string>> {
  const problems: string[] = [];
  const files = new Map<string, string>();
  for (const [entity, file] of Object.entries(manifest.entity_files)) {
    if (typeof file !== 'string' || file.includes('/') || file.includes('\\') || file === '..') {
      problems.push(`entity_files.${entity} ${JSON.stringify(file)} is not a file name`);
      continue;
    }
    const path = join(dir, file);
    if (!(await exists(path))) {
      problems.push(`${file} (entity ${entity}) is missing`);
      continue;
    }
    const expected = manifest.checksums[file];
    const actual = `sha256:${await sha256File(path)}`;
    if (expected !== actual) problems.push(expected === undefined ? `${file} has no checksum in the manifest` : `${file}: checksum ${actual} does not match the manifest's ${String(expected)}`);
    else files.set(entity, path);
  }
  if (problems.length > 0) {
    throw new ValidationError(`${dir} failed verification (${problems.length} problem(s)); nothing was read or written: ${problems.join('; ')}`, { field: 'dir', problems });
  }
  return files;
}

export async function readDataopsExport(dirInput: string): Promise<PrototypeRecords> {
  const dir = resolve(dirInput);
  const manifest = await readManifest(dir);
  const files = await verify(dir, manifest);
  const records: PrototypeRecords = {
    route: 'dataops-export',
    description: `DataOps export ${dir} (generated ${manifest.generated_at ?? 'at an unknown time'} from ${manifest.source_environment ?? 'an unknown environment'})`,
    users: emptyCollection(manifest.entity_files.users ?? 'users.jsonl'),
    bundles: emptyCollection(manifest.entity_files.cards ?? 'cards.jsonl'),
    templates: emptyCollection(manifest.entity_files.templates ?? 'templates.jsonl'),
    recurring_configs: emptyCollection(manifest.entity_files.recurring_configs ?? 'recurring_configs.jsonl'),
    tasks: emptyCollection(manifest.entity_files.tasks ?? 'tasks.jsonl'),
    files: emptyCollection(manifest.entity_files.files ?? 'files.jsonl'),
    notifications: emptyCollection(manifest.entity_files.notifications ?? 'notifications.jsonl'),
    sessions: emptyCollection('(omitted by the export)'),
    unsupported: [],
    notes: [],
  };
  if ((manifest.redactions ?? []).length > 0) records.notes.push(`the export left out: ${manifest.redactions!.join(', ')} (redactions)`);
  if ((manifest.omitted_entities ?? []).length > 0) records.notes.push(`the export omits these entities: ${manifest.omitted_entities!.join(', ')}`);
  for (const entity of Object.keys(ENTITIES)) {
    if (!files.has(entity)) records.notes.push(`the export has no ${entity} file: none read`);
  }

  const problems: string[] = [];
  for (const [entity, path] of files) {
    const file = manifest.entity_files[entity]!;
    const spec = ENTITIES[entity];
    let count = 0;
    for await (const { line, lineNumber } of readLines(path)) {
      if (line.trim() === '') continue;
      count += 1;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (error) {
        problems.push(`${file}:${lineNumber} is not JSON (${(error as Error).message})`);
        continue;
      }
      if (row === null || typeof row !== 'object' || Array.isArray(row)) {
        problems.push(`${file}:${lineNumber} is not a JSON object`);
        continue;
      }
      const source = row as Record<string, unknown>;
      if (!spec) {
        const idField = Object.keys(source).find((key) => key.endsWith('_id'));
        const id = idField ? String(source[idField]) : `line ${lineNumber}`;
        records.unsupported.push({ source: file, id, reason: `${entity} have no counterpart in the prototype's data: not migrated` });
        continue;
      }
      const id = source[spec.id];
      if (typeof id !== 'string' || id === '') {
        records.unsupported.push({ source: file, id: `line ${lineNumber}`, reason: `no ${spec.id}: cannot be identified` });
        continue;
      }
      const record: Record<string, unknown> = { id };
      for (const [key, value] of Object.entries(source)) {
        if (key === spec.id) continue;
        record[spec.renames[key] ?? camelCase(key)] = value;
      }
      records[spec.collection].rows.push({ id, origin: `${file}:${lineNumber}`, record: record as never });
    }
    const listed = manifest.entity_counts?.[entity];
    if (listed !== undefined && listed !== count) problems.push(`${file} has ${count} rows; the manifest says ${listed}`);
  }
  if (problems.length > 0) {
    throw new ValidationError(`${dir} is not a readable DataOps export (${problems.length} problem(s)); nothing was written: ${problems.slice(0, 10).join('; ')}`, { field: 'dir', problems });
  }
  return records;
}
