/**
 * The two migration sources built from the prototype fixture, plus the side inputs:
 *  - the prototype's seven tables in the test run's DynamoDB Local (per-test names, the key
 *    schema and GSIs of the prototype's src/db/setup.ts), filled with the fixture items;
 *  - a DataOps v1 export of the same data, in the format of DataTalksClub/dataops
 *    backend/src/export/portable.ts (writePortableExport: snake_case rows with empty values
 *    left out, keys sorted, one file per entity, a manifest with entity_files, entity_counts,
 *    `sha256:` checksums, redactions and omitted_entities). The DataOps work engine stores the
 *    prototype's bundles as "cards" (cardId, cardLinks, cardLinkDefinitions), which is what its
 *    export writes;
 *  - an uploads directory (src/storage.ts layout) and a templates Git repository.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PROTOTYPE_INDEXES, PROTOTYPE_TABLE_NAMES, UPLOADS, withoutKeys, type PrototypeTableName } from './prototype-fixture.js';

type Item = Record<string, unknown>;

export async function createPrototypeTables(client: DynamoDBClient, items: Record<PrototypeTableName, Item[]>): Promise<{ names: Record<PrototypeTableName, string>; drop: () => Promise<void> }> {
  const prefix = `proto-${randomBytes(4).toString('hex')}`;
  const names = Object.fromEntries(PROTOTYPE_TABLE_NAMES.map((table) => [table, `${prefix}-${table}`])) as Record<PrototypeTableName, string>;
  for (const table of PROTOTYPE_TABLE_NAMES) {
    const indexes = PROTOTYPE_INDEXES[table] ?? [];
    const attributes = new Set(['PK', 'SK', ...indexes.flatMap((index) => [index.hash, index.range])]);
    await client.send(
      new CreateTableCommand({
        TableName: names[table],
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        GlobalSecondaryIndexes: indexes.length
          ? indexes.map((index) => ({
              IndexName: index.name,
              KeySchema: [
                { AttributeName: index.hash, KeyType: 'HASH' },
                { AttributeName: index.range, KeyType: 'RANGE' },
              ],
              Projection: { ProjectionType: 'ALL' },
            }))
          : undefined,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  const documentClient = DynamoDBDocumentClient.from(client);
  for (const table of PROTOTYPE_TABLE_NAMES) {
    const rows = items[table];
    for (let i = 0; i < rows.length; i += 25) {
      await documentClient.send(new BatchWriteCommand({ RequestItems: { [names[table]]: rows.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
  }
  return {
    names,
    drop: async () => {
      for (const table of PROTOTYPE_TABLE_NAMES) await client.send(new DeleteTableCommand({ TableName: names[table] })).catch(() => undefined);
    },
  };
}

// ---- the DataOps v1 export ---------------------------------------------------------------------

const snake = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** portable.ts stripEmpty: null and empty lists are left out. */
function stripEmpty(record: Item): Item {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null && value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0)));
}

/** A row of one DataOps entity: the ID column first, then every other field in snake_case. */
function exportRow(idColumn: string, item: Item, renames: Record<string, string> = {}): Item {
  const record = withoutKeys(item);
  const row: Item = { [idColumn]: record.id };
  for (const [field, value] of Object.entries(record)) {
    if (field === 'id') continue;
    row[renames[field] ?? snake(field)] = value;
  }
  return stripEmpty(row);
}

/** portable.ts stableStringify: top-level keys sorted. */
const stableStringify = (row: Item) => JSON.stringify(Object.fromEntries(Object.keys(row).sort().map((key) => [key, row[key]])));

export interface DataopsExportOptions {
  /** Rows of DataOps-only entities to include (they have no prototype counterpart). */
  extraEntities?: Record<string, Item[]>;
}

/** Writes the export of the fixture items; returns the directory. */
export function writeDataopsExport(items: Record<PrototypeTableName, Item[]>, options: DataopsExportOptions = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dataops-export-'));
  // The work engine's names for the prototype's bundle fields (portable.ts mapCard, mapTemplate, mapTask, mapFile, mapNotification).
  const card = { bundleLinks: 'card_links' };
  const entities: Record<string, Item[]> = {
    users: items.Users.map((item) => {
      const { passwordHash: _redacted, ...user } = item; // portable.ts mapUser: password hashes are never exported
      return exportRow('user_id', user);
    }),
    tasks: items.Tasks.filter((item) => String(item.PK).startsWith('TASK#')).map((item) => ({ ...exportRow('task_id', item, { bundleId: 'card_id' }), task_history: [] })),
    cards: items.Projects.map((item) => exportRow('card_id', item, card)),
    templates: items.Templates.map((item) => exportRow('template_id', item, { bundleLinkDefinitions: 'card_link_definitions' })),
    recurring_configs: items.Tasks.filter((item) => String(item.PK).startsWith('RECURRING#')).map((item) => exportRow('recurring_config_id', item)),
    files: items.Files.map((item) => exportRow('file_id', item, { storagePath: 'storage_uri' })),
    notifications: items.Notifications.map((item) => exportRow('notification_id', item, { bundleId: 'card_id', userId: 'user_id' })),
    artifacts: [],
    assistant_jobs: [],
    audit_events: [],
    ...options.extraEntities,
  };
  const entityFiles: Record<string, string> = {};
  const entityCounts: Record<string, number> = {};
  const checksums: Record<string, string> = {};
  for (const [entity, rows] of Object.entries(entities)) {
    const file = `${entity}.jsonl`;
    const sorted = [...rows].sort((a, b) => String(Object.values(a)[0]).localeCompare(String(Object.values(b)[0])));
    const content = sorted.map(stableStringify).join('\n') + (sorted.length > 0 ? '\n' : '');
    writeFileSync(join(dir, file), content, 'utf8');
    entityFiles[entity] = file;
    entityCounts[entity] = sorted.length;
    checksums[file] = `sha256:${createHash('sha256').update(content).digest('hex')}`;
  }
  const manifest = {
    schema_version: 'dataops.execution.v1',
    generated_at: '2026-03-20T00:00:00.000Z',
    source_environment: 'prod',
    source_stack: 'dataops-v1',
    source_region: 'eu-west-1',
    app_git_sha: 'unknown',
    export_format_version: 1,
    entity_files: entityFiles,
    entity_counts: entityCounts,
    checksums,
    redactions: ['users.password_hash', 'sessions', 'proposal_presentations.action_token_hash', 'callback_tokens', 'signed_urls'],
    omitted_entities: ['sessions', 'media_bytes', 'provider_credentials'],
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
  return dir;
}

// ---- side inputs ---------------------------------------------------------------------------------

/** A copy of the prototype's upload directory with the fixture's files (not the missing one). */
export function makeUploadsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'prototype-uploads-'));
  for (const [path, content] of Object.entries(UPLOADS)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

/** A templates repository with one unrelated commit. */
export function makeTemplatesRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'templates-repo-'));
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'README.md'), '# Process knowledge\n');
  git(dir, 'add', 'README.md');
  git(dir, '-c', 'user.name=Test', '-c', 'user.email=test@example.org', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'Start');
  return dir;
}

export function gitLog(dir: string): string[] {
  return git(dir, 'log', '--format=%H %s').split('\n');
}

export function gitShow(dir: string, spec: string): string {
  return git(dir, 'show', spec);
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
