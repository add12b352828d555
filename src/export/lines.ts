/**
 * Streaming line I/O with SHA-256 on the exact bytes: files are never read or built in memory
 * as a whole, so export, validation, import and the Postgres load stay flat as the table grows.
 */
import { createHash, type Hash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { fileSystemError } from '../errors.js';
import { NODE_FILES, onPath, type ExportFiles, type WritableFile } from './files.js';

const FLUSH_BYTES = 1 << 20;

/** Appends lines to a new file, hashing what it writes; call close() to flush. Failures are typed (files.ts). */
export class LineWriter {
  private buffer: string[] = [];
  private bufferedChars = 0;
  private readonly hash: Hash = createHash('sha256');
  lines = 0;
  bytes = 0;

  private constructor(
    private readonly handle: WritableFile,
    readonly path: string,
  ) {}

  /** Creates `path`, which must not exist yet. */
  static async create(path: string, files: ExportFiles = NODE_FILES): Promise<LineWriter> {
    return new LineWriter(await onPath(path, 'create', () => files.create(path)), path);
  }

  async write(line: string): Promise<void> {
    this.buffer.push(line, '\n');
    this.bufferedChars += line.length + 1;
    this.lines += 1;
    if (this.bufferedChars >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    this.bufferedChars = 0;
    this.hash.update(chunk);
    this.bytes += chunk.length;
    await onPath(this.path, 'write', () => this.handle.write(chunk));
  }

  /** Flushes, closes and returns the SHA-256 (hex) of everything written. */
  async close(): Promise<{ sha256: string; lines: number; bytes: number }> {
    await this.flush();
    await onPath(this.path, 'write', () => this.handle.close());
    return { sha256: this.hash.digest('hex'), lines: this.lines, bytes: this.bytes };
  }

  /** Closes without caring about the result (error paths). */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }
}

export interface LineReadSummary {
  sha256: string;
  bytes: number;
  /** Number of newline-terminated lines plus a final unterminated one, if any. */
  lines: number;
  /** True when the file does not end with a newline (a truncated write, usually). */
  unterminatedLastLine: boolean;
}

/**
 * Reads a file line by line (1-based line numbers), hashing the raw bytes as they stream by.
 * The summary is available once iteration has finished.
 */
export async function* readLines(path: string, summary?: Partial<LineReadSummary>, files: ExportFiles = NODE_FILES): AsyncGenerator<{ line: string; lineNumber: number }> {
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  let bytes = 0;
  for await (const chunk of readChunks(path, files)) {
    const buffer = chunk;
    hash.update(buffer);
    bytes += buffer.length;
    pending += decoder.write(buffer);
    let newline = pending.indexOf('\n');
    let start = 0;
    while (newline !== -1) {
      lineNumber += 1;
      yield { line: pending.slice(start, newline), lineNumber };
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  }
  pending += decoder.end();
  const unterminated = pending.length > 0;
  if (unterminated) {
    lineNumber += 1;
    yield { line: pending, lineNumber };
  }
  if (summary) {
    summary.sha256 = hash.digest('hex');
    summary.bytes = bytes;
    summary.lines = lineNumber;
    summary.unterminatedLastLine = unterminated;
  }
}

/** SHA-256 of a whole file, streamed. */
export async function sha256File(path: string, files: ExportFiles = NODE_FILES): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of readChunks(path, files)) hash.update(chunk);
  return hash.digest('hex');
}

/** A whole (small) file as text, e.g. the manifest. */
export async function readText(path: string, files: ExportFiles = NODE_FILES): Promise<string> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  for await (const chunk of readChunks(path, files)) text += decoder.write(Buffer.from(chunk));
  return text + decoder.end();
}

/** The file's bytes; a failure to read is the typed error naming the path. */
async function* readChunks(path: string, files: ExportFiles): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of files.read(path)) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
  } catch (error) {
    throw fileSystemError(error, path, 'read');
  }
}
