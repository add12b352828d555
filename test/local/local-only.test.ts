/**
 * The "is this endpoint a DynamoDB Local on this machine" rule (src/config.ts) and the table
 * creation that depends on it: ensureTable refuses any other endpoint before sending a request.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { assertLoopbackEndpoint, isLoopbackEndpoint } from '../../src/config.js';
import { isExecutionStoreError } from '../../src/errors.js';
import { clientEndpoint, ensureTable } from '../../src/local/create-table.js';
import { localClient } from '../support/table.js';

const REMOTE = 'https://dynamodb.eu-west-1.amazonaws.com';

/** A client that records every command it is asked to send and never lets one reach the network. */
function recordingClient(config: ConstructorParameters<typeof DynamoDBClient>[0]): { client: DynamoDBClient; sent: string[] } {
  const client = new DynamoDBClient({ ...config, credentials: { accessKeyId: 'AKIAFAKEFAKEFAKEFAKE', secretAccessKey: 'fake' }, maxAttempts: 1 });
  const sent: string[] = [];
  client.middlewareStack.add(
    (_next, context) => async () => {
      sent.push(context.commandName ?? 'unknown');
      throw new Error(`test tripwire: ${context.commandName} was about to be sent`);
    },
    { step: 'initialize', priority: 'high', name: 'tripwire' },
  );
  return { client, sent };
}

describe('isLoopbackEndpoint', () => {
  it.each([
    'http://127.0.0.1:8000',
    'http://127.0.0.1:8000/',
    'https://127.255.0.9',
    'http://localhost:8000',
    'http://LOCALHOST:8000',
    'http://[::1]:8000',
    'http://[0:0:0:0:0:0:0:1]:8000',
    'http://0x7f.1:8000', // WHATWG URL normalizes this to 127.0.0.1
  ])('accepts %s', (endpoint) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(true);
  });

  it.each([
    REMOTE,
    'http://dynamodb.eu-west-1.amazonaws.com',
    'http://128.0.0.1:8000',
    'http://10.0.0.5:8000',
    'http://192.168.1.10:8000',
    'http://localhost.example.org:8000',
    'http://127.0.0.1.nip.io:8000',
    'http://127.0.0.1@dynamodb.eu-west-1.amazonaws.com',
    'http://[::2]:8000',
    'ftp://127.0.0.1',
    '127.0.0.1:8000',
    'not a url',
    '',
    undefined,
  ])('refuses %s', (endpoint) => {
    expect(isLoopbackEndpoint(endpoint)).toBe(false);
  });

  it('assertLoopbackEndpoint throws NON_LOCAL_TARGET naming the endpoint and the action', () => {
    expect(() => assertLoopbackEndpoint('http://127.0.0.1:8000', 'seed')).not.toThrow();
    let caught: unknown;
    try {
      assertLoopbackEndpoint(REMOTE, 'load demo data into t');
    } catch (error) {
      caught = error;
    }
    expect(isExecutionStoreError(caught, 'NON_LOCAL_TARGET')).toBe(true);
    expect((caught as Error).message).toContain(`Refusing to load demo data into t at ${REMOTE}`);
    expect(() => assertLoopbackEndpoint(undefined, 'seed')).toThrow(/AWS regional endpoint/);
  });
});

describe('ensureTable only on a loopback DynamoDB Local', () => {
  const created: string[] = [];
  afterAll(async () => {
    const admin = localClient();
    for (const name of created) await admin.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  });

  it('refuses a regional AWS endpoint and a client without an endpoint override, before any request', async () => {
    for (const config of [{ endpoint: REMOTE, region: 'eu-west-1' }, { region: 'eu-west-1' }]) {
      const { client, sent } = recordingClient(config);
      await expect(ensureTable(client, 'dataops-execution-prod')).rejects.toMatchObject({ code: 'NON_LOCAL_TARGET' });
      expect(sent, JSON.stringify(config)).toEqual([]);
    }
  });

  it('reads the endpoint a client sends to', async () => {
    expect(await clientEndpoint(recordingClient({ endpoint: 'http://127.0.0.1:8000', region: 'x' }).client)).toBe('http://127.0.0.1:8000/');
    expect(await clientEndpoint(recordingClient({ region: 'eu-west-1' }).client)).toBeUndefined();
  });

  it('creates the table on DynamoDB Local addressed as localhost', async () => {
    const viaLocalhost = localClient(inject('dynamoEndpoint').replace('127.0.0.1', 'localhost'));
    const name = `local-only-${Date.now()}`;
    created.push(name);
    expect(await ensureTable(viaLocalhost, name)).toBe(true);
    expect((await viaLocalhost.send(new DescribeTableCommand({ TableName: name }))).Table?.TableName).toBe(name);
    expect(await ensureTable(viaLocalhost, name)).toBe(false);
  });
});
