/**
 * Reading an item the way ElectroDB's formatting does for models that need nothing more: keep
 * the entity's own items (its __edb_e__/__edb_v__ identifiers) and of each item only its
 * visible attributes. ElectroDB's formatter does this through per-attribute getter passes
 * (two, when a model has watchers), most of a list call's added CPU time (bench/RESULTS.md §3). The ownership check is ElectroDB's
 * default `ownsItem`, so another entity's item sharing an index never reaches a caller.
 *
 * Only models whose every attribute reads back unchanged qualify (no `get`, no field renames,
 * no padding, no maps or sets); `plainReader` returns null for the others, which keep ElectroDB's.
 * The reader returns undefined for an item it cannot vouch for (another entity's or version's, a
 * list attribute that is not a list): the caller hands that item to ElectroDB's `entity.parse`.
 */
type AttributeDefinition = { type?: unknown; hidden?: boolean; get?: unknown; field?: string; padding?: unknown; items?: AttributeDefinition };
export type PlainReadSchema = { model: { entity: string; version: string }; attributes: Record<string, AttributeDefinition> };

export type PlainReader = (item: Record<string, unknown>) => Record<string, unknown> | undefined;

const IDENTITY_TYPES = new Set(['string', 'number', 'boolean', 'any']);
function readsBackUnchanged(attribute: AttributeDefinition, name?: string): boolean {
  if (attribute.get !== undefined || attribute.padding !== undefined) return false;
  if (attribute.field !== undefined && attribute.field !== name) return false;
  if (Array.isArray(attribute.type)) return true; // enum
  if (attribute.type === 'list') return !!attribute.items && readsBackUnchanged(attribute.items);
  return IDENTITY_TYPES.has(attribute.type as string);
}

const readers = new WeakMap<object, PlainReader | null>();

export function plainReader(schema: PlainReadSchema): PlainReader | null {
  let reader = readers.get(schema);
  if (reader !== undefined) return reader;
  const attributes = Object.entries(schema.attributes);
  if (!attributes.every(([name, attribute]) => readsBackUnchanged(attribute, name))) {
    reader = null;
  } else {
    const visible = attributes.filter(([, attribute]) => !attribute.hidden).map(([name, attribute]) => ({ name, list: attribute.type === 'list' }));
    const { entity, version } = schema.model;
    reader = (item) => {
      if (item.__edb_e__ !== entity || item.__edb_v__ !== version) return undefined;
      const out: Record<string, unknown> = {};
      for (const { name, list } of visible) {
        const value = item[name];
        if (value === undefined) continue;
        if (list && !Array.isArray(value)) return undefined;
        out[name] = value;
      }
      return out;
    };
  }
  readers.set(schema, reader);
  return reader;
}
