/**
 * `exstate export`, `exstate validate-export`, `exstate import`: the portable export
 * (ADR 0003). Export and import stop cleanly on Ctrl-C/SIGTERM (exit 130/143).
 *
 * Import writes into a table that is not on a DynamoDB Local on this machine only when
 * --target-table names it, and never creates a table there (on AWS, CloudFormation owns it).
 */
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { isLoopbackEndpoint } from '../../config.js';
import { ExecutionStoreError } from '../../errors.js';
import { abandonImport, exportExecutionData, importExecutionData, validateExport, type Finding, type ValidationResult } from '../../export/index.js';
import { ensureTable, tableExists } from '../../local/create-table.js';
import { integerArg, ruleOption } from '../args.js';
import type { CliDeps } from '../deps.js';
import { writeReportFile } from '../files.js';
import { plural, printJson, renderTable, type Output } from '../format.js';
import { abortOption } from '../interrupt.js';

function printFindings(o: Output, result: ValidationResult): void {
  if (result.findings.length === 0) return;
  o.write(
    renderTable<Finding>(result.findings.slice(0, 20), [
      { header: 'Code', value: (f) => f.code },
      { header: 'File', value: (f) => (f.line ? `${f.file}:${f.line}` : f.file) },
      { header: 'Message', value: (f) => f.message, max: 80 },
    ]),
  );
  if (result.totalFindings > 20) o.write(`  … and ${result.totalFindings - 20} more (--json lists up to 1000)`);
}

function countsTable(counts: Record<string, number>): string {
  return renderTable(Object.entries(counts), [
    { header: 'Entity', value: ([k]) => k },
    { header: 'Rows', value: ([, v]) => v, align: 'right' },
  ]);
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

const reportOption = () => new Option('--report <file>', 'also write the --json document to this file (replaced if it exists)');

/**
 * The import's target, checked before any request: a table on a DynamoDB Local on this machine,
 * or one that --target-table names exactly. Returns whether a missing table may be created.
 */
function checkImportTarget(tableName: string, endpoint: string | undefined, targetTable: string | undefined): { local: boolean } {
  const local = isLoopbackEndpoint(endpoint);
  const where = endpoint ?? 'the AWS regional endpoint';
  if (targetTable !== undefined && targetTable !== tableName) {
    const message = `--target-table ${targetTable} does not name the configured table ${tableName} (DATAOPS_EXECUTION_TABLE at ${where}): nothing was written.`;
    if (local) throw new ExecutionStoreError('INVALID_OPTIONS', message, { field: 'targetTable', tableName, targetTable });
    throw new ExecutionStoreError('NON_LOCAL_TARGET', message, { tableName, targetTable, endpoint: endpoint ?? null });
  }
  if (!local && targetTable === undefined) {
    throw new ExecutionStoreError(
      'NON_LOCAL_TARGET',
      `Refusing to import into ${tableName} at ${where} without confirmation: a table that is not on a DynamoDB Local on this machine is written only with --target-table ${tableName}.`,
      { tableName, endpoint: endpoint ?? null },
    );
  }
  return { local };
}

export function registerExportCommands(program: Command, deps: CliDeps): void {
  program
    .command('export')
    .description("write the table's durable data as a portable, validated export (JSONL per entity + manifest.json)")
    .requiredOption('--out <dir>', 'output directory (must be empty or new)')
    .option('--overwrite', 'replace an existing export in the directory', false)
    .addOption(new Option('--redact <profile>', 'pii: pseudonymize personal data (not restorable)').choices(['none', 'pii']).default('none'))
    .addOption(ruleOption('--segments <n>', 'parallel scan segments', integerArg(1, 64)).default(4))
    .addOption(reportOption())
    .addOption(deps.jsonOption())
    .action(
      deps.action(
        { outDir: '--out', overwrite: '--overwrite', redaction: '--redact', segments: '--segments' },
        async (options: { out: string; overwrite: boolean; redact: 'none' | 'pii'; segments: number; report?: string; json?: boolean }) => {
          const { client, tableName } = deps.connect();
          const outDir = resolve(options.out);
          const result = await deps.interruptible('export', `${outDir} holds no valid export (no manifest)`, (signal) =>
            exportExecutionData({
              client,
              tableName,
              outDir,
              overwrite: options.overwrite,
              redaction: options.redact,
              segments: options.segments,
              progress: options.json ? false : undefined,
              ...abortOption(signal),
            }),
          );
          const validation = result.validation;
          const document = {
            out_dir: result.outDir,
            manifest_path: result.manifestPath,
            counts: result.counts,
            scanned_items: result.scannedItems,
            unparsed: result.unparsed,
            omitted: result.omitted,
            validation: validation ? { ok: validation.ok, total_findings: validation.totalFindings, findings: validation.findings } : null,
          };
          if (options.report !== undefined) await writeReportFile(options.report, document);
          const o = deps.output(options.json);
          if (o.json) {
            printJson(o, document);
          } else {
            o.write(`Exported ${plural(sum(result.counts), 'row')} from ${tableName} (${plural(result.scannedItems, 'item')} scanned) to ${result.outDir}`);
            o.write(countsTable(result.counts));
            if (result.unparsed.count) o.write(`  ${plural(result.unparsed.count, 'item')} could not be parsed: see ${result.unparsed.file}`);
            if (validation) {
              o.write(validation.ok ? '  Validation: ok.' : `  Validation: ${plural(validation.totalFindings, 'finding')}.`);
              printFindings(o, validation);
            }
          }
          if (validation && !validation.ok) {
            throw new ExecutionStoreError('EXPORT_INVALID', `The export in ${result.outDir} did not validate (${plural(validation.totalFindings, 'finding')}).`, { outDir: result.outDir });
          }
        },
      ),
    );

  program
    .command('validate-export')
    .description('check an export directory: manifest, checksums, every row against the registry, references')
    .argument('<dir>', 'export directory')
    .addOption(reportOption())
    .addOption(deps.jsonOption())
    .action(
      deps.action({ dir: '<dir>' }, async (dir: string, options: { report?: string; json?: boolean }) => {
        const result = await validateExport(resolve(dir));
        const document = { ok: result.ok, dir: result.dir, counts: result.counts, total_findings: result.totalFindings, finding_counts: result.findingCounts, findings: result.findings, truncated: result.truncated };
        if (options.report !== undefined) await writeReportFile(options.report, document);
        const o = deps.output(options.json);
        if (o.json) printJson(o, document);
        else {
          o.write(result.ok ? `${result.dir}: valid export (${plural(sum(result.counts), 'row')}).` : `${result.dir}: ${plural(result.totalFindings, 'finding')}.`);
          if (Object.keys(result.counts).length) o.write(countsTable(result.counts));
          printFindings(o, result);
        }
        if (!result.ok) throw new ExecutionStoreError('EXPORT_INVALID', `${result.dir} is not a valid export (${plural(result.totalFindings, 'finding')}).`, { dir: result.dir });
      }),
    );

  program
    .command('import')
    .description('restore a validated export into the configured table (which must be empty); locally a missing table is created first')
    .argument('<dir>', 'export directory')
    .option('--dry-run', 'validate and check the table, write nothing', false)
    .option('--allow-non-empty', 'write into a table that already holds items (re-running an interrupted import)', false)
    .option('--allow-redacted', 'restore a pseudonymized (pii) export', false)
    .option('--target-table <name>', 'confirm the table to write when it is not on a DynamoDB Local on this machine (must equal the configured table name)')
    .option('--resume', 'finish an interrupted import of this same export (the table keeps its restore marker until then)', false)
    .option('--start-over', 'remove what an interrupted import of this same export wrote, then import it again', false)
    .option('--abandon', 'remove only what an interrupted import of this same export wrote, and its restore marker; import nothing', false)
    .addOption(reportOption())
    .addOption(deps.jsonOption())
    .action(
      deps.action(
        { dir: '<dir>', dryRun: '--dry-run', allowNonEmpty: '--allow-non-empty', allowRedacted: '--allow-redacted', targetTable: '--target-table', resume: '--resume', startOver: '--start-over' },
        async (
          dir: string,
          options: { dryRun: boolean; allowNonEmpty: boolean; allowRedacted: boolean; targetTable?: string; resume: boolean; startOver: boolean; abandon: boolean; report?: string; json?: boolean },
        ) => {
          const { client, tableName, endpoint } = deps.connect();
          const { local } = checkImportTarget(tableName, endpoint, options.targetTable);
          if (options.abandon) {
            if (options.resume || options.startOver || options.dryRun) {
              throw new ExecutionStoreError('INVALID_OPTIONS', '--abandon only removes what an interrupted import wrote: it cannot be combined with --resume, --start-over or --dry-run', { field: 'abandon' });
            }
            const { removed } = await abandonImport({ client, tableName, dir: resolve(dir) });
            const document = { dir: resolve(dir), table: tableName, abandoned: true, removed };
            if (options.report !== undefined) await writeReportFile(options.report, document);
            const o = deps.output(options.json);
            if (o.json) printJson(o, document);
            else o.write(`Abandoned the interrupted import of ${resolve(dir)}: removed ${plural(removed, 'item')} it wrote and the restore marker from ${tableName}.`);
            return;
          }
          // Only on a DynamoDB Local on this machine is a missing table created (from the template).
          let created = false;
          if (local && !options.dryRun && !(await tableExists(client, tableName))) created = await ensureTable(client, tableName);
          const result = await deps.interruptible('import', `${tableName} may hold part of the export`, (signal) =>
            importExecutionData({
              client,
              tableName,
              dir: resolve(dir),
              dryRun: options.dryRun,
              allowNonEmpty: options.allowNonEmpty,
              allowRedacted: options.allowRedacted,
              resume: options.resume,
              startOver: options.startOver,
              onProgress: options.json || !(deps.io.stderr as { isTTY?: boolean }).isTTY ? undefined : (p) => deps.note(`[import] ${p.entity}: ${p.written}/${p.total}`),
              ...abortOption(signal),
            }),
          );
          const document = {
            dir: result.dir,
            table: result.tableName,
            table_created: created,
            dry_run: result.dryRun,
            counts: result.counts,
            written: result.written,
            retries: result.retries,
            verification: result.verification ?? null,
          };
          if (options.report !== undefined) await writeReportFile(options.report, document);
          const o = deps.output(options.json);
          if (o.json) {
            printJson(o, document);
          } else {
            o.write(
              result.dryRun
                ? `Dry run: ${result.dir} is valid and would write ${plural(sum(result.counts), 'item')} into ${result.tableName}.`
                : `Imported ${plural(result.written, 'item')} from ${result.dir} into ${result.tableName}${created ? ' (created the table first)' : ''}${result.verification ? (result.verification.ok ? '; verified.' : '; verification FAILED.') : '.'}`,
            );
            o.write(countsTable(result.counts));
          }
        },
      ),
    );
}
