import { Scalar, YAMLMap, YAMLSeq, type Document } from "yaml";

/** What plainValue returns for a document it leaves to `toJS`. */
export const NOT_PLAIN: unique symbol = Symbol("not plain");

const MERGE_TAG = "tag:yaml.org,2002:merge";

/**
 * `doc.toJS()` of a document that is a plain tree: maps, lists and scalars, keys that are scalars
 * other than null, collections nested at most `maxDepth` deep. NOT_PLAIN for any other document.
 *
 * Most policies are such trees, and for them the three walks parseYaml otherwise makes (checking
 * keys and aliases, `toJS`, measuring depth through aliases) reduce to one that copies: there is no
 * alias to expand, no key to refuse, and the value nests exactly as the nodes do. Maps and lists
 * must be of yaml's own classes (`!!set`, `!!omap`, `!!pairs` make others, which convert to other
 * things), and a schema with merge keys (YAML 1.1) may give a `<<` key a meaning of its own.
 */
export function plainValue(doc: Document.Parsed, maxDepth: number): unknown {
  if (doc.schema.tags.some((tag) => tag.tag === MERGE_TAG && tag.default)) return NOT_PLAIN;
  return plainNode(doc.contents, 0, maxDepth);
}

function plainNode(node: unknown, level: number, maxDepth: number): unknown {
  if (node === null || typeof node !== "object") return NOT_PLAIN;
  const kind = Object.getPrototypeOf(node);
  // toJS keeps a scalar's value as it is (its `keep` is on unless JSON is asked for).
  if (kind === Scalar.prototype) return (node as Scalar).value;
  if (level === maxDepth) return NOT_PLAIN;
  if (kind === YAMLSeq.prototype) {
    const items = (node as YAMLSeq).items;
    const list: unknown[] = [];
    for (const item of items) {
      const value = plainNode(item, level + 1, maxDepth);
      if (value === NOT_PLAIN) return NOT_PLAIN;
      list.push(value);
    }
    return list;
  }
  if (kind !== YAMLMap.prototype) return NOT_PLAIN;
  const map: Record<string, unknown> = {};
  for (const pair of (node as YAMLMap).items) {
    const key: unknown = pair.key;
    if (key === null || typeof key !== "object" || Object.getPrototypeOf(key) !== Scalar.prototype) return NOT_PLAIN;
    const name = (key as Scalar).value;
    // A null key is refused (parseYaml's long way says why); a symbol or an object comes from a tag.
    if (typeof name !== "string" && typeof name !== "number" && typeof name !== "boolean") return NOT_PLAIN;
    // A pair without a value (`? a`) holds null, which toJS keeps.
    const value = pair.value === null ? null : plainNode(pair.value, level + 1, maxDepth);
    if (value === NOT_PLAIN) return NOT_PLAIN;
    // toJS's own key conversion, and its way with names every object inherits ('__proto__').
    const stringKey = String(name);
    if (stringKey in map) Object.defineProperty(map, stringKey, { value, writable: true, enumerable: true, configurable: true });
    else map[stringKey] = value;
  }
  return map;
}
