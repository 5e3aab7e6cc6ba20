import { checkPolicySchema } from "../check/check-schema.js";
import { loadPolicies } from "../load/load-policies.js";
import type { ProjectFiles } from "../model/project.js";
import type { RawPolicy, RawSetItem } from "../model/raw-policy.js";
import type { SetChange } from "./review-report.js";

/** Items expiring within this many days are called out (as the expiring-items guard does). */
const EXPIRY_WINDOW_DAYS = 14;

/** The policies of a revision as written (sets live only there: lowering inlines their items). */
export function readRawPolicies(files: ProjectFiles): RawPolicy[] {
  return checkPolicySchema(loadPolicies(files).sources).policies.map((p) => p.raw);
}

/**
 * The set items a change adds and removes in one zone, per `<policy>/<set>`, and the head's items
 * that expire within the window after `now` (they stop matching on their own, without a change).
 */
export function diffSets(zone: string, base: readonly RawPolicy[], head: readonly RawPolicy[], now: Date): SetChange[] {
  const before = setItems(zone, base);
  const after = setItems(zone, head);
  const horizon = now.getTime() + EXPIRY_WINDOW_DAYS * 24 * 3600 * 1000;
  const changes: SetChange[] = [];
  for (const set of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const was = before.get(set) ?? new Map<string, RawSetItem>();
    const is = after.get(set) ?? new Map<string, RawSetItem>();
    const expiring = [...is.entries()]
      .map(([value, item]) => ({ value, expires: typeof item === "object" ? item.expires : undefined }))
      .filter((i): i is { value: string; expires: string } => i.expires !== undefined && Date.parse(i.expires) >= now.getTime() && Date.parse(i.expires) <= horizon);
    const change: SetChange = {
      set,
      added: [...is.keys()].filter((v) => !was.has(v)),
      removed: [...was.keys()].filter((v) => !is.has(v)),
      expiring,
    };
    if (change.added.length + change.removed.length + change.expiring.length > 0) changes.push(change);
  }
  return changes;
}

/** Each set of the zone's policies: its items by value. */
function setItems(zone: string, policies: readonly RawPolicy[]): Map<string, Map<string, RawSetItem>> {
  const sets = new Map<string, Map<string, RawSetItem>>();
  for (const policy of policies) {
    if (!policy.zones.includes(zone)) continue;
    for (const [name, set] of Object.entries(policy.sets ?? {})) {
      sets.set(`${policy.policy}/${name}`, new Map(set.items.map((item) => [String(typeof item === "object" ? item.value : item), item])));
    }
  }
  return sets;
}
