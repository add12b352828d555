/**
 * Property (issue #11): in any sequence of service calls, a call whose actor does not exist or
 * is disabled, or that names such a user (assignee, owner, recipient, session user), fails
 * with a typed error and writes nothing; every other failing call writes nothing either. The
 * table is compared byte for byte around every call.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutionStore, isExecutionStoreError } from '../../src/index.js';
import { createTestTable, type TestTable } from '../support/table.js';
import { snapshotTable } from './helpers.js';
import { callSpec, createWorld, describeCall, involvesInactiveUser, runCall, type World } from './service-calls.js';

const NUM_RUNS = Number(process.env.FC_NUM_RUNS ?? 20);
const FC_SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

let table: TestTable;
let world: World;

beforeAll(async () => {
  table = await createTestTable('badactors');
  const store = createExecutionStore({ client: table.client, tableName: table.tableName, now: () => new Date('2026-06-15T08:00:00.000Z') });
  world = await createWorld(store, 'property');
});

afterAll(async () => {
  await table?.drop();
});

describe('bad actors, property-based', () => {
  it('no call by (or naming) a user that does not exist or is disabled writes anything; no failing call writes anything', async () => {
    let badCalls = 0;
    let goodSuccesses = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(callSpec, { minLength: 1, maxLength: 8 }), async (specs) => {
        for (const spec of specs) {
          const before = await snapshotTable(table.endpoint, table.tableName);
          const outcome = await runCall(world, spec).then(
            () => ({ ok: true as const }),
            (error: unknown) => ({ ok: false as const, error }),
          );
          const bad = involvesInactiveUser(spec);
          if (bad) {
            badCalls += 1;
            expect(outcome.ok, `${describeCall(spec)} succeeded`).toBe(false);
          }
          if (!outcome.ok) {
            expect(isExecutionStoreError(outcome.error), `${describeCall(spec)}: untyped ${String(outcome.error)}`).toBe(true);
            const after = await snapshotTable(table.endpoint, table.tableName);
            expect(after.text === before.text, `${describeCall(spec)} failed with ${(outcome.error as Error).message} but changed the table`).toBe(true);
          } else {
            goodSuccesses += 1;
          }
        }
      }),
      { numRuns: NUM_RUNS, ...(FC_SEED === undefined ? {} : { seed: FC_SEED }) },
    );
    // The property saw both kinds of call.
    expect(badCalls).toBeGreaterThan(0);
    expect(goodSuccesses).toBeGreaterThan(0);
  });
});
