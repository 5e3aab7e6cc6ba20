/**
 * Guard levels, set per code for the whole project in `Pulumi.yaml` — Pulumi's own place for
 * settings every stack shares, in this project's config namespace:
 *
 *   config:
 *     bot-policy:guards:
 *       value: { BP603: mandatory, BP605: disabled }
 *
 * (Pulumi requires an object value to sit under `value:`.) The pipeline reads it from the
 * project's files, so `validate`, `compile` and the Pulumi program see the same levels.
 */
import { makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic, Severity } from "../diagnostics/diagnostic.js";
import { suggest } from "../diagnostics/suggest.js";
import { locate, parseYaml, type ValuePath } from "../load/parse-yaml.js";
import type { ProjectFiles } from "../model/project.js";

/** How a guard's findings are reported: as errors, as warnings, or not at all. */
export type GuardLevel = "advisory" | "mandatory" | "disabled";

/** The guards, with their default levels: a lock-out is mandatory, the rest advisory. */
export const GUARD_DEFAULTS = {
  BP601: "advisory",
  BP602: "mandatory",
  BP603: "advisory",
  BP604: "advisory",
  BP605: "advisory",
  BP606: "mandatory",
  BP614: "advisory",
} as const satisfies Record<string, GuardLevel>;

/** A guard's code. */
export type GuardCode = keyof typeof GUARD_DEFAULTS;

/** The guard codes, in order. */
export const GUARD_CODES = Object.keys(GUARD_DEFAULTS) as GuardCode[];

/** True when a code names a guard (which may be suppressed and given a level). */
export function isGuardCode(code: string): code is GuardCode {
  return Object.hasOwn(GUARD_DEFAULTS, code);
}

/** The guard codes as a sentence fragment for diagnostics. */
export function guardCodeList(): string {
  // Runs of consecutive codes as ranges: "BP601–BP606, BP614".
  const runs: number[][] = [];
  for (const number of GUARD_CODES.map((code) => Number(code.slice(2)))) {
    const last = runs.at(-1);
    if (last && last.at(-1)! + 1 === number) last.push(number);
    else runs.push([number]);
  }
  return runs.map((run) => (run.length === 1 ? `BP${run[0]}` : `BP${run[0]}–BP${run.at(-1)}`)).join(", ");
}

/** The severity a level reports with; `disabled` reports nothing. */
export function levelSeverity(level: GuardLevel): Severity | undefined {
  return level === "mandatory" ? "error" : level === "advisory" ? "warning" : undefined;
}

const LEVELS: readonly GuardLevel[] = ["advisory", "mandatory", "disabled"];
const PROJECT_FILE = "Pulumi.yaml";
const KEYS = ["bot-policy:guards", "guards"];

/** The project's guard levels (defaults where unset) and what was wrong with the settings. */
export function readGuardSettings(files: ProjectFiles): { levels: Record<GuardCode, GuardLevel>; diagnostics: Diagnostic[] } {
  const levels: Record<GuardCode, GuardLevel> = { ...GUARD_DEFAULTS };
  const diagnostics: Diagnostic[] = [];
  const text = files.get(PROJECT_FILE);
  if (text === undefined) return { levels, diagnostics };
  // Pulumi.yaml's own syntax is Pulumi's to check; an unreadable file simply sets no levels here.
  const { source } = parseYaml(PROJECT_FILE, text);
  if (!source || !isRecord(source.value) || !isRecord(source.value.config)) return { levels, diagnostics };
  const config = source.value.config;
  const key = KEYS.find((k) => Object.hasOwn(config, k));
  if (key === undefined) return { levels, diagnostics };
  const at = (path: ValuePath, part: "key" | "value" = "value") => locate(source, ["config", key, ...path], part);

  const entry = config[key];
  if (!isRecord(entry) || !Object.hasOwn(entry, "value")) {
    const hint = "write the levels under 'value:', e.g. 'bot-policy:guards: { value: { BP603: mandatory } }': Pulumi reads a map without it as a type declaration.";
    diagnostics.push(withHint(makeDiagnostic("BP611", at([], "key"), "needs its map of levels under 'value:'"), hint));
    return { levels, diagnostics };
  }
  const map = entry.value;
  if (!isRecord(map)) {
    diagnostics.push(makeDiagnostic("BP611", at(["value"]), "must map guard codes to levels"));
    return { levels, diagnostics };
  }
  for (const [code, level] of Object.entries(map)) {
    if (!isGuardCode(code)) {
      const suggestion = suggest(code, GUARD_CODES);
      diagnostics.push(withHint(makeDiagnostic("BP612", at(["value", code], "key"), code, guardCodeList()), suggestion && `did you mean '${suggestion}'?`));
      continue;
    }
    if (typeof level !== "string" || !(LEVELS as readonly string[]).includes(level)) {
      diagnostics.push(makeDiagnostic("BP613", at(["value", code]), code, String(level)));
      continue;
    }
    levels[code] = level as GuardLevel;
  }
  return { levels, diagnostics };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
