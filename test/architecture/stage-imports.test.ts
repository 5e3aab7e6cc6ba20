import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/run-cli.js";

const SRC = join(REPO_ROOT, "src");

/** Folder → the other src folders its modules import (type-only imports count too). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const folder of readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)) {
    const targets = new Set<string>();
    for (const file of readdirSync(join(SRC, folder)).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(join(SRC, folder, file), "utf8");
      for (const match of text.matchAll(/from "\.\.\/([a-z-]+)\//g)) if (match[1] !== folder) targets.add(match[1]!);
    }
    graph.set(folder, targets);
  }
  return graph;
}

/** Every cycle of folders, each as a path that starts and ends at the same folder. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const found: string[][] = [];
  const visit = (path: string[]): void => {
    for (const next of graph.get(path.at(-1)!) ?? []) {
      if (next === path[0]) found.push([...path, next]);
      else if (!path.includes(next) && next > path[0]!) visit([...path, next]);
    }
  };
  for (const folder of [...graph.keys()].sort()) visit([folder]);
  return found;
}

describe("pipeline stage folders", () => {
  it("import each other without cycles", () => {
    expect(cycles(folderGraph()).map((c) => c.join(" → "))).toEqual([]);
  });

  it("the cycle finder finds a planted cycle", () => {
    const graph = new Map([["a", new Set(["b"])], ["b", new Set(["c"])], ["c", new Set(["a"])]]);
    expect(cycles(graph)).toEqual([["a", "b", "c", "a"]]);
  });
});
