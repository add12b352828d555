/**
 * Importing the handler module (a Lambda cold start) builds clients and sends nothing.
 *
 * The module is imported in a fresh child process whose DYNAMODB_ENDPOINT is an HTTP server
 * here that counts every connection. After the import, and a pause for anything asynchronous,
 * the count must be zero; then the child invokes the handler once, and the count must rise,
 * proving the probe would have seen a request made at import.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let server: Server | undefined;

afterAll(() => {
  server?.close();
});

describe('scheduler handler cold start', () => {
  it('sends no request when the module is imported', async () => {
    let connections = 0;
    let requests = 0;
    server = createServer((req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message: 'cold-start probe' }));
      });
    });
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((ready) => server!.listen(0, '127.0.0.1', ready));
    const port = (server.address() as AddressInfo).port;

    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('AWS_')) env[key] = value;
    Object.assign(env, {
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
      DATAOPS_EXECUTION_TABLE: 'cold-start-probe',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    });
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/handlers/support/import-probe.ts'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const waitFor = (text: string) =>
      new Promise<void>((found, fail) => {
        const check = () => {
          if (stdout.includes(text)) found();
        };
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          check();
        });
        child.once('exit', (code) => (stdout.includes(text) ? found() : fail(new Error(`probe exited (${code}) before "${text}": ${stderr}`))));
        check();
      });
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

    await waitFor('imported function');
    // Give anything the import started asynchronously time to reach the network.
    await new Promise((r) => setTimeout(r, 750));
    expect(connections).toBe(0);
    expect(requests).toBe(0);

    child.stdin.write('invoke\n');
    await waitFor('invoked');
    expect(await exited).toBe(0);
    expect(requests).toBeGreaterThan(0);
  });
});
