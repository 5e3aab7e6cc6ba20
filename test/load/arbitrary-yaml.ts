import fc from "fast-check";

type YamlNode =
  | { kind: "scalar"; text: string; anchor: boolean }
  | { kind: "block"; lines: string[]; header: string; anchor: boolean }
  | { kind: "alias"; pick: number }
  | { kind: "seq"; flow: boolean; items: YamlNode[]; anchor: boolean }
  | { kind: "map"; flow: boolean; entries: Array<[string, YamlNode]>; anchor: boolean };

const SCALARS = [
  "x", "word", "two words", "0x1F", "0o17", "017", "1e3", "-1.5", "+12", ".inf", "-.Inf", ".NaN", "0", "-0", "3.0",
  "true", "False", "TRUE", "yes", "no", "null", "Null", "~", "", "'single'", "'it''s'", '"dq"', '"tab\\tnew\\nline"',
  '"\\u00e9\\x41"', '"1"', "'true'", "192.0.2.1/24", "t13d1516h2_8daaf6152771_b0da82dd1658", "a # not a comment?",
  "2001-12-14", "!!str 12", "!!int '7'", "'multi\n  line'", "\"folded\n  quoted\"",
];
const KEYS = ["a", "b", "name", "items", "__proto__", "toString", "constructor", "1", "'1'", '"1"', "0x1F", "1e3", "true", "'null'", '"key with: colon"', "'~'", "-1", ".inf"];

/**
 * YAML documents as text, in the forms a policy may take and a few it may not: block and flow
 * maps and lists, keys plain, quoted and numeric (and names every object inherits), scalars in
 * every core-schema spelling (0x1F, 0o17, 1e3, .inf, .nan, true, False, ~, null), quoted with
 * escapes, plain over several lines, block scalars with each chomping, anchors and aliases. Some
 * texts repeat a key or are otherwise not valid; the tests skip or count those.
 */
export const arbitraryYaml: fc.Arbitrary<string> = fc
  .record({ root: yamlNode(4), plainOnly: fc.boolean() })
  .map(({ root, plainOnly }) => render(root, plainOnly));

function yamlNode(depth: number): fc.Arbitrary<YamlNode> {
  const anchor = fc.nat(5).map((n) => n === 0);
  const scalar = fc.record({ kind: fc.constant("scalar" as const), text: fc.constantFrom(...SCALARS), anchor });
  const multiLine = fc.record({
    kind: fc.constant("scalar" as const),
    text: fc.array(fc.constantFrom("alpha", "beta gamma", "0x1F", "d"), { minLength: 2, maxLength: 3 }).map((words) => words.join("\n")),
    anchor,
  });
  const block = fc.record({
    kind: fc.constant("block" as const),
    header: fc.constantFrom("|", "|-", "|+", ">", ">-", ">+", "|2"),
    lines: fc.array(fc.constantFrom("line", "  indented", "", "with: colon", "# hash"), { minLength: 1, maxLength: 4 }),
    anchor,
  });
  const alias = fc.record({ kind: fc.constant("alias" as const), pick: fc.nat(20) });
  const leaf = fc.oneof({ weight: 6, arbitrary: scalar }, { weight: 1, arbitrary: multiLine }, { weight: 1, arbitrary: block }, { weight: 1, arbitrary: alias });
  if (depth === 0) return leaf;
  const child = yamlNode(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("seq" as const), flow: fc.nat(3).map((n) => n === 0), items: fc.array(child, { maxLength: 4 }), anchor }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant("map" as const), flow: fc.nat(3).map((n) => n === 0), entries: fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), child), { selector: ([key]) => key, maxLength: 4 }), anchor }),
    },
  );
}

/** Renders a node tree as one YAML document; `plainOnly` leaves out anchors and aliases. */
function render(root: YamlNode, plainOnly: boolean): string {
  const anchors: string[] = [];
  const anchorOf = (node: { anchor: boolean }): string => {
    if (plainOnly || !node.anchor) return "";
    const name = `a${anchors.length}`;
    anchors.push(name);
    return `&${name} `;
  };
  // A node after `key:` or `- `, at `indent` (the column its own lines start at).
  const value = (node: YamlNode, indent: number, flow: boolean): string => {
    const pad = " ".repeat(indent);
    switch (node.kind) {
      case "alias":
        return plainOnly || anchors.length === 0 ? "x" : `*${anchors[node.pick % anchors.length]}`;
      case "scalar": {
        // In flow, a multi-line or indicator-laden scalar is quoted; in block, continuation lines are indented.
        if (flow) return anchorOf(node) + (/^[\w.+-]*$/.test(node.text) && node.text !== "" ? node.text : JSON.stringify(node.text));
        return anchorOf(node) + node.text.split("\n").join(`\n${pad}`);
      }
      case "block":
        if (flow) return JSON.stringify(node.lines.join("\n"));
        return `${anchorOf(node)}${node.header}\n${node.lines.map((line) => (line === "" ? "" : `${pad}${line}`)).join("\n")}`;
      case "seq":
        if (flow || node.flow || node.items.length === 0) return `${anchorOf(node)}[${node.items.map((item) => value(item, indent, true)).join(", ")}]`;
        return `${anchorOf(node)}\n${node.items.map((item) => `${pad}- ${value(item, indent + 2, false)}`).join("\n")}`;
      case "map":
        if (flow || node.flow || node.entries.length === 0) return `${anchorOf(node)}{${node.entries.map(([key, item]) => `${key}: ${value(item, indent, true)}`).join(", ")}}`;
        return `${anchorOf(node)}\n${node.entries.map(([key, item]) => `${pad}${key}: ${value(item, indent + 2, false)}`).join("\n")}`;
    }
  };
  return `${value(root, 0, false).replace(/^\n/, "")}\n`;
}
