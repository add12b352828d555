/**
 * The restore marker: an import's claim on its table (key RESTORE_MARKER_KEY in
 * src/table-layout.ts). An import writes it with a conditional put before anything else, so a
 * second import is refused (RESTORE_IN_PROGRESS) instead of mixing two data sets; it removes it
 * only once the table has been verified equal to the export. A marker that stays behind means a
 * partly restored table: every later import and export says so and how to go on.
 *
 * The marker records which export is being restored (the SHA-256 of its manifest.json), so only
 * the same export can resume or start over. A running import renews `heartbeat_at`; an import
 * that stops with an error (or is aborted) marks it `interrupted`. A marker still `running` whose
 * heartbeat is older than the lease belongs to a process that died: it may be taken over.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '../document-client.js';
import { RESTORE_MARKER_KEY, TABLE_KEYS } from '../table-layout.js';
import { PortableExportError } from './errors.js';
import { documentClientOf, type ScannedItem } from './scan.js';

/** How long a running import may go without renewing its heartbeat before its marker counts as abandoned. */
export const RESTORE_LEASE_MS = 120_000;
/** How often a running import renews its heartbeat (well inside the lease). */
export const RESTORE_HEARTBEAT_MS = 15_000;

export interface RestoreMarker {
  /** One import run (a resumed import takes the marker over with its own ID). */
  import_id: string;
  status: 'running' | 'interrupted';
  /** SHA-256 of the export's manifest.json: only this export may resume or start over. */
  manifest_sha256: string;
  /** Where the export was read from (for people: the same export may be copied elsewhere). */
  export_dir: string;
  exported_at: string;
  source_table: string;
  started_at: string;
  heartbeat_at: string;
  /** Items written by the run that holds the marker, at its last heartbeat. */
  written: number;
  /** Why the last run stopped, when it stopped with an error. */
  stopped_reason?: string;
}

export function newImportId(): string {
  return randomBytes(8).toString('hex');
}

export function isRestoreMarker(item: ScannedItem): boolean {
  return item[TABLE_KEYS.pk] === RESTORE_MARKER_KEY[TABLE_KEYS.pk] && item[TABLE_KEYS.sk] === RESTORE_MARKER_KEY[TABLE_KEYS.sk];
}

/** The marker as stored, without its key attributes. */
export function markerOf(item: ScannedItem): RestoreMarker {
  const { [TABLE_KEYS.pk]: _pk, [TABLE_KEYS.sk]: _sk, ...marker } = item;
  return marker as unknown as RestoreMarker;
}

export async function readRestoreMarker(client: DynamoDBClient, tableName: string): Promise<RestoreMarker | null> {
  const { Item } = await documentClientOf(client).send(new GetCommand({ TableName: tableName, Key: { ...RESTORE_MARKER_KEY }, ConsistentRead: true }));
  return Item ? markerOf(Item) : null;
}

/** True while the import holding the marker may still be running. */
export function isLive(marker: RestoreMarker, now: Date): boolean {
  return marker.status === 'running' && now.getTime() - Date.parse(marker.heartbeat_at) < RESTORE_LEASE_MS;
}

/** What the marker says about the table, for a message: what happened and what to do next. */
export function describeRestore(tableName: string, marker: RestoreMarker, now: Date): string {
  const what = `an import of the export in ${marker.export_dir} (exported ${marker.exported_at} from ${marker.source_table}, manifest SHA-256 ${marker.manifest_sha256.slice(0, 12)}…) started ${marker.started_at}`;
  if (isLive(marker, now)) {
    return `Table ${tableName} is being restored right now: ${what} and is still running (last heartbeat ${marker.heartbeat_at}). Wait until it finishes; if its process is gone, resume or start over after ${new Date(Date.parse(marker.heartbeat_at) + RESTORE_LEASE_MS).toISOString()}.`;
  }
  const stopped = marker.status === 'interrupted' ? `stopped${marker.stopped_reason ? ` (${marker.stopped_reason})` : ''}` : `stopped without finishing (no heartbeat since ${marker.heartbeat_at})`;
  return `Table ${tableName} is partly restored: ${what} and ${stopped}. To finish it, import that same export again with resume; to start over, import it with startOver (removes only the items that export holds, then imports it again) or abandon it with abandonImport (removes only those items and the marker).`;
}

export function restoreInProgressError(tableName: string, marker: RestoreMarker, now: Date, prefix = ''): PortableExportError {
  return new PortableExportError('RESTORE_IN_PROGRESS', `${prefix}${describeRestore(tableName, marker, now)}`, {
    tableName,
    restore_marker: marker,
    live: isLive(marker, now),
  });
}

function conditionFailed(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException';
}

/** Writes the marker unless one exists: the claim that makes an import exclusive. */
export async function claimRestoreMarker(client: DynamoDBClient, tableName: string, marker: RestoreMarker, now: Date): Promise<void> {
  try {
    await documentClientOf(client).send(
      new PutCommand({
        TableName: tableName,
        Item: { ...RESTORE_MARKER_KEY, ...marker },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE_KEYS.pk },
      }),
    );
  } catch (error) {
    if (!conditionFailed(error)) throw error;
    const holder = await readRestoreMarker(client, tableName);
    if (!holder) throw error;
    throw restoreInProgressError(tableName, holder, now, 'Another import claimed the table first. ');
  }
}

/**
 * Takes over the marker `previous` (same export, no longer running) for a resumed or restarted
 * import; refused when someone else took it over in between.
 */
export async function takeOverRestoreMarker(client: DynamoDBClient, tableName: string, previous: RestoreMarker, marker: RestoreMarker, now: Date): Promise<void> {
  try {
    await documentClientOf(client).send(
      new PutCommand({
        TableName: tableName,
        Item: { ...RESTORE_MARKER_KEY, ...marker },
        ConditionExpression: '#id = :previous',
        ExpressionAttributeNames: { '#id': 'import_id' },
        ExpressionAttributeValues: { ':previous': previous.import_id },
      }),
    );
  } catch (error) {
    if (!conditionFailed(error)) throw error;
    const holder = await readRestoreMarker(client, tableName);
    if (!holder) throw new PortableExportError('RESTORE_IN_PROGRESS', `The restore marker of table ${tableName} disappeared while this import was taking it over: another import finished or abandoned it. Check the table before importing again.`, { tableName });
    throw restoreInProgressError(tableName, holder, now, 'Another import took the restore over first. ');
  }
}

/** Renews the heartbeat (and the count written) while the marker is still this import's. */
export async function renewRestoreMarker(client: DynamoDBClient, tableName: string, importId: string, fields: { heartbeat_at: string; written: number; status?: 'interrupted'; stopped_reason?: string }): Promise<void> {
  const names: Record<string, string> = { '#id': 'import_id', '#heartbeat': 'heartbeat_at', '#written': 'written' };
  const values: Record<string, unknown> = { ':id': importId, ':heartbeat': fields.heartbeat_at, ':written': fields.written };
  let update = 'SET #heartbeat = :heartbeat, #written = :written';
  if (fields.status) {
    names['#status'] = 'status';
    names['#reason'] = 'stopped_reason';
    values[':status'] = fields.status;
    values[':reason'] = fields.stopped_reason ?? 'stopped';
    update += ', #status = :status, #reason = :reason';
  }
  try {
    await documentClientOf(client).send(
      new UpdateCommand({
        TableName: tableName,
        Key: { ...RESTORE_MARKER_KEY },
        UpdateExpression: update,
        ConditionExpression: '#id = :id',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  } catch (error) {
    if (!conditionFailed(error)) throw error;
    throw new PortableExportError(
      'RESTORE_IN_PROGRESS',
      `This import no longer holds table ${tableName}'s restore marker (another import took the restore over, or it was removed); it stopped writing.`,
      { tableName, import_id: importId },
      { cause: error },
    );
  }
}

/** Removes the marker if it is still this import's (after a verified import, or a claim given back before any write). */
export async function releaseRestoreMarker(client: DynamoDBClient, tableName: string, importId: string): Promise<boolean> {
  try {
    await documentClientOf(client).send(
      new DeleteCommand({
        TableName: tableName,
        Key: { ...RESTORE_MARKER_KEY },
        ConditionExpression: '#id = :id',
        ExpressionAttributeNames: { '#id': 'import_id' },
        ExpressionAttributeValues: { ':id': importId },
      }),
    );
    return true;
  } catch (error) {
    if (conditionFailed(error)) return false;
    throw error;
  }
}
