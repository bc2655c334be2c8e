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
 * Shapes remembered per insert plan, at most this many. Optional fields multiply them: nginx access
 * documents alone come in up to 9 (with or without a user, a referrer, a query string). Past the limit the
 * remembered shapes are forgotten and learned again from the documents that follow.
 */
const MAX_SHAPES = 64;

/**
 * The learned shapes as one trie over a document's walk: each key met, in order, is an edge — a leaf of
 * one JSON type, or an object entered — and leaving a nested object is an edge too. Shapes sharing their
 * first keys share those edges, so a document is walked once whichever shape it has: walking it against
 * each shape in turn tried 2.6 shapes per nginx document, each failure after a partial walk.
 */
interface TrieNode {
  readonly leaves: Array<{ readonly leaf: ShapeLeaf; readonly next: TrieNode }>;
  readonly objects: Array<{ readonly key: string; readonly next: TrieNode }>;
  /** Where the walk goes once the nested object it is in has no more keys. */
  exit: TrieNode | undefined;
  /** A top-level walk that ends here is a learned shape. */
  complete: boolean;
}

function trieNode(): TrieNode {
  return { leaves: [], objects: [], exit: undefined, complete: false };
}

export class DocumentShapes {
  /** A row of nulls to copy: a packed array copies faster than a new one is filled. */
  readonly #empty: SQLInputValue[];
  #root = trieNode();
  #shapes = 0;

  /** `width`: the number of data columns (the row has two more values, `r` and `ts`). */
  constructor(width: number) {
    this.#empty = new Array<SQLInputValue>(width + 2).fill(null);
  }

  /** The row of a document matching a known shape, or undefined: then the general path decides. */
  fill(doc: JsonObject): RowFill | undefined {
    if (this.#shapes === 0) return undefined;
    const row: MutableRow = { values: this.#empty.slice(), timestamp: null, texts: [] };
    const end = walk(doc, this.#root, row);
    if (end === undefined || !end.complete) return undefined;
    row.values[1] = row.timestamp;
    return row;
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
    if (this.#shapes >= MAX_SHAPES) {
      this.#root = trieNode();
      this.#shapes = 0;
    }
    const end = addShape(shape, this.#root);
    if (end === undefined || end.complete) return;
    end.complete = true;
    this.#shapes++;
  }
}

interface MutableRow {
  values: SQLInputValue[];
  timestamp: number | null;
  texts: Array<number | string>;
}

/** Walks an object's keys along the trie, typing each leaf into the row; undefined when no shape has the next key. */
function walk(obj: JsonObject, start: TrieNode, row: MutableRow): TrieNode | undefined {
  let node = start;
  // for…in visits own keys in Object.keys order (JSON.parse objects inherit nothing enumerable) without an array.
  for (const key in obj) {
    const value = obj[key];
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      let next: TrieNode | undefined;
      for (const edge of node.objects) {
        if (edge.key === key) {
          next = edge.next;
          break;
        }
      }
      if (next === undefined) return undefined;
      const inner = walk(value as JsonObject, next, row);
      if (inner === undefined || inner.exit === undefined) return undefined;
      node = inner.exit;
      continue;
    }
    const json = typeof value;
    let leaf: ShapeLeaf | undefined;
    for (const edge of node.leaves) {
      if (edge.leaf.key === key && edge.leaf.json === json) {
        leaf = edge.leaf;
        node = edge.next;
        break;
      }
    }
    if (leaf === undefined) return undefined;
    const typed = leaf.coerce === null ? (value as string) : leaf.coerce(value);
    if (typed === undefined) return undefined;
    if (leaf.position === -1) {
      row.timestamp = typed as number;
      continue;
    }
    row.values[leaf.position] = leaf.storesValue ? typed : 1;
    if (leaf.textCol !== -1) row.texts.push(leaf.textCol, String(typed));
  }
  return node;
}

/** Adds a shape's edges to the trie; the node its walk ends at, or undefined if it disagrees with a learned edge. */
function addShape(nodes: readonly ShapeNode[], start: TrieNode): TrieNode | undefined {
  let node = start;
  for (const shapeNode of nodes) {
    if ('children' in shapeNode) {
      let edge = node.objects.find((e) => e.key === shapeNode.key);
      if (edge === undefined) {
        edge = { key: shapeNode.key, next: trieNode() };
        node.objects.push(edge);
      }
      const end = addShape(shapeNode.children, edge.next);
      if (end === undefined) return undefined;
      end.exit ??= trieNode();
      node = end.exit;
      continue;
    }
    let edge = node.leaves.find((e) => e.leaf.key === shapeNode.key && e.leaf.json === shapeNode.json);
    if (edge === undefined) {
      edge = { leaf: shapeNode, next: trieNode() };
      node.leaves.push(edge);
    } else if (!sameSlot(edge.leaf, shapeNode)) {
      // One insert plan maps a path to one slot, so this cannot happen; if it did, the shape is not learned.
      return undefined;
    }
    node = edge.next;
  }
  return node;
}

function sameSlot(a: ShapeLeaf, b: ShapeLeaf): boolean {
  return a.position === b.position && a.storesValue === b.storesValue && a.textCol === b.textCol && (a.coerce === null) === (b.coerce === null);
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
