/**
 * `exstate templates validate`: every template file under the given paths, checked offline (no
 * Git, no store): a directory means every *.yaml and *.yml in it and its subdirectories (hidden
 * directories and node_modules skipped), as a templates folder of a repository is laid out.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTemplateBytes, parseTemplate, type TemplateFinding } from './parse.js';

export interface TemplateFileReport {
  file: string;
  ok: boolean;
  /** The template's name and task count, when it parsed. */
  name?: string;
  tasks?: number;
  errors: number;
}

export interface TemplateValidation {
  ok: boolean;
  files: TemplateFileReport[];
  findings: TemplateFinding[];
}

const TEMPLATE_FILE = /\.ya?ml$/i;

function templateFilesIn(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && entry.name !== 'node_modules') out.push(...templateFilesIn(path));
    } else if (TEMPLATE_FILE.test(entry.name) && (entry.isFile() || (entry.isSymbolicLink() && statSync(path, { throwIfNoEntry: false })?.isFile()))) {
      out.push(path);
    }
  }
  return out;
}

function checkFile(file: string): { report: TemplateFileReport; findings: TemplateFinding[] } {
  let findings: TemplateFinding[];
  let name: string | undefined;
  let tasks: number | undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    return { report: { file, ok: false, errors: 1 }, findings: [{ file, path: '', code: 'FILE', message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }] };
  }
  const decoded = decodeTemplateBytes(bytes, file);
  if ('finding' in decoded) {
    findings = [decoded.finding];
  } else {
    const parsed = parseTemplate(decoded.text, file);
    findings = parsed.findings;
    name = parsed.template?.name;
    tasks = parsed.template?.tasks.length;
  }
  return { report: { file, ok: findings.length === 0, ...(name === undefined ? {} : { name, tasks }), errors: findings.length }, findings };
}

/** Checks every template file the paths name; never throws for a bad path or file. */
export function validateTemplatePaths(paths: readonly string[]): TemplateValidation {
  const files: TemplateFileReport[] = [];
  const findings: TemplateFinding[] = [];
  const seen = new Set<string>();
  const fail = (file: string, message: string) => {
    files.push({ file, ok: false, errors: 1 });
    findings.push({ file, path: '', code: 'FILE', message });
  };
  for (const path of paths) {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) {
      fail(path, 'does not exist');
      continue;
    }
    const list = stat.isDirectory() ? templateFilesIn(path) : [path];
    if (stat.isDirectory() && list.length === 0) {
      fail(path, 'holds no *.yaml or *.yml file');
      continue;
    }
    for (const file of list) {
      const key = realpathSync(file);
      if (seen.has(key)) continue;
      seen.add(key);
      const checked = checkFile(file);
      files.push(checked.report);
      findings.push(...checked.findings);
    }
  }
  return { ok: findings.length === 0, files, findings };
}
