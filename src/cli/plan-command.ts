import { buildWorkerBundle } from "../bundle/build-worker-bundle.js";
import type { ZonePlan } from "../model/zone-plan.js";
import { printExpression } from "../rules/print-expression.js";
import { EXIT, type Io } from "./io.js";
import { compileForCommand, type ProjectFlags } from "./project-context.js";

/** One line of a zone's plan: an emitted rule or a worker rule. */
export interface PlanRow {
  ref: string;
  stage: "edge" | "worker" | "transform";
  action: string;
  /** Expression length in characters (edge and transform rules). */
  size?: number;
  enabled: boolean;
  /** The expression as Cloudflare (or the Worker) evaluates it. */
  expression: string;
}

/** The rows of a zone's plan in evaluation order: custom rules, the Worker's rules, transforms. */
export function planRows(plan: ZonePlan): PlanRow[] {
  const rows: PlanRow[] = plan.firewallCustom.rules.map((r) => ({ ref: r.ref, stage: "edge", action: r.action, size: r.expression.length, enabled: r.enabled, expression: r.expression }));
  for (const rule of plan.worker?.rules ?? []) {
    if (rule.stage !== "worker") continue;
    const action = rule.mode === "observe" ? "log" : rule.action;
    rows.push({ ref: rule.ref, stage: "worker", action, enabled: true, expression: printExpression(rule.condition) });
  }
  for (const rule of plan.lateTransform?.rules ?? []) {
    const headers = Object.entries(rule.action_parameters?.headers ?? {}).map(([name, h]) => `${name} = ${h.expression ?? JSON.stringify(h.value)}`);
    rows.push({ ref: rule.ref, stage: "transform", action: rule.action, size: rule.expression.length, enabled: rule.enabled, expression: `${rule.expression} → ${headers.join("; ")}` });
  }
  return rows;
}

const EXPRESSION_WIDTH = 110;

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** The size in bytes of each zone's bundled Worker (UTF-8), for zones that have one. */
export function workerBundleSizes(plans: readonly ZonePlan[]): Map<string, number> {
  return new Map(plans.flatMap((plan) => (plan.worker ? [[plan.zone, Buffer.byteLength(buildWorkerBundle(plan.worker))] as const] : [])));
}

function formatKilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** Formats plans as text tables, one per zone, each rule with its expression beneath. */
export function formatPlans(plans: readonly ZonePlan[], stack: string | undefined, bundleSizes: ReadonlyMap<string, number> = workerBundleSizes(plans)): string {
  return plans
    .map((plan) => {
      const bundle = bundleSizes.get(plan.zone);
      const modes = [...new Set(plan.policies.map((p) => p.mode))].join("/") || "enforce";
      const header = `Zone ${plan.zone}${plan.zoneId ? ` (${plan.zoneId})` : ""} · plan ${plan.tier} · ${stack ? `stack ${stack}` : "no stack"} · ${modes}`;
      const quota = `  custom rules ${plan.quota.customRules.used}/${plan.quota.customRules.limit} · transform rules ${plan.quota.transformRules.used}/${plan.quota.transformRules.limit} · worker ${plan.worker ? `yes, ${bundle === undefined ? "" : `${formatKilobytes(bundle)} bundle, `}${plan.routes.join(", ") || "no routes"}` : "no"}`;
      const rows = planRows(plan);
      const width = Math.max(3, ...rows.map((r) => r.ref.length));
      const table = rows.map(
        (r, i) =>
          `  ${String(i + 1).padStart(3)}  ${r.ref.padEnd(width)}  ${r.stage.padEnd(9)}  ${r.action.padEnd(17)}  ${r.size === undefined ? "-" : String(r.size).padStart(4)}${r.enabled ? "" : "  (disabled)"}\n` +
          `       ${truncate(r.expression, EXPRESSION_WIDTH)}`,
      );
      const head = `  ${"#".padStart(3)}  ${"ref".padEnd(width)}  ${"stage".padEnd(9)}  ${"action".padEnd(17)}  size`;
      return [header, quota, head, ...table].join("\n");
    })
    .join("\n\n")
    .concat(plans.length > 0 ? "\n" : "");
}

/** `bot-policy plan`: what each zone gets (rules, stage, action, size, quota), without Cloudflare. */
export function planCommand(flags: ProjectFlags & { format: "pretty" | "json" }, io: Io): number {
  const compiled = compileForCommand(flags, io);
  if (!compiled) return EXIT.findings;
  const { project, result } = compiled;
  if (flags.format === "json") {
    const sizes = workerBundleSizes(result.plans);
    const zones = result.plans.map((p) => ({ zone: p.zone, zoneId: p.zoneId, tier: p.tier, quota: p.quota, worker: p.worker !== undefined, workerBundleBytes: sizes.get(p.zone) ?? null, rules: planRows(p) }));
    io.stdout(`${JSON.stringify({ stack: project.stack?.name ?? null, zones }, null, 2)}\n`);
  } else {
    io.stdout(formatPlans(result.plans, project.stack?.name));
  }
  return EXIT.ok;
}
