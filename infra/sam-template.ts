/**
 * Reads the SAM template (lambda-functions/template.full.yaml) into plain JSON: CloudFormation's
 * short-form tags (!Ref, !GetAtt, !Sub, ...) become their long forms ({ Ref }, { 'Fn::GetAtt' }).
 * Used by test/infra (least-privilege and wiring checks) and by scripts/lint-infra.sh
 * (`npx tsx infra/sam-template.ts entry-points` lists the handler files sam build bundles).
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type CollectionTag, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

export const SAM_TEMPLATE_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../lambda-functions/template.full.yaml');

/** Intrinsic functions with a `Fn::` long form. */
const FN_NAMES = [
  'And', 'Base64', 'Cidr', 'Equals', 'FindInMap', 'GetAZs', 'GetAtt', 'If', 'ImportValue', 'Join',
  'Length', 'Not', 'Or', 'Select', 'Split', 'Sub', 'ToJsonString', 'Transform',
] as const;

function longForm(name: string, value: unknown): Record<string, unknown> {
  if (name === 'Ref' || name === 'Condition') return { [name]: value };
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    if (dot < 1) throw new Error(`!GetAtt ${value}: expected LogicalId.Attribute`);
    return { 'Fn::GetAtt': [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [`Fn::${name}`]: value };
}

const CFN_TAGS: (ScalarTag | CollectionTag)[] = ['Ref', 'Condition', ...FN_NAMES].flatMap((name) => [
  { tag: `!${name}`, resolve: (value: string) => longForm(name, value) } satisfies ScalarTag,
  ...(['seq', 'map'] as const).map(
    (collection) =>
      ({
        tag: `!${name}`,
        collection,
        resolve: (node: YAMLMap | YAMLSeq) => longForm(name, node.toJSON()),
      }) as unknown as CollectionTag,
  ),
]);

/** Parses CloudFormation/SAM YAML, short-form intrinsics included. Throws on any YAML error. */
export function parseCloudFormationYaml(source: string): Record<string, unknown> {
  return parse(source, { customTags: CFN_TAGS, uniqueKeys: true, prettyErrors: true, strict: true }) as Record<string, unknown>;
}

export interface SamResource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface SamTemplate {
  Transform?: string | string[];
  Parameters?: Record<string, Record<string, unknown>>;
  Rules?: Record<string, { RuleCondition?: unknown; Assertions: { Assert: unknown; AssertDescription?: string }[] }>;
  Conditions?: Record<string, unknown>;
  Globals?: { Function?: Record<string, unknown> };
  Resources: Record<string, SamResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export function loadSamTemplate(file: string = SAM_TEMPLATE_FILE): SamTemplate {
  return parseCloudFormationYaml(readFileSync(file, 'utf8')) as unknown as SamTemplate;
}

/** The AWS::Serverless::Function resources by logical ID. */
export function samFunctions(template: SamTemplate = loadSamTemplate()): Record<string, SamResource> {
  return Object.fromEntries(Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Serverless::Function'));
}

/** The handler source files the esbuild metadata bundles, relative to the repository root. */
export function entryPointFiles(template: SamTemplate = loadSamTemplate(), file: string = SAM_TEMPLATE_FILE): string[] {
  const root = resolve(dirname(file), '..');
  return Object.values(samFunctions(template)).flatMap((fn) => {
    const codeUri = (fn.Properties?.CodeUri ?? template.Globals?.Function?.CodeUri) as string | undefined;
    const entries = ((fn.Metadata?.BuildProperties as { EntryPoints?: string[] } | undefined)?.EntryPoints ?? []);
    if (typeof codeUri !== 'string') throw new Error('every function needs a local CodeUri');
    return entries.map((entry) => relative(root, resolve(dirname(file), codeUri, entry)));
  });
}

/** `<LogicalId> <Handler>` of every function (e.g. `SchedulerFunction scheduler.handler`). */
export function functionHandlers(template: SamTemplate = loadSamTemplate()): [string, string][] {
  return Object.entries(samFunctions(template)).map(([id, fn]) => [id, String(fn.Properties?.Handler ?? template.Globals?.Function?.Handler)]);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'entry-points') console.log(entryPointFiles().join('\n'));
  if (process.argv[2] === 'handlers') console.log(functionHandlers().map((pair) => pair.join(' ')).join('\n'));
}
