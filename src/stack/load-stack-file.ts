import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Document, Node } from "yaml";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { parseStackConfig } from "./parse-stack-config.js";
import type { ConfigPath, ConfigPosition, ParseStackConfigResult } from "./parse-stack-config.js";

/**
 * How many alias dereferences a stack file may make. Real stack files use none; the limit turns
 * a "billion laughs" file into a diagnostic instead of an out-of-memory crash.
 */
export const maxAliasCount = 50;

const stackFilePattern = /^Pulumi\.(.+)\.yaml$/;

/** The stacks that have a `Pulumi.<stack>.yaml` file in `dir`, sorted by name. */
export function listStacks(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .map((entry) => stackFilePattern.exec(entry)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/**
 * Reads and validates `Pulumi.<stack>.yaml` in `dir`. Diagnostics name the file relative to `dir`
 * and point at the offending key. A fully qualified stack (`org/project/dev`) reads `Pulumi.dev.yaml`,
 * as the Pulumi CLI does.
 */
export function loadStackFile(dir: string, stack: string): ParseStackConfigResult {
  const name = stack.split("/").pop() ?? stack;
  const file = `Pulumi.${name}.yaml`;
  const path = join(dir, file);
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || !existsSync(path)) {
    const stacks = listStacks(dir);
    const available =
      stacks.length === 0
        ? "there is no 'Pulumi.<stack>.yaml' file in this directory"
        : `available stacks are ${stacks.map((candidate) => `'${candidate}'`).join(", ")}`;
    return {
      diagnostics: [
        fileError("BP150", file, `Stack file '${file}' does not exist: ${available}.`, {
          hint: "create it with 'pulumi stack init' and 'pulumi config set', or pass an existing stack",
        }),
      ],
    };
  }

  const text = readFileSync(path, "utf8");
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): ConfigPosition => {
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  };

  if (document.errors.length > 0) {
    return {
      diagnostics: document.errors.map((error) =>
        fileError("BP151", file, `Stack file '${file}' is not valid YAML: ${error.message.replace(/\.$/, "")}.`, {
          ...at(error.pos[0]),
          length: Math.max(1, error.pos[1] - error.pos[0]),
        }),
      ),
    };
  }

  let root: unknown;
  try {
    root = document.toJS({ maxAliasCount });
  } catch (error) {
    const reason = error instanceof ReferenceError ? `it uses more than ${maxAliasCount} aliases` : String(error);
    return { diagnostics: [fileError("BP151", file, `Stack file '${file}' cannot be read: ${reason}.`)] };
  }

  if (root !== null && root !== undefined && !isRecord(root)) {
    return { diagnostics: [fileError("BP151", file, `Stack file '${file}' must be a map with a 'config' key.`)] };
  }
  const config = isRecord(root) ? root.config : undefined;
  if (config !== undefined && config !== null && !isRecord(config)) {
    const position = locateKey(document, ["config"], at);
    return {
      diagnostics: [fileError("BP151", file, `Stack file '${file}' has a 'config' that is not a map.`, position)],
    };
  }

  return parseStackConfig(name, isRecord(config) ? config : {}, file, (configPath) =>
    locateKey(document, ["config", ...configPath], at),
  );
}

/**
 * The position of the deepest node found along `path`: the key of a map pair, or the item of a
 * list. An empty config path therefore points at `config:` itself.
 */
function locateKey(
  document: Document,
  path: ConfigPath,
  at: (offset: number) => ConfigPosition,
): ConfigPosition | undefined {
  let node: unknown = document.contents;
  let found: ConfigPosition | undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) break;
      const key = pair.key as Node;
      if (key.range) found = { ...at(key.range[0]), length: Math.max(1, key.range[1] - key.range[0]) };
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined) break;
      const itemNode = item as Node;
      if (itemNode.range) found = { ...at(itemNode.range[0]), length: Math.max(1, itemNode.range[1] - itemNode.range[0]) };
      node = item;
    } else {
      break;
    }
  }
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fileError(
  code: "BP150" | "BP151",
  file: string,
  message: string,
  extra: Partial<ConfigPosition> & { hint?: string } = {},
): Diagnostic {
  return {
    code,
    severity: "error",
    message,
    file,
    line: extra.line ?? 1,
    column: extra.column ?? 1,
    ...(extra.length !== undefined ? { length: extra.length } : {}),
    ...(extra.hint !== undefined ? { hint: extra.hint } : {}),
  };
}
