/**
 * Section 3: the store's CPU cost per call against the same operation written by hand with the
 * plain DynamoDBDocumentClient. Both go through the real AWS SDK stack (serialization, signing,
 * deserialization) down to the HTTP handler, which is replaced by one that answers with canned
 * responses, so the difference is exactly what ElectroDB and the services add. Each side is
 * measured in its own process (bench/profile.ts --json).
 */
import { Readable } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createExecutionService } from '../src/entities/index.js';
import { createExecutionStore } from '../src/store.js';
import { newId } from '../src/ids.js';
import { INDEXES, KEY_ATTRIBUTES } from '../src/table-layout.js';

export interface OverheadMeasurement {
  operation: string;
  storeUs: number;
  handUs: number;
  ratio: number;
  addedUs: number;
}

const TABLE = 'bench-overhead';
const HIDDEN = new Set(['open_assignee_id', 'open_due_date', 'team_open_due_date', 'assigned_status', '__edb_e__', '__edb_v__']);

/** A request handler that never touches the network: it answers each operation with a fixed body. */
function cannedHandler(bodies: Record<string, string>) {
  return {
    handle: async (request: { headers: Record<string, string> }) => {
      const target = (request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const body = bodies[target] ?? '{}';
      return {
        response: {
          statusCode: 200,
          reason: 'OK',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(body)) },
          body: Readable.from([Buffer.from(body)]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

function stubClient(bodies: Record<string, string>): DynamoDBClient {
  return new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: cannedHandler(bodies) as never,
  });
}

export interface OverheadPair {
  /** Short name for bench/profile.ts. */
  key: 'list' | 'get' | 'create';
  operation: string;
  store: () => Promise<unknown>;
  hand: () => Promise<unknown>;
}

/** Each measured operation, through the store and written by hand, over the same canned responses. */
export function overheadPairs(): OverheadPair[] {
  const now = new Date('2026-11-29T10:00:00.000Z');
  const assignee_id = newId('user', now);
  const at = now.toISOString();
  const service = createExecutionService(new DynamoDBClient({ region: 'us-east-1' }), TABLE);
  // 50 stored task items exactly as ElectroDB writes them (keys and index attributes included).
  const stored = Array.from({ length: 50 }, (_, i) =>
    service.entities.task
      .put({
        task_id: newId('task', now),
        title: `Task ${i} with a realistic title`,
        description: 'Call the venue, confirm the booking and put the confirmation in the bundle folder.',
        assignee_id,
        due_date: '2026-11-29',
        tags: ['ops', 'venue'],
        created_by: assignee_id,
        created_at: at,
        updated_at: at,
        version: 1,
      })
      .params().Item as Record<string, unknown>,
  );
  const queryBody = JSON.stringify({ Items: stored.map((item) => marshall(item)), Count: 50, ScannedCount: 50 });
  const getBody = JSON.stringify({ Item: marshall(stored[0]!) });
  const bodies = { Query: queryBody, GetItem: getBody, TransactWriteItems: '{}' };

  const storeClient = stubClient(bodies);
  const store = createExecutionStore({ client: storeClient, tableName: TABLE, now: () => now });
  const handClient = DynamoDBDocumentClient.from(stubClient(bodies));
  const strip = (item: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(item)) if (!KEY_ATTRIBUTES.includes(key) && !HIDDEN.has(key)) out[key] = value;
    return out;
  };
  const gsi3 = INDEXES.openByAssigneeDue;
  const taskId = stored[0]!.task_id as string;
  const actor = { user_id: assignee_id, role: 'admin' as const };

  return [
    {
      key: 'list',
      operation: 'List a 50-item page (tasks.listToday)',
      store: () => store.tasks.listToday({ assignee_id, time_zone: 'UTC', limit: 50 }),
      hand: async () => {
        const out = await handClient.send(
          new QueryCommand({
            TableName: TABLE,
            IndexName: gsi3.indexName,
            KeyConditionExpression: '#pk = :pk and begins_with(#sk, :sk)',
            ExpressionAttributeNames: { '#pk': gsi3.pk, '#sk': gsi3.sk },
            ExpressionAttributeValues: { ':pk': `$dataops#open_assignee_id_${assignee_id.toLowerCase()}`, ':sk': '$task_1#open_due_date_2026-11-29' },
            Limit: 50,
          }),
        );
        return { items: (out.Items ?? []).map(strip), cursor: out.LastEvaluatedKey ? JSON.stringify(out.LastEvaluatedKey) : null };
      },
    },
    {
      key: 'get',
      operation: 'Get one task (tasks.get)',
      store: () => store.tasks.get(taskId),
      hand: async () => {
        const out = await handClient.send(new GetCommand({ TableName: TABLE, Key: { pk: `$dataops#task_id_${taskId.toLowerCase()}`, sk: '$task_1' } }));
        return out.Item ? strip(out.Item) : null;
      },
    },
    {
      key: 'create',
      operation: 'Create a task (tasks.create, 1 transaction)',
      store: () => store.tasks.create({ title: 'New task', assignee_id, due_date: '2026-11-30', actor }),
      hand: async () => {
        const task = { task_id: newId('task', now), title: 'New task', status: 'todo', assignee_id, due_date: '2026-11-30', source: 'manual', requires_file: false, tags: [], created_by: assignee_id, created_at: at, updated_at: at, version: 1 };
        await handClient.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: TABLE,
                  Item: { ...task, pk: `$dataops#task_id_${task.task_id.toLowerCase()}`, sk: '$task_1', gsi3pk: `$dataops#open_assignee_id_${assignee_id.toLowerCase()}`, gsi3sk: '$task_1#open_due_date_2026-11-30' },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              { ConditionCheck: { TableName: TABLE, Key: { pk: `$dataops#user_id_${assignee_id.toLowerCase()}`, sk: '$user_1' }, ConditionExpression: 'attribute_exists(pk)' } },
            ],
          }),
        );
        return task;
      },
    },
  ];
}

const OVERHEAD_KEYS = ['list', 'get', 'create'] as const;

/** One side of one pair, looped for `ms` in a fresh process (bench/profile.ts): CPU µs per call. */
function cpuPerCall(key: OverheadPair['key'], side: 'store' | 'hand', ms: number): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./profile.ts', import.meta.url)), key, side, String(ms), '--json'], { encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').pop()!) as { cpuUs: number }).cpuUs;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Each side of each pair in its own process (in one process, whichever side runs second pays
 * for the garbage the first left, which moved the ratio by up to 0.3), interleaved
 * store/hand/hand/store… over `rounds`: the median CPU µs per call of each side.
 */
export function measureOverhead(options: { rounds?: number; ms?: number } = {}): OverheadMeasurement[] {
  const rounds = options.rounds ?? 7;
  const ms = options.ms ?? 1500;
  const names = new Map(overheadPairs().map((pair) => [pair.key, pair.operation]));
  return OVERHEAD_KEYS.map((key) => {
    const samples = { store: [] as number[], hand: [] as number[] };
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? (['store', 'hand'] as const) : (['hand', 'store'] as const);
      for (const side of order) samples[side].push(cpuPerCall(key, side, ms));
    }
    const storeUs = median(samples.store);
    const handUs = median(samples.hand);
    return { operation: names.get(key)!, storeUs, handUs, ratio: storeUs / handUs, addedUs: storeUs - handUs };
  });
}
