/**
 * Reads the work-engine prototype's DynamoDB tables (github.com/alexeygrigorev/datatasks,
 * src/db/setup.ts: Tasks, Projects, Templates, Users, Files, Notifications, Sessions; every item
 * keyed PK = SK = "<TYPE>#<id>") into prototype records, with paginated, strongly consistent
 * Scans: a one-off migration reads everything once.
 *
 * Session tokens are never kept: a session is recorded as a short hash of its token and its user.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '../document-client.js';
import { ValidationError } from '../errors.js';
import { emptyCollection, type PrototypeRecords, type SourceCollection } from './source-records.js';

/** The prototype's table names (src/db/setup.ts). */
export const PROTOTYPE_TABLES = ['Tasks', 'Projects', 'Templates', 'Users', 'Files', 'Notifications', 'Sessions'] as const;
export type PrototypeTable = (typeof PROTOTYPE_TABLES)[number];

/** Which collection each key prefix of each table holds (src/db/*.ts). */
const PREFIXES: Record<PrototypeTable, Record<string, SourceCollection>> = {
  Tasks: { 'TASK#': 'tasks', 'RECURRING#': 'recurring_configs' },
  Projects: { 'BUNDLE#': 'bundles' },
  Templates: { 'TEMPLATE#': 'templates' },
  Users: { 'USER#': 'users' },
  Files: { 'FILE#': 'files' },
  Notifications: { 'NOTIFICATION#': 'notifications' },
  Sessions: { 'SESSION#': 'sessions' },
};

export interface PrototypeTablesSource {
  client: DynamoDBClient;
  /** Actual table names, by the prototype's name (default: the same name). */
  tables?: Partial<Record<PrototypeTable, string>>;
  /** For the report, e.g. the endpoint. */
  label?: string;
}

/** Parses `--source-tables Tasks=dev-Tasks,Projects=dev-Projects` (names not listed keep their default). */
export function parseSourceTables(value: string): Partial<Record<PrototypeTable, string>> {
  const tables: Partial<Record<PrototypeTable, string>> = {};
  for (const pair of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = /^([A-Za-z]+)=([\w.-]{3,255})$/.exec(pair);
    const name = match && PROTOTYPE_TABLES.find((table) => table.toLowerCase() === match[1]!.toLowerCase());
    if (!match || !name) {
      throw new ValidationError(`--source-tables entry ${JSON.stringify(pair)} must be <prototype table>=<actual name>, the prototype tables being ${PROTOTYPE_TABLES.join(', ')}`, { field: 'source_tables' });
    }
    tables[name] = match[2]!;
  }
  return tables;
}

async function* scanAll(documentClient: DynamoDBDocumentClient, tableName: string): AsyncGenerator<Record<string, unknown>> {
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page: ScanCommandOutput = await documentClient.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: exclusiveStartKey, ConsistentRead: true }));
    for (const item of page.Items ?? []) yield item as Record<string, unknown>;
    exclusiveStartKey = page.LastEvaluatedKey as Record<string, unknown> | undefined;
  } while (exclusiveStartKey);
}

export async function readPrototypeTables(source: PrototypeTablesSource): Promise<PrototypeRecords> {
  const documentClient = DynamoDBDocumentClient.from(source.client);
  const names = Object.fromEntries(PROTOTYPE_TABLES.map((table) => [table, source.tables?.[table] ?? table])) as Record<PrototypeTable, string>;
  const records: PrototypeRecords = {
    route: 'prototype',
    description: `prototype tables ${PROTOTYPE_TABLES.map((table) => names[table]).join(', ')}${source.label ? ` at ${source.label}` : ''}`,
    users: emptyCollection(names.Users),
    bundles: emptyCollection(names.Projects),
    templates: emptyCollection(names.Templates),
    recurring_configs: emptyCollection(names.Tasks),
    tasks: emptyCollection(names.Tasks),
    files: emptyCollection(names.Files),
    notifications: emptyCollection(names.Notifications),
    sessions: emptyCollection(names.Sessions),
    unsupported: [],
    notes: [],
  };
  const missing: string[] = [];
  for (const table of PROTOTYPE_TABLES) {
    const tableName = names[table];
    let count = 0;
    try {
      for await (const item of scanAll(documentClient, tableName)) {
        count += 1;
        const { PK, SK, ...record } = item;
        const key = typeof PK === 'string' ? PK : '';
        const prefix = Object.keys(PREFIXES[table]).find((candidate) => key.startsWith(candidate));
        const collection = prefix ? PREFIXES[table][prefix] : undefined;
        if (!collection || !prefix) {
          records.unsupported.push({ source: tableName, id: key || JSON.stringify(SK ?? null), reason: `an item with key ${JSON.stringify(PK ?? null)} is not a record the prototype writes to ${table}` });
          continue;
        }
        if (collection === 'sessions') {
          const token = typeof record.token === 'string' ? record.token : key.slice(prefix.length);
          records.sessions.rows.push({
            id: `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`,
            origin: tableName,
            record: { id: '', userId: typeof record.userId === 'string' ? record.userId : undefined } as never,
          });
          continue;
        }
        const id = typeof record.id === 'string' && record.id !== '' ? record.id : key.slice(prefix.length);
        records[collection].rows.push({ id, origin: tableName, record: { ...record, id } as never });
      }
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') {
        missing.push(tableName);
        records.notes.push(`source table ${tableName} (the prototype's ${table}) does not exist: read as empty`);
        continue;
      }
      throw error;
    }
  }
  if (missing.length === PROTOTYPE_TABLES.length) {
    throw new ValidationError(
      `None of the prototype's tables (${missing.join(', ')}) exists${source.label ? ` at ${source.label}` : ''}: check --source-endpoint and --source-tables`,
      { field: 'source_tables' },
    );
  }
  return records;
}
