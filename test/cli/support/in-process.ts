/**
 * Runs the CLI in the test's own process (runCli), with the connection a test chooses: for
 * cases a child process cannot set up, such as a real DynamoDB Local that the CLI must treat
 * as a table on AWS.
 */
import { Writable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runCli } from '../../../src/cli/program.js';
import { createExecutionStore } from '../../../src/store.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** `exstate <argv>` against `client`/`tableName`, reported as if it were at `endpoint`. */
export async function runWithConnection(argv: readonly string[], connection: { client: DynamoDBClient; tableName: string; endpoint: string | undefined }): Promise<InProcessResult> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli(argv, { stdout: stdout.stream, stderr: stderr.stream, env: {} }, {
    connect: () => ({
      ...connection,
      store: createExecutionStore({ client: connection.client, tableName: connection.tableName }),
      usedLocalDefaults: false,
    }),
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Records the name of every command the client is asked to send. */
export function recordCommands(client: DynamoDBClient): string[] {
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(context.commandName ?? 'unknown');
      return next(args);
    },
    { step: 'initialize', name: `record-commands-${Math.random()}` },
  );
  return sent;
}
