import { makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { locate, parseYaml, type YamlSource } from "../load/parse-yaml.js";
import { configNamespace, parseStackConfig } from "./parse-stack-config.js";
import type { ConfigPath, ConfigPosition, LocateConfigKey, ParseStackConfigResult } from "./parse-stack-config.js";

/** The stacks that have a `Pulumi.<stack>.yaml` among some file names, sorted by name. */
export function stackNames(fileNames: Iterable<string>): string[] {
  return [...fileNames]
    .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
    .filter((stack): stack is string => stack !== undefined)
    .sort();
}

/** The file name of a stack: `Pulumi.<stack>.yaml`; a fully qualified stack (`org/project/dev`) is its last part. */
export function stackFileName(stack: string): string {
  return `Pulumi.${stack.split("/").pop() ?? stack}.yaml`;
}

/**
 * Reads a stack from a project's files: its `Pulumi.<stack>.yaml` validated, or BP150 naming the
 * stacks the project has when the file is missing.
 */
export function stackFromFiles(files: ReadonlyMap<string, string>, stack: string): ParseStackConfigResult {
  const file = stackFileName(stack);
  const text = files.get(file);
  if (text !== undefined) return parseStackFile(stack, text);
  const stacks = stackNames(files.keys());
  const available = stacks.length === 0 ? "there is no 'Pulumi.<stack>.yaml' file in this directory" : `available stacks are ${stacks.map((s) => `'${s}'`).join(", ")}`;
  const missing = makeDiagnostic("BP150", { file, line: 1, column: 1 }, file, available);
  return { diagnostics: [withHint(missing, "create it with 'pulumi stack init' and 'pulumi config set', or pass an existing stack")] };
}

/**
 * Validates the text of `Pulumi.<stack>.yaml` (the files map's entry, or the disk's) into a
 * `StackConfig`. It is read by the policy loader's YAML reader, so YAML problems have the same codes
 * and positions as in a policy (a second document has its own message, BP160), and every config
 * diagnostic points at the offending key in the file.
 */
export function parseStackFile(stack: string, text: string): ParseStackConfigResult {
  const name = stack.split("/").pop() ?? stack;
  const file = stackFileName(name);
  const parsed = parseYaml(file, text);
  if (!parsed.source) {
    // An empty stack file is a config without keys: the missing keys say more than "empty file".
    if (parsed.diagnostics.every((d) => d.code === "BP107")) return parseStackConfig(name, {}, file);
    return { diagnostics: parsed.diagnostics.map((d) => (d.code === "BP106" ? secondDocument(d, file) : d)) };
  }
  const source = parsed.source;
  const root = source.value;
  const at = (path: ConfigPath) => ({ file, ...position(source, path) });
  if (root !== null && !isRecord(root)) {
    return { diagnostics: [makeDiagnostic("BP151", at([]), file, "must be a map with a 'config' key")] };
  }
  const config = root?.config;
  if (config !== undefined && config !== null && !isRecord(config)) {
    return { diagnostics: [makeDiagnostic("BP151", at(["config"]), file, "has a 'config' that is not a map")] };
  }
  return parseStackConfig(name, isRecord(config) ? config : {}, file, stackKeyLocator(source));
}

/**
 * Finds config keys in a parsed stack file: the key of a map entry, or the item of a list. An empty
 * path points at `config:` itself. The Pulumi program can use it too, on the stack file's text, to
 * place diagnostics about config it read through `pulumi.Config`.
 */
export function stackKeyLocator(source: YamlSource): LocateConfigKey {
  const config = isRecord(source.value) && isRecord(source.value.config) ? source.value.config : {};
  return ([key, ...rest]) => {
    if (key === undefined) return position(source, ["config"]);
    // `pulumi.Config("bot-policy")` gives bare keys; the file spells them with the namespace.
    const written = typeof key === "string" && !(key in config) && `${configNamespace}:${key}` in config ? `${configNamespace}:${key}` : key;
    return position(source, ["config", written, ...rest]);
  };
}

function position(source: YamlSource, path: ConfigPath): ConfigPosition {
  const { line, column, length } = locate(source, path, "key");
  return length === undefined ? { line, column } : { line, column, length };
}

function secondDocument(diagnostic: Diagnostic, file: string): Diagnostic {
  const { line, column } = diagnostic;
  // The parser's range runs to the end of the file; the marker belongs under the '---'.
  const located = { file, line, column, length: Math.min(3, diagnostic.length ?? 1) };
  return withHint(makeDiagnostic("BP160", located, file), "remove this '---' and what follows it, or move those keys under the first 'config:'");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
