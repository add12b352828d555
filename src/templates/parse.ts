/**
 * Template files from text: YAML (the `yaml` package, with node ranges) checked against the
 * JSON Schema (ajv, every error at once), then the rules a schema cannot say (unique refs, link
 * names that exist, the transaction size). Every problem is a finding with the file, the line,
 * the key path (tasks[2].offset_days) and a message a template author can act on.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { ValidationError } from '../errors.js';
import { MAX_TEMPLATE_TASKS, MAX_TRANSACTION_ITEMS, instantiationItemCount } from '../services/bundles.js';
import { checkEmail, TEMPLATE_REF } from '../formats.js';
import { HTTP_URL_PATTERN, MAX_TEMPLATE_FILE_BYTES, TEMPLATE_FILE_SCHEMA, TEMPLATE_REF_PATTERN, type TemplateFile } from './schema.js';

export const TEMPLATE_FINDING_CODES = [
  /** Not readable as a template file at all: missing, too large, not UTF-8, empty. */
  'FILE',
  /** YAML syntax (or several documents in one file). */
  'YAML',
  'DUPLICATE_KEY',
  'UNKNOWN_KEY',
  'MISSING_KEY',
  'WRONG_TYPE',
  'OUT_OF_RANGE',
  'INVALID_VALUE',
  'DUPLICATE_REF',
  'DUPLICATE_LINK',
  'UNKNOWN_LINK',
  'TOO_MANY_TASKS',
  'TOO_MANY_WRITES',
] as const;

export type TemplateFindingCode = (typeof TEMPLATE_FINDING_CODES)[number];

export interface TemplateFinding {
  /** The file as the caller named it (a path, or the template's path in its repository). */
  file: string;
  /** 1-based; absent when the problem is the whole file. */
  line?: number;
  column?: number;
  /** Key path in the file, e.g. tasks[2].offset_days; '' for the file itself. */
  path: string;
  message: string;
  code: TemplateFindingCode;
}

export interface ParsedTemplate {
  /** The template when there are no findings; otherwise null. */
  template: TemplateFile | null;
  findings: TemplateFinding[];
  /** Where a key path (as in findings) is in the file, when it is there. */
  locate(path: string): { line: number; column: number } | undefined;
}

type Segment = string | number;

/** `file:line:column: path: message` — the form editors and CI logs link to. */
export function formatFinding(finding: TemplateFinding): string {
  const where = finding.line === undefined ? finding.file : `${finding.file}:${finding.line}${finding.column === undefined ? '' : `:${finding.column}`}`;
  return `${where}: ${finding.path ? `${finding.path}: ` : ''}${finding.message}`;
}

export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function sizeFinding(bytes: number, file: string): TemplateFinding | undefined {
  return bytes > MAX_TEMPLATE_FILE_BYTES ? { file, path: '', code: 'FILE', message: `is ${bytes} bytes; a template file may be at most ${MAX_TEMPLATE_FILE_BYTES} bytes` } : undefined;
}

/** Bytes as a template's text: at most MAX_TEMPLATE_FILE_BYTES of UTF-8. */
export function decodeTemplateBytes(bytes: Uint8Array, file: string): { text: string } | { finding: TemplateFinding } {
  const tooLarge = sizeFinding(bytes.byteLength, file);
  if (tooLarge) return { finding: tooLarge };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { finding: { file, path: '', code: 'FILE', message: 'is not UTF-8 text' } };
  }
}

let compiled: ValidateFunction | undefined;

/** The schema, compiled once on first use (the CLI's other commands never pay for it). */
function schemaValidator(): ValidateFunction {
  // `format: email` is documentation for editors; the e-mail rule itself is the users service's (checked below).
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: true, formats: { email: true } }).compile(TEMPLATE_FILE_SCHEMA);
  return compiled;
}

/** Parses and checks one template file's text; never throws for bad input. */
export function parseTemplate(source: string, file: string): ParsedTemplate {
  const findings: TemplateFinding[] = [];
  const lineCounter = new LineCounter();
  const tooLarge = sizeFinding(Buffer.byteLength(source, 'utf8'), file);
  if (tooLarge) return { template: null, findings: [tooLarge], locate: () => undefined };
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };

  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const list = Array.isArray(documents) ? documents : [];
  const doc: Document.Parsed | undefined = list[0];
  if (list.length > 1) {
    findings.push({ file, ...at(list[1]!.range[0]), path: '', code: 'YAML', message: `holds ${list.length} YAML documents; a template file holds exactly one (remove the extra "---")` });
  }
  for (const problem of [...(doc?.errors ?? []), ...(doc?.warnings ?? [])]) {
    findings.push({ file, ...at(problem.pos[0]), path: '', code: 'YAML', message: `YAML: ${problem.message.split('\n')[0]}` });
  }
  const locate = (path: string) => {
    if (!doc) return undefined;
    const segments = parsePath(path);
    const place = findNode(doc, segments);
    const position = at(place.offset);
    return position.line === undefined ? undefined : { line: position.line, column: position.column! };
  };
  if (!doc) findings.push({ file, path: '', code: 'FILE', message: 'is empty: a template needs at least name and tasks' });
  if (!doc || findings.length > 0) return { template: null, findings: sortFindings(findings), locate };

  findings.push(...duplicateKeys(doc, file, at));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    findings.push({ file, path: '', code: 'YAML', message: `YAML: ${(error as Error).message}` });
    return { template: null, findings: sortFindings(findings), locate };
  }
  if (data === null || data === undefined) {
    findings.push({ file, path: '', code: 'FILE', message: 'is empty: a template needs at least name and tasks' });
    return { template: null, findings, locate };
  }

  const locateSegments = (segments: readonly Segment[], preferKey = true) => at(findNode(doc, segments, preferKey).offset);
  const validate = schemaValidator();
  if (!validate(data)) {
    const seen = new Set<string>();
    for (const error of validate.errors ?? []) {
      const finding = schemaFinding(error, data, file, locateSegments);
      const key = `${finding.path}\u0000${finding.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        findings.push(finding);
      }
    }
  }
  findings.push(...ruleFindings(data, file, locateSegments));
  return { template: findings.length === 0 ? (data as TemplateFile) : null, findings: sortFindings(findings), locate };
}

/** Like parseTemplate, but a template with findings is a VALIDATION error that lists them (details.findings). */
export function parseTemplateOrThrow(source: string, file: string): { template: TemplateFile; locate: ParsedTemplate['locate'] } {
  const parsed = parseTemplate(source, file);
  if (parsed.template === null) throw invalidTemplateError(file, parsed.findings);
  return { template: parsed.template, locate: parsed.locate };
}

export function invalidTemplateError(file: string, findings: readonly TemplateFinding[]): ValidationError {
  const shown = findings.slice(0, 3).map(formatFinding).join('; ');
  const more = findings.length > 3 ? `; and ${findings.length - 3} more (exstate templates validate lists them all)` : '';
  return new ValidationError(`${file} is not a valid template (${findings.length} ${findings.length === 1 ? 'error' : 'errors'}): ${shown}${more}`, {
    field: 'template',
    file,
    findings: [...findings],
  });
}

function sortFindings(findings: TemplateFinding[]): TemplateFinding[] {
  return findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

// ---------------------------------------------------------------------------------------------
// Finding nodes

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** The node at a key path; `offset` is its key's position (the line people look for) or the value's. */
function findNode(doc: Document.Parsed, segments: readonly Segment[], preferKey = true): { offset: number | undefined } {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  // Under an alias (*name) the path's text is the anchor's; the alias is where this path is written.
  let aliasOffset: number | undefined;
  for (const segment of segments) {
    if (isAlias(node)) {
      aliasOffset ??= node.range?.[0];
      node = node.resolve(doc);
    }
    if (isMap(node)) {
      const pair = node.items.find((item) => keyText(item.key) === String(segment));
      if (!pair) break;
      keyNode = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      keyNode = undefined;
      node = node.items[segment];
    } else {
      break;
    }
  }
  const valueOffset = (node as Node | null | undefined)?.range?.[0];
  if (aliasOffset !== undefined) return { offset: aliasOffset };
  return { offset: preferKey ? keyNode?.range?.[0] ?? valueOffset : valueOffset ?? keyNode?.range?.[0] };
}

/** A key path as formatPath writes it, back to its segments. */
function parsePath(path: string): Segment[] {
  const segments: Segment[] = [];
  const pattern = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([A-Za-z_][A-Za-z0-9_-]*)/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(path)) !== null && match[0] !== '') {
    if (match[1] !== undefined) segments.push(Number(match[1]));
    else if (match[2] !== undefined) segments.push(JSON.parse(match[2]) as string);
    else segments.push(match[3]!);
  }
  return segments;
}

type At = (offset: number | undefined) => { line?: number; column?: number };

/** A key given twice in one mapping: YAML would silently keep the last one. */
function duplicateKeys(doc: Document.Parsed, file: string, at: At): TemplateFinding[] {
  const findings: TemplateFinding[] = [];
  const visit = (node: unknown, path: Segment[]) => {
    if (isMap(node)) {
      const first = new Map<string, Node>();
      for (const pair of node.items) {
        const name = keyText(pair.key);
        const key = pair.key as Node;
        const earlier = first.get(name);
        if (earlier) {
          findings.push({
            file,
            ...at(key.range?.[0]),
            path: formatPath([...path, name]),
            code: 'DUPLICATE_KEY',
            message: `key "${name}" appears twice in the same mapping (first on line ${at(earlier.range?.[0]).line}); YAML would keep only the last one, so remove or rename one`,
          });
        } else {
          first.set(name, key);
        }
        visit(pair.value, [...path, name]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, [...path, i]));
    }
  };
  visit(doc.contents, []);
  return findings;
}

// ---------------------------------------------------------------------------------------------
// Schema errors as findings

function segmentsOf(instancePath: string, data: unknown): Segment[] {
  const segments: Segment[] = [];
  let current: unknown = data;
  for (const raw of instancePath.split('/').slice(1)) {
    const name = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment: Segment = Array.isArray(current) && /^\d+$/.test(name) ? Number(name) : name;
    segments.push(segment);
    current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[segment as string] : undefined;
  }
  return segments;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys to values',
};

/** Edit distance, for "did you mean" on unknown keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function suggestion(unknown: string, allowed: readonly string[]): string | undefined {
  const normalized = unknown.toLowerCase().replace(/[\s-]+/g, '_').replace(/([a-z])([A-Z])/g, '$1_$2');
  const ranked = allowed
    .map((name) => ({ name, d: Math.min(distance(normalized, name), normalized.startsWith(name) || name.startsWith(normalized) ? 1 : Infinity) }))
    .sort((a, b) => a.d - b.d);
  const best = ranked[0];
  return best && best.d <= Math.max(2, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

function schemaFinding(error: ErrorObject, data: unknown, file: string, locate: (segments: readonly Segment[], preferKey?: boolean) => { line?: number; column?: number }): TemplateFinding {
  const segments = segmentsOf(error.instancePath, data);
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const value = error.data;
  const finding = (code: TemplateFindingCode, message: string, at: readonly Segment[] = segments, preferKey = true): TemplateFinding => ({
    file,
    ...locate(at, preferKey),
    path: formatPath(at),
    code,
    message,
  });
  const isTasks = segments.length === 1 && segments[0] === 'tasks';
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((parent.properties ?? {}) as Record<string, unknown>);
      const near = suggestion(name, allowed);
      return finding('UNKNOWN_KEY', `unknown key "${name}"${near ? ` (did you mean "${near}"?)` : `; allowed here: ${allowed.join(', ')}`}`, [...segments, name]);
    }
    case 'required': {
      const name = String((error.params as { missingProperty: string }).missingProperty);
      return { ...finding('MISSING_KEY', `missing required key "${name}"`, segments, false), path: formatPath([...segments, name]) };
    }
    case 'type': {
      if (segments.length === 0) return finding('WRONG_TYPE', 'the file must be a YAML mapping with at least name and tasks');
      const expected = String((error.params as { type: string }).type);
      return finding('WRONG_TYPE', `must be ${TYPE_NAMES[expected] ?? expected} (got ${describeValue(value)})`);
    }
    case 'minimum':
    case 'maximum':
      return finding('OUT_OF_RANGE', `must be from ${String(parent.minimum)} to ${String(parent.maximum)} (got ${describeValue(value)})`);
    case 'minLength':
      return finding('INVALID_VALUE', 'must not be empty');
    case 'maxLength':
      return finding('INVALID_VALUE', `must be at most ${String(parent.maxLength)} characters (got ${String((value as string).length)})`);
    case 'pattern': {
      const pattern = String(error.schema);
      if (pattern === TEMPLATE_REF_PATTERN) return finding('INVALID_VALUE', `must be ${TEMPLATE_REF.expected} (got ${describeValue(value)})`);
      if (pattern === HTTP_URL_PATTERN) return finding('INVALID_VALUE', `must be an http:// or https:// URL (got ${describeValue(value)})`);
      return finding('INVALID_VALUE', 'must not be empty');
    }
    case 'minItems':
      return finding('INVALID_VALUE', isTasks ? 'must list at least one task' : `must list at least ${String(parent.minItems)}`);
    case 'maxItems':
      return isTasks
        ? finding('TOO_MANY_TASKS', `lists ${(value as unknown[]).length} tasks; a template may have at most ${MAX_TEMPLATE_TASKS} (the bundle, its instance and every task are written in one DynamoDB transaction): split the template`)
        : finding('INVALID_VALUE', `lists ${(value as unknown[]).length} items; at most ${String(parent.maxItems)} are allowed`);
    case 'uniqueItems': {
      const { i, j } = error.params as { i: number; j: number };
      const later = Math.max(i, j);
      return finding('INVALID_VALUE', `lists ${describeValue((value as unknown[])[later])} twice (items ${Math.min(i, j)} and ${later})`, [...segments, later]);
    }
    case 'enum':
      return finding('INVALID_VALUE', `must be one of ${((error.schema as unknown[]) ?? []).join(', ')} (got ${describeValue(value)})`);
    default:
      return finding('INVALID_VALUE', error.message ?? `fails ${error.keyword}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Rules a JSON Schema cannot state

function ruleFindings(data: unknown, file: string, locate: (segments: readonly Segment[]) => { line?: number; column?: number }): TemplateFinding[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  const findings: TemplateFinding[] = [];
  const add = (segments: Segment[], code: TemplateFindingCode, message: string) => findings.push({ file, ...locate(segments), path: formatPath(segments), code, message });
  const record = data as Record<string, unknown>;
  const objects = (value: unknown) => (Array.isArray(value) ? value : []).map((item) => (item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : {}));

  const slots = new Map<string, number>();
  objects(record.links).forEach((link, i) => {
    if (typeof link.name !== 'string') return;
    const first = slots.get(link.name);
    if (first !== undefined) add(['links', i, 'name'], 'DUPLICATE_LINK', `link "${link.name}" is already declared as links[${first}] (line ${locate(['links', first, 'name']).line})`);
    else slots.set(link.name, i);
  });

  const tasks = objects(record.tasks);
  const refs = new Map<string, number>();
  const assignees = new Set<string>();
  tasks.forEach((task, i) => {
    if (typeof task.ref === 'string') {
      const first = refs.get(task.ref);
      if (first !== undefined) {
        add(['tasks', i, 'ref'], 'DUPLICATE_REF', `ref "${task.ref}" is already used by tasks[${first}] (line ${locate(['tasks', first, 'ref']).line}); refs must be unique within a template`);
      } else {
        refs.set(task.ref, i);
      }
    }
    if (typeof task.required_link_name === 'string' && !slots.has(task.required_link_name)) {
      const declared = [...slots.keys()];
      add(
        ['tasks', i, 'required_link_name'],
        'UNKNOWN_LINK',
        `"${task.required_link_name}" is not one of this template's links: declare it under links (- name: ${task.required_link_name})${declared.length ? ` or use one of ${declared.map((n) => `"${n}"`).join(', ')}` : ''}`,
      );
    }
    if (typeof task.assignee === 'string') {
      try {
        assignees.add(checkEmail(task.assignee, 'assignee'));
      } catch {
        add(['tasks', i, 'assignee'], 'INVALID_VALUE', `must be an e-mail address like ada@example.org (got ${describeValue(task.assignee)})`);
      }
    }
  });

  // The owner is chosen when the template is instantiated: the template must fit any owner.
  const items = instantiationItemCount(tasks.length, assignees.size + 1); // + the owner, who instantiates by default
  if (tasks.length <= MAX_TEMPLATE_TASKS && items > MAX_TRANSACTION_ITEMS) {
    add(
      ['tasks'],
      'TOO_MANY_WRITES',
      `needs ${items} items in one transaction (${tasks.length} tasks, one check per each of ${assignees.size} distinct assignees, the bundle, the instance and the owner check); DynamoDB allows ${MAX_TRANSACTION_ITEMS}: split the template or assign fewer distinct people`,
    );
  }
  return findings;
}
