/**
 * Documents shaped like one seen before, typed straight into their row without the general analysis.
 *
 * Log shippers send thousands of documents with the same keys in the same order and the same JSON types,
 * all of them already mapped. The general path (`analyzeDocument` in mapping.ts, then the row layout in
 * writer.ts) builds path strings, per-field objects and arrays for each of them. Here the first such
 * document still takes the general path; if it needed no new field and holds nothing unusual (no null, no
 * array, no dotted key meeting a nested one, no multi-field with a column of its own, no field that only
 * `_source` keeps), its layout is remembered as a shape: its keys in order and, per leaf, where the value
 * goes in the row. A later document is walked against the shapes key by key and its values coerced with
 * the same `coerceValue` into the row. Any difference (another key, another JSON type, a value the mapping
 * refuses) returns undefined and the caller takes the general path, which also words every error. A
 * property test (test/property/store/document-shapes.test.ts) holds both paths to the same tables.
 */
import type { SQLInputValue } from 'node:sqlite';
import type { Leaf } from './catalog.ts';
import { coerceValue, type ColumnValue } from './mapping.ts';
import type { JsonObject } from './types.ts';

/** A document's row: the bound values (`r` at 0, `ts` at 1, then the index's columns), and its full-text inputs. */
export interface RowFill {
  readonly values: SQLInputValue[];
  readonly timestamp: number | null;
  /** Pairs of (text column, text to index), in field order. */
  readonly texts: Array<number | string>;
}

/** Where a mapped leaf path goes in the row (the writer's insert plan). */
export interface LeafSlot {
  readonly leaf: Leaf;
  readonly position: number;
  /** Multi-fields with a column of their own. */
  readonly subs: readonly Leaf[];
}

interface ShapeLeaf {
  readonly key: string;
  readonly json: 'string' | 'number' | 'boolean';
  /** The mapping's coercion of this leaf's values; null when a string is kept as it is (keyword, text). */
  readonly coerce: ((raw: unknown) => ColumnValue | undefined) | null;
  /** Position in the row, or -1 for `@timestamp`, which only fills `ts`. */
  readonly position: number;
  readonly storesValue: boolean;
  /** The full-text column of a text leaf, else -1. */
  readonly textCol: number;
}

interface ShapeObject {
  readonly key: string;
  readonly children: readonly ShapeNode[];
}

type ShapeNode = ShapeLeaf | ShapeObject;

/**
 * Shapes remembered per insert plan. Optional fields multiply them: nginx access documents alone come in up
 * to 9 (with or without a user, a referrer, a query string), and evicting one that is still in use sends
 * its documents down the general path again.
 */
const MAX_SHAPES = 16;

export class DocumentShapes {
  /** A row of nulls to copy: a packed array copies faster than a new one is filled. */
  readonly #empty: SQLInputValue[];
  readonly #shapes: Array<readonly ShapeNode[]> = [];

  /** `width`: the number of data columns (the row has two more values, `r` and `ts`). */
  constructor(width: number) {
    this.#empty = new Array<SQLInputValue>(width + 2).fill(null);
  }

  /** The row of a document matching a known shape, or undefined: then the general path decides. */
  fill(doc: JsonObject): RowFill | undefined {
    const shapes = this.#shapes;
    let row: MutableRow | undefined;
    for (let i = 0; i < shapes.length; i++) {
      const shape = shapes[i]!;
      if (row === undefined) row = { values: this.#empty.slice(), timestamp: null, texts: [] };
      else {
        // The shape before failed part-way, maybe after writing values: start again from nulls (one row
        // per document, not one per shape tried: that was most of the store's allocation per document).
        const values = row.values;
        for (let k = 0; k < values.length; k++) values[k] = null;
        row.timestamp = null;
        row.texts.length = 0;
      }
      if (!fillObject(doc, shape, row)) continue;
      row.values[1] = row.timestamp;
      // Most recently matched first: a stream's documents come in a few shapes, some far more often.
      if (i > 0) {
        shapes.splice(i, 1);
        shapes.unshift(shape);
      }
      return row;
    }
    return undefined;
  }

  /**
   * Remembers the shape of a document the general path accepted with no new field (`fieldCount`: the typed
   * fields it produced). Documents with anything the shapes do not model are not remembered. A data stream
   * document without @timestamp is refused by the general path, so every shape of a data stream has one.
   */
  learn(doc: JsonObject, fieldCount: number, slotOf: (path: string) => LeafSlot | undefined): void {
    const seen = new Set<string>();
    const shape = shapeOf(doc, '', seen, slotOf);
    if (shape === undefined || seen.size !== fieldCount) return;
    // The least recently matched one makes room (fill keeps them in that order).
    if (this.#shapes.length >= MAX_SHAPES) this.#shapes.pop();
    this.#shapes.unshift(shape);
  }
}

interface MutableRow {
  values: SQLInputValue[];
  timestamp: number | null;
  texts: Array<number | string>;
}

function fillObject(obj: JsonObject, nodes: readonly ShapeNode[], row: MutableRow): boolean {
  let i = 0;
  // for…in visits own keys in Object.keys order (JSON.parse objects inherit nothing enumerable) without an array.
  for (const key in obj) {
    const node = nodes[i++];
    if (node === undefined || node.key !== key) return false;
    const value = obj[key];
    if ('children' in node) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !fillObject(value as JsonObject, node.children, row)) return false;
      continue;
    }
    if (typeof value !== node.json) return false;
    const typed = node.coerce === null ? (value as string) : node.coerce(value);
    if (typed === undefined) return false;
    if (node.position === -1) {
      row.timestamp = typed as number;
      continue;
    }
    row.values[node.position] = node.storesValue ? typed : 1;
    if (node.textCol !== -1) row.texts.push(node.textCol, String(typed));
  }
  return i === nodes.length;
}

function shapeOf(obj: JsonObject, prefix: string, seen: Set<string>, slotOf: (path: string) => LeafSlot | undefined): ShapeNode[] | undefined {
  const nodes: ShapeNode[] = [];
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const children = shapeOf(value as JsonObject, path, seen, slotOf);
      if (children === undefined) return undefined;
      nodes.push({ key, children });
      continue;
    }
    const json = typeof value;
    if ((json !== 'string' && json !== 'number' && json !== 'boolean') || seen.has(path)) return undefined;
    seen.add(path);
    const slot = slotOf(path);
    if (slot === undefined || slot.subs.length > 0) return undefined;
    const { leaf } = slot;
    const isTimestamp = path === '@timestamp' && leaf.kind === 'date';
    const keptAsIs = json === 'string' && (leaf.kind === 'keyword' || leaf.kind === 'text');
    const { kind, format } = leaf;
    nodes.push({
      key, json, coerce: keptAsIs ? null : (raw) => coerceValue(kind, raw, format), position: isTimestamp ? -1 : slot.position,
      storesValue: leaf.storesValue, textCol: leaf.kind === 'text' ? leaf.col : -1,
    });
  }
  return nodes;
}
