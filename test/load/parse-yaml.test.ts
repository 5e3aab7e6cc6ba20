import { describe, expect, it } from "vitest";
import { MAX_NESTING_DEPTH, parseYaml } from "../../src/load/parse-yaml.js";

/** Code and position of each diagnostic, the parts a user acts on. */
function found(text: string): string[] {
  return parseYaml("a.yaml", text).diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`);
}

describe("parseYaml", () => {
  it("places syntax errors on their own line, even after tokens the parser cannot read", () => {
    // yaml's own line count missed the breaks inside the unreadable tokens and put 'c' at 3:13.
    expect(found("a:\n  }  - b: |-\n      x\n    c: 1\n").at(-3)).toBe("BP101 4:5");
  });

  it("refuses a value that aliases nest too deep or without end (found by the fuzzer: ajv overflowed its stack)", () => {
    expect(found("a: &x\n  b: *x\n")).toEqual(["BP111 2:6"]);
    const levels = Array.from({ length: 200 }, () => "[").join("") + "1" + Array.from({ length: 200 }, () => "]").join("");
    expect(found(`a: &x ${levels}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[*x]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n`)).toEqual(["BP111 2:62"]);
    // Shared but shallow: fine.
    expect(found("a: &x [1]\nb: [*x, *x]\n")).toEqual([]);
  });

  it("never points between the CR and LF of a line break (found by the fuzzer)", () => {
    // yaml reports the unclosed map at the LF of the last CRLF: that is just after the '}', not 3:3.
    expect(found("{\r\n  a: [\r\n}\r\n")).toEqual(["BP101 3:1", "BP101 3:2"]);
  });

  it("refuses a lone CR, which yaml would read into a key, at the CR", () => {
    expect(found("{ version: 1,\r sets: x }\n")).toEqual(["BP115 1:14"]);
    expect(found("a: 1\r\nb: 2\nc: x\r y\r z\n")).toEqual(["BP115 3:5"]);
    expect(found("a: 1\r\nb: 2\r\n")).toEqual([]);
  });

  it("refuses a merge key whose value is not a map at that value, never a crash", () => {
    expect(found("!!merge <<: 1\n")).toEqual(["BP101 1:13"]);
    expect(found("%YAML 1.1\n---\nrules:\n  <<: [1, 2]\n")).toEqual(["BP101 4:7"]);
    expect(parseYaml("a.yaml", "!!merge <<: 1\n").diagnostics[0]!.message).toBe("YAML syntax error: Merge sources must be maps or map aliases.");
    // A merge of a map is YAML 1.1 and stays a plain value.
    expect(parseYaml("a.yaml", "%YAML 1.1\n---\nbase: &b {x: 1}\nc: {<<: *b, z: 2}\n").source?.value).toEqual({ base: { x: 1 }, c: { x: 1, z: 2 } });
  });

  it("tells an undefined alias from an alias bomb", () => {
    expect(found("a: 1\nb: *nope\n")).toEqual(["BP109 2:4"]);
    expect(parseYaml("a.yaml", "b: *nope\n").diagnostics[0]?.message).toBe("Alias '*nope' refers to no anchor: define '&nope' before it is used.");
    // An anchor defined after its alias is undefined where the alias is read.
    expect(found("b: *x\na: &x 1\n")).toEqual(["BP109 1:4"]);
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (const name of "bcdefgh") bomb.push(`${name}: &${name} [${Array(9).fill(`*${String.fromCharCode(name.charCodeAt(0) - 1)}`).join(", ")}]`);
    expect(found(bomb.join("\n")).map((d) => d.split(" ")[0])).toEqual(["BP103"]);
  });

  it.each([
    ["a block complex key", "a: 1\n? [x, y]\n: 1\n", "BP110 2:3", "a list"],
    ["a flow complex key", "a: 1\n[x, y]: 1\n", "BP110 2:1", "a list"],
    ["a map as key", "{x: 1}: 2\n", "BP110 1:1", "a map"],
    ["'~' as key", "a: 1\n~: x\n", "BP110 2:1", "an empty (null) key"],
    ["'null' as key", "a:\n  null: x\n", "BP110 2:3", "an empty (null) key"],
    ["an empty key", "a: 1\n: x\n", "BP110 2:1", "an empty (null) key"],
  ])("locates %s", (_title, text, expected, what) => {
    const { diagnostics, source } = parseYaml("a.yaml", text);
    expect(source).toBeUndefined();
    expect(diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual([expected]);
    expect(diagnostics[0]?.message).toBe(`A map key must be a name, not ${what}.`);
  });

  it("hints that a key 'null' is read as null, and accepts it quoted", () => {
    expect(parseYaml("a.yaml", "null: x\n").diagnostics[0]?.hint).toBe("quote it ('null') if you mean the word");
    expect(parseYaml("a.yaml", "'null': x\n").source?.value).toEqual({ null: "x" });
  });

  it("refuses flow nesting a few thousand deep with one diagnostic, at the first list too deep, never a stack overflow", () => {
    // The map is level 1, so the list that crosses the limit is the (limit - 1)th '[', after 'b: '.
    const column = 4 + MAX_NESTING_DEPTH - 1;
    const { diagnostics } = parseYaml("a.yaml", `a: 1\nb: ${"[".repeat(5000)}\n`);
    expect(diagnostics).toEqual([expect.objectContaining({ code: "BP111", line: 2, column })]);
    expect(diagnostics[0]?.message).toBe(`The YAML nests lists and maps more than ${MAX_NESTING_DEPTH} levels deep; bot-policy refuses to read it.`);
    const closed = parseYaml("a.yaml", `b: ${"[".repeat(3000)}x${"]".repeat(3000)}\n`).diagnostics;
    expect(closed.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual([`BP111 1:${column}`]);
    expect(parseYaml("a.yaml", `b: ${"[".repeat(MAX_NESTING_DEPTH - 1)}${"]".repeat(MAX_NESTING_DEPTH - 1)}\n`).diagnostics).toEqual([]);
  });

  it("refuses block nesting beyond the limit just the same", () => {
    const depth = MAX_NESTING_DEPTH + 10;
    const text = `${"- ".repeat(depth)}x\n`;
    expect(found(text)).toEqual([`BP111 1:${2 * MAX_NESTING_DEPTH + 1}`]);
    expect(parseYaml("a.yaml", `${"- ".repeat(MAX_NESTING_DEPTH - 1)}x\n`).diagnostics).toEqual([]);
  });

  it("drops a byte order mark without shifting columns", () => {
    const withBom = parseYaml("a.yaml", "\uFEFFa: 1\na: 2\n");
    expect(withBom.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(["BP102 2:1"]);
    expect(found("\uFEFF{ a: 1, a: 2 }\n")).toEqual(["BP102 1:9"]);
    const ok = parseYaml("a.yaml", "\uFEFFversion: 1\n");
    expect(ok.source?.text).toBe("version: 1\n");
    expect(ok.source?.value).toEqual({ version: 1 });
  });
});
