/**
 * Bounded-memory sorting of JSONL rows by key (the primary ID), for the export.
 *
 * Rows are buffered per entity; when the buffers of all sorters of a pool together exceed the
 * pool's byte budget, the largest buffer is sorted and spilled to a run file. Reading a sorter
 * back merges its runs (k-way, with a heap) with whatever is still buffered. Peak memory is
 * therefore about the budget plus one line and one small read buffer per run.
 *
 * Keys compare by UTF-16 code unit (`<`), which for the ASCII IDs of this model is byte order,
 * i.e. Postgres `COLLATE "C"` and `sort` with LC_ALL=C. Equal keys are ordered by line.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { NODE_FILES, onPath, type ExportFiles } from './files.js';
import { LineWriter } from './lines.js';

export interface SortedRow {
  key: string;
  line: string;
}

function compareRows(a: SortedRow, b: SortedRow): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.line === b.line) return 0;
  return a.line < b.line ? -1 : 1;
}

/** Shares one memory budget between the sorters of one export. */
export class SortPool {
  private readonly sorters = new Set<ExternalSorter>();
  private readonly pending = new Set<Promise<void>>();
  private runCounter = 0;
  bufferedBytes = 0;
  spills = 0;

  constructor(
    readonly tmpDir: string,
    /** Byte budget for all buffered rows together (strings counted as 2 bytes per character). */
    readonly maxBufferedBytes: number = 64 * 1024 * 1024,
    readonly files: ExportFiles = NODE_FILES,
  ) {}

  sorter(name: string): ExternalSorter {
    const sorter = new ExternalSorter(this, name);
    this.sorters.add(sorter);
    return sorter;
  }

  nextRunPath(name: string): string {
    this.runCounter += 1;
    return join(this.tmpDir, `${name}.run-${String(this.runCounter).padStart(6, '0')}.tmp`);
  }

  /** Called after every add: spills the largest buffers until the pool is under budget. */
  async relieve(): Promise<void> {
    while (this.bufferedBytes > this.maxBufferedBytes) {
      let largest: ExternalSorter | undefined;
      for (const sorter of this.sorters) if (!largest || sorter.bufferedBytes > largest.bufferedBytes) largest = sorter;
      if (!largest || largest.bufferedBytes === 0) break;
      const spill = largest.spill();
      this.pending.add(spill);
      try {
        await spill;
      } finally {
        this.pending.delete(spill);
      }
    }
  }

  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  async prepare(): Promise<void> {
    await onPath(this.tmpDir, 'create', () => this.files.mkdir(this.tmpDir));
  }

  async cleanup(): Promise<void> {
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

export class ExternalSorter {
  private buffer: SortedRow[] = [];
  private readonly runs: string[] = [];
  bufferedBytes = 0;
  count = 0;

  constructor(
    private readonly pool: SortPool,
    readonly name: string,
  ) {}

  /** Adds a row; the returned promise resolves once the pool is back under its budget. */
  async add(key: string, line: string): Promise<void> {
    this.buffer.push({ key, line });
    const size = 2 * (key.length + line.length) + 64;
    this.bufferedBytes += size;
    this.pool.bufferedBytes += size;
    this.count += 1;
    if (this.pool.bufferedBytes > this.pool.maxBufferedBytes) await this.pool.relieve();
  }

  get runCount(): number {
    return this.runs.length;
  }

  /** Sorts the current buffer and writes it as one run file. */
  async spill(): Promise<void> {
    const rows = this.buffer;
    const size = this.bufferedBytes;
    this.buffer = [];
    this.bufferedBytes = 0;
    this.pool.bufferedBytes -= size;
    if (rows.length === 0) return;
    rows.sort(compareRows);
    const path = this.pool.nextRunPath(this.name);
    this.runs.push(path);
    this.pool.spills += 1;
    const writer = await LineWriter.create(path, this.pool.files);
    try {
      // JSON-encoded keys never contain a raw tab, so the first tab ends the key.
      for (const row of rows) await writer.write(`${JSON.stringify(row.key)}\t${row.line}`);
    } catch (error) {
      await writer.abort();
      throw error;
    }
    await writer.close();
  }

  /** All rows in key order: the in-memory buffer merged with every spilled run. */
  async *sorted(): AsyncGenerator<SortedRow> {
    await this.pool.settle();
    const memory = this.buffer;
    this.pool.bufferedBytes -= this.bufferedBytes;
    this.buffer = [];
    this.bufferedBytes = 0;
    memory.sort(compareRows);
    if (this.runs.length === 0) {
      yield* memory;
      return;
    }
    const sources: AsyncIterator<SortedRow>[] = [memoryIterator(memory), ...this.runs.map((path) => runIterator(path))];
    const heap = new MinHeap();
    for (let index = 0; index < sources.length; index += 1) {
      const next = await sources[index]!.next();
      if (!next.done) heap.push({ row: next.value, source: index });
    }
    while (heap.size > 0) {
      const top = heap.pop()!;
      yield top.row;
      const next = await sources[top.source]!.next();
      if (!next.done) heap.push({ row: next.value, source: top.source });
    }
  }
}

async function* memoryIterator(rows: SortedRow[]): AsyncGenerator<SortedRow> {
  yield* rows;
}

async function* runIterator(path: string): AsyncGenerator<SortedRow> {
  const lines = createInterface({ input: createReadStream(path, { highWaterMark: 16 * 1024 }), crlfDelay: Infinity });
  for await (const text of lines) {
    const tab = text.indexOf('\t');
    yield { key: JSON.parse(text.slice(0, tab)) as string, line: text.slice(tab + 1) };
  }
}

interface HeapNode {
  row: SortedRow;
  source: number;
}

class MinHeap {
  private readonly nodes: HeapNode[] = [];

  get size(): number {
    return this.nodes.length;
  }

  private less(a: HeapNode, b: HeapNode): boolean {
    const order = compareRows(a.row, b.row);
    return order < 0 || (order === 0 && a.source < b.source);
  }

  push(node: HeapNode): void {
    const nodes = this.nodes;
    nodes.push(node);
    let index = nodes.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.less(nodes[index]!, nodes[parent]!)) break;
      [nodes[index], nodes[parent]] = [nodes[parent]!, nodes[index]!];
      index = parent;
    }
  }

  pop(): HeapNode | undefined {
    const nodes = this.nodes;
    if (nodes.length === 0) return undefined;
    const top = nodes[0]!;
    const last = nodes.pop()!;
    if (nodes.length > 0) {
      nodes[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < nodes.length && this.less(nodes[left]!, nodes[smallest]!)) smallest = left;
        if (right < nodes.length && this.less(nodes[right]!, nodes[smallest]!)) smallest = right;
        if (smallest === index) break;
        [nodes[index], nodes[smallest]] = [nodes[smallest]!, nodes[index]!];
        index = smallest;
      }
    }
    return top;
  }
}
