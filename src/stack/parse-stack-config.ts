import { catalog, makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { suggest } from "../diagnostics/suggest.js";
import type { Mode, StackConfig, StackZone, ZoneTier } from "../model/stack.js";
import { isManagedListName, LIST_KINDS, listNameProblem, validListName, type ListKind } from "../rules/cloudflare-lists.js";
import type { StackDiagnosticCode } from "./stack-diagnostics.js";

/** The Pulumi config namespace of this project (`bot-policy:<key>`). */
export const configNamespace = "bot-policy";

/** A path into the raw config: the config key as written, then map keys and list indexes. */
export type ConfigPath = ReadonlyArray<string | number>;

/** Where a config key sits in its file; line and column are 1-based. */
export interface ConfigPosition {
  line: number;
  column: number;
  length?: number;
}

/** Finds the position of a config key (or list item) so diagnostics can point at it. */
export type LocateConfigKey = (path: ConfigPath) => ConfigPosition | undefined;

/** A validated stack config, or the reasons it is invalid. */
export interface ParseStackConfigResult {
  config?: StackConfig;
  diagnostics: Diagnostic[];
  /**
   * The well-formed entries of `bot-policy:lists`, even when the config as a whole is invalid:
   * validating without a stack still knows every list the project's stacks declare.
   */
  lists?: Record<string, ListKind>;
}

const knownKeys = ["accountId", "mode", "zones", "adopt", "lists", "riskIntelligenceApiKey"] as const;
const zoneKeys = ["zoneId", "plan", "routes"] as const;
const tiers: readonly ZoneTier[] = ["free", "pro", "business", "enterprise"];
const modes: readonly Mode[] = ["enforce", "observe"];

const hex32 = /^[0-9a-f]{32}$/;
const zoneKeyPattern = /^[a-z0-9][a-z0-9-]*$/;
const label = "[a-z0-9](?:[a-z0-9-]*[a-z0-9])?";
/** A Workers route: optional leading `*` on the host, at least two labels, a path, optional trailing `*`. */
const routePattern = new RegExp(`^(?:\\*\\.?)?${label}(?:\\.${label})+/[^\\s*]*\\*?$`);

/**
 * Validates the `bot-policy:*` keys of a stack's config into a `StackConfig`. Keys may be written
 * with the namespace (`bot-policy:zones`, as in `Pulumi.<stack>.yaml`) or without it (as
 * `pulumi.Config("bot-policy")` returns them); keys of other namespaces are ignored. Secure values
 * (`{ secure: … }`) are never read nor printed.
 */
export function parseStackConfig(
  name: string,
  config: Record<string, unknown>,
  file: string = `Pulumi.${name}.yaml`,
  locate?: LocateConfigKey,
): ParseStackConfigResult {
  const diagnostics: Diagnostic[] = [];
  /** Reports a catalog diagnostic at the config key (or list item) `path`, with an optional hint. */
  const report = <C extends StackDiagnosticCode>(code: C, path: ConfigPath, args: Parameters<(typeof catalog)[C]["message"]>, hint?: string): void => {
    const position = locate?.(path) ?? { line: 1, column: 1 };
    const at = { file, line: position.line, column: position.column, ...(position.length !== undefined ? { length: position.length } : {}) };
    diagnostics.push(withHint(makeDiagnostic(code, at, ...args), hint));
  };
  const stack = `Stack '${name}'`;

  const values = new Map<string, { key: string; value: unknown }>();
  for (const [key, value] of Object.entries(config)) {
    const colon = key.indexOf(":");
    if (colon >= 0 && key.slice(0, colon) !== configNamespace) continue;
    const bare = colon >= 0 ? key.slice(colon + 1) : key;
    if (!(knownKeys as readonly string[]).includes(bare)) {
      const suggestion = suggest(bare, knownKeys);
      // Guard levels hold for every stack, so they live in Pulumi.yaml, not in one stack's file.
      const hint =
        bare === "guards"
          ? "guard levels are the same for every stack: set them in Pulumi.yaml under 'config: bot-policy:guards: value: { BPnnn: advisory|mandatory|disabled }'"
          : suggestion === undefined
            ? undefined
            : `did you mean '${colon >= 0 ? `${configNamespace}:` : ""}${suggestion}'?`;
      report("BP153", [key], [stack, "config key", key], hint);
      continue;
    }
    values.set(bare, { key, value });
  }

  /** Rejects secure values where a plain one is needed; the value itself is never shown. */
  const plain = (path: ConfigPath, what: string, value: unknown): boolean => {
    if (!isSecure(value)) return true;
    report(
      "BP161",
      path,
      [name, what],
      "set it with 'pulumi config set' without '--secret'",
    );
    return false;
  };

  const account = values.get("accountId");
  let accountId: string | undefined;
  if (account === undefined) {
    report("BP152", [], [stack, "config key", `${configNamespace}:accountId`]);
  } else if (plain([account.key], "config key 'accountId'", account.value)) {
    if (typeof account.value === "string" && hex32.test(account.value)) accountId = account.value;
    else if (typeof account.value === "number") report("BP163", [account.key], [stack, "accountId"], quoteHint("accountId"));
    else report("BP154", [account.key], [name, shown(account.value)]);
  }

  const modeEntry = values.get("mode");
  let mode: Mode | undefined;
  if (modeEntry !== undefined && plain([modeEntry.key], "config key 'mode'", modeEntry.value)) {
    if (typeof modeEntry.value === "string" && (modes as readonly string[]).includes(modeEntry.value))
      mode = modeEntry.value as Mode;
    else
      report("BP155", [modeEntry.key], [name, shown(modeEntry.value)]);
  }

  const zonesEntry = values.get("zones");
  const zones: StackZone[] = [];
  let zonesValid = false;
  if (zonesEntry === undefined) {
    report("BP152", [], [stack, "config key", `${configNamespace}:zones`]);
  } else if (plain([zonesEntry.key], "config key 'zones'", zonesEntry.value)) {
    if (!isPlainMap(zonesEntry.value)) {
      report("BP156", [zonesEntry.key], [stack, `has invalid zones ${shown(zonesEntry.value)}`, "a map of zone keys to zone settings"]);
    } else if (Object.keys(zonesEntry.value).length === 0) {
      report("BP156", [zonesEntry.key], [stack, "has no zones", "at least one zone key with its settings"]);
    } else {
      zonesValid = true;
      const owners = new Map<string, string>();
      for (const [key, raw] of Object.entries(zonesEntry.value)) {
        const zone = parseZone(key, raw, [zonesEntry.key, key]);
        if (zone === undefined) {
          zonesValid = false;
          continue;
        }
        const owner = owners.get(zone.zoneId);
        if (owner !== undefined) {
          zonesValid = false;
          report(
            "BP162",
            [zonesEntry.key, key, "zoneId"],
            [name, owner, key, zone.zoneId],
            "Cloudflare allows one entry-point ruleset per phase and zone",
          );
          continue;
        }
        owners.set(zone.zoneId, key);
        zones.push(zone);
      }
    }
  }

  function parseZone(key: string, raw: unknown, path: ConfigPath): StackZone | undefined {
    const where = `${stack} zone '${key}'`;
    let valid = true;
    if (!zoneKeyPattern.test(key)) {
      report("BP156", path, [stack, `has an invalid zone key '${key}'`, "lowercase letters, digits and '-', starting with a letter or digit"]);
      valid = false;
    }
    if (!plain(path, `zone '${key}'`, raw)) return undefined;
    if (!isPlainMap(raw)) {
      report("BP156", path, [where, `is invalid ${shown(raw)}`, "a map with 'zoneId', 'plan' and 'routes'"]);
      return undefined;
    }
    for (const field of Object.keys(raw)) {
      if ((zoneKeys as readonly string[]).includes(field)) continue;
      const suggestion = suggest(field, zoneKeys);
      report(
        "BP153",
        [...path, field],
        [where, "key", field],
        suggestion === undefined ? undefined : `did you mean '${suggestion}'?`,
      );
      valid = false;
    }

    let zoneId: string | undefined;
    if (!("zoneId" in raw)) {
      report("BP152", path, [where, "key", "zoneId"]);
    } else if (plain([...path, "zoneId"], `zone '${key}' key 'zoneId'`, raw.zoneId)) {
      if (typeof raw.zoneId === "string" && hex32.test(raw.zoneId)) zoneId = raw.zoneId;
      else if (typeof raw.zoneId === "number") report("BP163", [...path, "zoneId"], [where, "zoneId"], quoteHint("zoneId"));
      else report("BP157", [...path, "zoneId"], [where, shown(raw.zoneId)]);
    }

    let plan: ZoneTier | undefined;
    if (!("plan" in raw)) {
      report("BP152", path, [where, "key", "plan"]);
    } else if (plain([...path, "plan"], `zone '${key}' key 'plan'`, raw.plan)) {
      if (typeof raw.plan === "string" && (tiers as readonly string[]).includes(raw.plan)) plan = raw.plan as ZoneTier;
      else
        report("BP158", [...path, "plan"], [where, shown(raw.plan)]);
    }

    const routes: string[] = [];
    if ("routes" in raw && raw.routes !== null && plain([...path, "routes"], `zone '${key}' key 'routes'`, raw.routes)) {
      if (!Array.isArray(raw.routes)) {
        report("BP159", [...path, "routes"], [where, `has invalid routes ${shown(raw.routes)}: expected a list of patterns like 'shop.example.com/*'`]);
        valid = false;
      } else {
        raw.routes.forEach((route: unknown, index: number) => {
          if (typeof route !== "string" || !routePattern.test(route)) {
            report(
              "BP159",
              [...path, "routes", index],
              [where, `has an invalid route ${shown(route)}: expected a pattern like 'shop.example.com/*'`],
              typeof route === "string" && route.includes("://") ? "a route has no scheme: drop 'https://'" : undefined,
            );
            valid = false;
          } else if (routes.includes(route)) {
            report("BP159", [...path, "routes", index], [where, `lists the route '${route}' twice`]);
            valid = false;
          } else {
            routes.push(route);
          }
        });
      }
    }

    if (!valid || zoneId === undefined || plan === undefined) return undefined;
    return { key, zoneId, plan, routes };
  }

  const adoptEntry = values.get("adopt");
  const adopt: Record<string, string> = {};
  if (adoptEntry !== undefined && adoptEntry.value !== null && plain([adoptEntry.key], "config key 'adopt'", adoptEntry.value)) {
    if (!isPlainMap(adoptEntry.value)) {
      report("BP171", [adoptEntry.key], [stack, `has an invalid adopt ${shown(adoptEntry.value)}: expected a map of zone keys to ruleset ids`]);
    } else {
      const zoneNames = zones.map((zone) => zone.key);
      for (const [key, id] of Object.entries(adoptEntry.value)) {
        const path = [adoptEntry.key, key];
        // Unknown keys are told only when the zones themselves are valid (else the zone may be the mistake).
        if (zonesValid && !zoneNames.includes(key)) {
          const suggestion = suggest(key, zoneNames);
          report("BP171", path, [stack, `adopts a ruleset for '${key}', which is not one of its zones (${zoneNames.map((z) => `'${z}'`).join(", ")})`], suggestion === undefined ? undefined : `did you mean '${suggestion}'?`);
        } else if (typeof id === "number") {
          report("BP163", path, [`${stack} adopt`, "ruleset id"], quoteHint(key));
        } else if (typeof id !== "string" || !hex32.test(id)) {
          report(
            "BP171",
            path,
            [stack, `adopts an invalid ruleset id ${shown(id)} for zone '${key}': expected the 32 lowercase hex characters of the entry point's 'id'`],
            "'bot-policy import' prints the setting to add, with the id the API returned",
          );
        } else {
          adopt[key] = id;
        }
      }
    }
  }

  const listsEntry = values.get("lists");
  const lists: Record<string, ListKind> = {};
  if (listsEntry !== undefined && listsEntry.value !== null && plain([listsEntry.key], "config key 'lists'", listsEntry.value)) {
    if (!isPlainMap(listsEntry.value)) {
      report("BP172", [listsEntry.key], [stack, shown(listsEntry.value)], "write bot-policy:lists: { office_ips: ip, partner_asns: asn }");
    } else {
      for (const [list, kind] of Object.entries(listsEntry.value)) {
        const path = [listsEntry.key, list];
        const problem = listNameProblem(list);
        if (problem !== undefined) {
          const fixed = validListName(list);
          const hint = isManagedListName(list)
            ? "Cloudflare's managed lists ($cf.open_proxies, $cf.vpn, …) need no declaration: use them in an expression as they are"
            : fixed === undefined
              ? undefined
              : `name the list '${fixed}' in Cloudflare and here`;
          report("BP173", path, [stack, list, problem], hint);
        } else if (typeof kind !== "string" || !(LIST_KINDS as readonly string[]).includes(kind)) {
          const suggestion = typeof kind === "string" ? suggest(kind, LIST_KINDS) : undefined;
          report("BP174", path, [stack, list, shown(kind)], suggestion === undefined ? undefined : `did you mean '${suggestion}'?`);
        } else {
          lists[list] = kind as ListKind;
        }
      }
    }
  }

  if (diagnostics.length > 0 || accountId === undefined || !zonesValid) return { diagnostics, ...(listsEntry !== undefined ? { lists } : {}) };
  return {
    config: {
      name,
      accountId,
      ...(mode !== undefined ? { mode } : {}),
      zones,
      ...(Object.keys(adopt).length > 0 ? { adopt } : {}),
      ...(Object.keys(lists).length > 0 ? { lists } : {}),
    },
    diagnostics,
    ...(listsEntry !== undefined ? { lists } : {}),
  };
}

/** True for Pulumi's encrypted config value, `{ secure: "v1:…" }`. */
export function isSecure(value: unknown): boolean {
  return isPlainMap(value) && Object.keys(value).length === 1 && "secure" in value;
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value for a message: scalars in single quotes, collections by kind (their content can be long). */
function shown(value: unknown): string {
  if (value === null || value === undefined) return "(empty)";
  if (Array.isArray(value)) return "(a list)";
  if (typeof value === "object") return "(a map)";
  const text = String(value);
  return `'${text.length > 80 ? `${text.slice(0, 77)}...` : text}'`;
}

/** Why an id must be quoted: YAML (and Pulumi after it) turns an all-digit id into a number, losing digits. */
function quoteHint(key: string): string {
  return `write ${key}: "…" with the id's 32 characters in quotes; unquoted, YAML and Pulumi read an id of digits as a number and drop leading zeros or digits`;
}
