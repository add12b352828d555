/**
 * The one table-scan loop: a paginated, parallel-segment Scan as an async generator of pages.
 *
 * Only the export, the import's emptiness check and verification, and local tooling (demo
 * seeding) scan; every service read is a Query or GetItem. Each segment has at most one request
 * in flight, issued as soon as its previous page arrived, and at most `inFlight` segments run at
 * once (a finished segment hands its slot to the next), so memory stays at `inFlight` pages
 * (and the one the caller holds) whatever the table's size or the number of segments. Pages come
 * out in the order they arrive.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, type ScanCommandOutput } from '../document-client.js';
import { PortableExportError } from './errors.js';

export type ScannedItem = Record<string, unknown>;

export interface ScanTableOptions {
  tableName: string;
  /** Parallel scan segments (default 1: one sequential Scan without Segment/TotalSegments). */
  segments?: number;
  /** Segments scanned at the same time, one request each (default: all of them). */
  inFlight?: number;
  /** Items per Scan request (DynamoDB's Limit); default: DynamoDB's 1 MB pages. */
  pageSize?: number;
  /** Strongly consistent reads (default false, as DynamoDB). */
  consistentRead?: boolean;
  /** Read only these attributes (a ProjectionExpression); default: whole items. */
  attributes?: readonly string[];
  /** Stops the scan: the in-flight requests are aborted and the generator throws the reason. */
  signal?: AbortSignal;
}

/** A document client for `client` (which may already be one). */
export function documentClientOf(client: DynamoDBClient | DynamoDBDocumentClient): DynamoDBDocumentClient {
  return client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
}

/**
 * Every item of the table, page by page (items unmarshalled by `client`'s settings). Stopping the
 * iteration early (break, return, a throw) leaves no request unobserved.
 */
export async function* scanTable(client: DynamoDBClient | DynamoDBDocumentClient, options: ScanTableOptions): AsyncGenerator<ScannedItem[]> {
  const documentClient = documentClientOf(client);
  const segments = options.segments ?? 1;
  const projection = options.attributes?.length
    ? {
        ProjectionExpression: options.attributes.map((_, index) => `#a${index}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(options.attributes.map((name, index) => [`#a${index}`, name])),
      }
    : {};
  type Arrived = { segment: number; page: ScanCommandOutput };
  const request = (segment: number, exclusiveStartKey: Record<string, unknown> | undefined): Promise<Arrived> => {
    const sent = documentClient
      .send(
        new ScanCommand({
          TableName: options.tableName,
          ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}),
          ExclusiveStartKey: exclusiveStartKey,
          ConsistentRead: options.consistentRead,
          Limit: options.pageSize,
          ...projection,
        }),
        { abortSignal: options.signal },
      )
      .then((page) => ({ segment, page }));
    // Observed from the start: it may fail while the caller is still busy with the previous page
    // (before the loop races it again), which would otherwise be an unhandled rejection.
    sent.catch(() => undefined);
    return sent;
  };

  const limit = options.inFlight ?? segments;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new PortableExportError('INVALID_OPTIONS', `inFlight must be a whole number of at least 1; got ${String(options.inFlight)}`, { field: 'inFlight' });
  }
  const slots = Math.min(segments, limit);
  options.signal?.throwIfAborted();
  const inFlight = new Map<number, Promise<Arrived>>();
  let nextSegment = 0;
  const startNextSegment = () => {
    if (nextSegment < segments) inFlight.set(nextSegment, request(nextSegment++, undefined));
  };
  for (let slot = 0; slot < slots; slot += 1) startNextSegment();
  // Requests still running when the caller stops are already observed (request): their outcome no longer matters.
  while (inFlight.size > 0) {
    let arrived: Arrived;
    try {
      arrived = await Promise.race(inFlight.values());
    } catch (error) {
      options.signal?.throwIfAborted(); // the caller's reason, not the SDK's "Request aborted"
      throw error;
    }
    const { segment, page } = arrived;
    inFlight.delete(segment);
    if (page.LastEvaluatedKey) inFlight.set(segment, request(segment, page.LastEvaluatedKey as Record<string, unknown>));
    else startNextSegment();
    options.signal?.throwIfAborted();
    yield (page.Items ?? []) as ScannedItem[];
  }
}

/** True when the table holds at least one item that `ignore` does not match (a Scan that stops at the first). */
export async function tableHoldsItems(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
  options: { ignore?: (item: ScannedItem) => boolean; signal?: AbortSignal } = {},
): Promise<boolean> {
  const ignore = options.ignore ?? (() => false);
  // A small page: an empty table answers in one request; ignored items are few (a restore marker).
  for await (const items of scanTable(client, { tableName, pageSize: 2, consistentRead: true, signal: options.signal })) {
    if (items.some((item) => !ignore(item))) return true;
  }
  return false;
}
