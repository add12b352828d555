/**
 * The DynamoDB requests of the store's reads, assembled from the keys ElectroDB computes.
 *
 * ElectroDB's query chain (`entity.query.<pattern>(…).lt(…).go()`) builds a clause-chain object
 * graph and its parameters on every call: most of the CPU a list page adds over hand-written
 * code (bench/RESULTS.md §3). The keys themselves come from ElectroDB's public
 * `createConversions`, which is cheap, so each read keeps ElectroDB's key format (prefixes,
 * casing, labels) and only the request around the keys is assembled here. The key condition of
 * every access pattern and every comparison is checked against ElectroDB's own `.params()` by
 * test/entities/key-requests.test.ts, so the two cannot drift apart.
 */
import { createConversions } from 'electrodb';

/** A value ElectroDB puts into a key. */
type KeyValue = string | number;
export type Composite = Readonly<Record<string, KeyValue>>;

/**
 * One Query: the access pattern, the composite attributes it is called with, and at most one
 * sort-key comparison (ElectroDB's `.lt()`, `.between()`, … of the same name).
 *
 * Without a comparison the sort key is matched exactly when `composite` gives all of its
 * attributes, and by prefix (`begins_with`) when it gives a leading part: as ElectroDB does.
 */
export interface KeyQuery {
  readonly index: string;
  readonly composite: Composite;
  readonly lt?: Composite;
  readonly lte?: Composite;
  readonly gt?: Composite;
  readonly gte?: Composite;
  readonly begins?: Composite;
  readonly between?: readonly [Composite, Composite];
}

/** The parts of a Query request that depend on the entity and the access pattern. */
export interface QueryRequest {
  IndexName?: string;
  KeyConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, KeyValue>;
}

/** The model an entity was built from: what this module reads of it. */
export interface KeyedEntity {
  schema: { indexes: Record<string, { index?: string; pk: { field: string; composite: readonly string[] }; sk?: { field: string; composite: readonly string[] } }> };
}

interface KeyPlan {
  indexName?: string;
  pkField: string;
  skField: string;
  pkComposite: readonly string[];
  skComposite: readonly string[];
  toKeys(composite: Composite): Record<string, KeyValue>;
}

const COMPARISONS = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;

const plans = new WeakMap<object, Map<string, KeyPlan>>();

function planOf(entity: KeyedEntity, index: string): KeyPlan {
  let byIndex = plans.get(entity);
  if (!byIndex) plans.set(entity, (byIndex = new Map()));
  let plan = byIndex.get(index);
  if (plan) return plan;
  const definition = entity.schema.indexes[index];
  if (!definition?.sk) throw new Error(`No access pattern "${index}" with a sort key on this entity`);
  const conversions = createConversions(entity as never) as unknown as {
    byAccessPattern: Record<string, { fromComposite: { toKeys(composite: object, options: { strict: 'none' }): Record<string, KeyValue> } }>;
  };
  const convert = conversions.byAccessPattern[index]!.fromComposite;
  // ElectroDB hands an empty composite back unconverted; one attribute named without a value
  // converts to the keys of "no attributes given" (a static partition key and the sort-key prefix).
  const nothingGiven = { [[...definition.pk.composite, ...definition.sk.composite][0] ?? '']: undefined };
  plan = {
    indexName: definition.index,
    pkField: definition.pk.field,
    skField: definition.sk.field,
    pkComposite: definition.pk.composite,
    skComposite: definition.sk.composite,
    toKeys: (composite) => convert.toKeys(Object.keys(composite).length > 0 ? composite : nothingGiven, { strict: 'none' }),
  };
  byIndex.set(index, plan);
  return plan;
}

/** How many leading sort-key attributes `composite` gives; a gap is a programming error. */
function givenSortAttributes(plan: KeyPlan, composite: Composite, index: string): number {
  for (const name of Object.keys(composite)) {
    if (!plan.pkComposite.includes(name) && !plan.skComposite.includes(name)) throw new Error(`"${name}" is not a key attribute of access pattern ${index}`);
  }
  for (const name of plan.pkComposite) {
    if (composite[name] === undefined) throw new Error(`Access pattern ${index} needs "${name}"`);
  }
  const given = plan.skComposite.findIndex((name) => composite[name] === undefined);
  const count = given === -1 ? plan.skComposite.length : given;
  if (plan.skComposite.slice(count).some((name) => composite[name] !== undefined)) {
    throw new Error(`Access pattern ${index}: sort-key attributes must be given from the first one on, without gaps`);
  }
  return count;
}

/**
 * The sort key of a comparison: the given attributes only. ElectroDB's key for a partial
 * composite ends with the label of the next attribute (`…#next_`), which a prefix needs and a
 * comparison must not have: ElectroDB builds those "without the tail" too.
 */
function sortKeyOf(plan: KeyPlan, index: string, composite: Composite, tail: boolean): KeyValue {
  const given = givenSortAttributes(plan, composite, index);
  const key = plan.toKeys(composite)[plan.skField]!;
  if (tail || given === plan.skComposite.length || typeof key !== 'string') return key;
  const label = `#${plan.skComposite[given]!.toLowerCase()}_`;
  if (!key.endsWith(label)) throw new Error(`Access pattern ${index}: unexpected sort key "${key}" (a custom key template needs its own request here)`);
  return key.slice(0, -label.length);
}

/** The Query of `query` on `entity`: index, key condition, names and values. */
export function queryRequest(entity: KeyedEntity, query: KeyQuery): QueryRequest {
  const plan = planOf(entity, query.index);
  const pk = plan.toKeys(query.composite)[plan.pkField]!;
  const names = { '#pk': plan.pkField, '#sk1': plan.skField };
  const request = (condition: string, values: Record<string, KeyValue>): QueryRequest => ({
    ...(plan.indexName ? { IndexName: plan.indexName } : {}),
    KeyConditionExpression: `#pk = :pk and ${condition}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: { ':pk': pk, ...values },
  });
  for (const op of ['lt', 'lte', 'gt', 'gte'] as const) {
    const bound = query[op];
    if (bound) return request(`#sk1 ${COMPARISONS[op]} :sk1`, { ':sk1': sortKeyOf(plan, query.index, { ...query.composite, ...bound }, false) });
  }
  if (query.between) {
    const [from, to] = query.between;
    return request('#sk1 BETWEEN :sk1 AND :sk2', {
      ':sk1': sortKeyOf(plan, query.index, { ...query.composite, ...from }, false),
      ':sk2': sortKeyOf(plan, query.index, { ...query.composite, ...to }, false),
    });
  }
  if (query.begins) return request('begins_with(#sk1, :sk1)', { ':sk1': sortKeyOf(plan, query.index, { ...query.composite, ...query.begins }, false) });
  const complete = givenSortAttributes(plan, query.composite, query.index) === plan.skComposite.length;
  const sk = sortKeyOf(plan, query.index, query.composite, true);
  return request(complete ? '#sk1 = :sk1' : 'begins_with(#sk1, :sk1)', { ':sk1': sk });
}

const primaryIndexes = new WeakMap<object, string>();

/** The table key of one item (its primary access pattern): what a GetItem sends. */
export function itemKey(entity: KeyedEntity, composite: Composite): Record<string, KeyValue> {
  let index = primaryIndexes.get(entity);
  if (index === undefined) {
    index = Object.entries(entity.schema.indexes).find(([, definition]) => definition.index === undefined)![0];
    primaryIndexes.set(entity, index);
  }
  const plan = planOf(entity, index);
  if (givenSortAttributes(plan, composite, index) !== plan.skComposite.length) throw new Error(`Access pattern ${index} needs every key attribute`);
  const keys = plan.toKeys(composite);
  return { [plan.pkField]: keys[plan.pkField]!, [plan.skField]: keys[plan.skField]! };
}
