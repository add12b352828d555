/**
 * plainReader reads an item exactly as ElectroDB's formatting does (`entity.parse`), for every
 * entity it covers, over the fixture data, and refuses items that are not its entity's.
 */
import { describe, expect, it } from 'vitest';
import { createEntities, ENTITY_NAMES, schemas, type EntityName } from '../../src/entities/index.js';
import { plainReader } from '../../src/entities/plain-read.js';
import { deriveRow } from '../../src/export/import.js';
import { readFixture } from '../../src/local/demo-fixture.js';

type Row = Record<string, unknown>;
type ParamsEntity = {
  put(row: Row): { params(): { Item: Row } };
  parse(response: { Item: Row }, options?: { ignoreOwnership?: boolean }): { data: unknown } | null;
};

const entities = createEntities({ table: 'plain-read' }) as unknown as Record<EntityName, ParamsEntity>;
const fixture = readFixture();

/** Stored items per entity, as ElectroDB writes them (keys, hidden index attributes, identifiers). */
function storedItems(name: EntityName): Row[] {
  const rows = name === 'user_email' ? (fixture.entities.user ?? []).map((user) => deriveRow('user_email', user as Row)) : ((fixture.entities[name] ?? []) as Row[]);
  return rows.map((row) => entities[name].put(row).params().Item);
}

describe('plainReader', () => {
  it('covers every entity whose attributes read back unchanged (all but bundle, whose links are maps)', () => {
    const covered = ENTITY_NAMES.filter((name) => plainReader(schemas[name]) !== null);
    expect(covered.sort()).toEqual(ENTITY_NAMES.filter((name) => name !== 'bundle').sort());
  });

  it.each(ENTITY_NAMES.filter((name) => name !== 'bundle'))('returns for %s exactly what ElectroDB\'s formatting returns', (name) => {
    const read = plainReader(schemas[name])!;
    const items = storedItems(name);
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      const expected = entities[name].parse({ Item: item })!.data;
      expect(expected).not.toBeNull();
      expect(read(item)).toStrictEqual(expected);
    }
  });

  it('refuses every other entity\'s items and another model version, as ElectroDB does', () => {
    for (const name of ENTITY_NAMES.filter((entity) => entity !== 'bundle')) {
      const read = plainReader(schemas[name])!;
      for (const other of ENTITY_NAMES.filter((entity) => entity !== name)) {
        for (const item of storedItems(other).slice(0, 2)) {
          expect(read(item), `${name} reading a ${other}`).toBeUndefined();
          expect(entities[name].parse({ Item: item }, { ignoreOwnership: false })?.data ?? null, `${name} parsing a ${other}`).toBeNull();
        }
      }
      const own = storedItems(name)[0]!;
      expect(read({ ...own, __edb_v__: '999' })).toBeUndefined();
    }
  });

  it('hands an item of an odd shape to ElectroDB (a list attribute that is not a list)', () => {
    const task = storedItems('task')[0]!;
    expect(plainReader(schemas.task)!({ ...task, tags: 'not a list' })).toBeUndefined();
  });
});
