import type { RuleOrigin } from "./project.js";
import type { Mode, ZoneTier } from "./stack.js";
import type { Action, PolicyIR, RiskIntelligenceIR, RuleIR } from "./policy-ir.js";

/** A Cloudflare ruleset phase that bot-policy writes. */
export type Phase = "http_request_firewall_custom" | "http_request_late_transform";

/** `action_parameters` of a ruleset rule, exactly as Cloudflare's API takes it. */
export interface ActionParameters {
  response?: { status_code: number; content_type: string; content: string };
  ruleset?: "current";
  phases?: string[];
  products?: string[];
  headers?: Record<string, { operation: "set" | "remove"; expression?: string; value?: string }>;
}

/** One rule of a ruleset body, exactly as Cloudflare's API takes it. */
export interface RulesetRule {
  ref: string;
  description: string;
  expression: string;
  action: Action | "rewrite";
  action_parameters?: ActionParameters;
  enabled: boolean;
  logging?: { enabled: boolean };
}

/** A zone entry-point ruleset body, exactly as Cloudflare's API takes it. */
export interface RulesetBody {
  name: string;
  kind: "zone";
  phase: Phase;
  description: string;
  rules: RulesetRule[];
}

/** The data bound to the Worker for a zone: its rules, in evaluation order. */
export interface WorkerPolicy {
  version: 1;
  zone: string;
  /** Edge skip rules the Worker re-checks, then the worker-stage rules, in policy order. */
  rules: Array<Pick<RuleIR, "ref" | "stage" | "condition" | "action" | "response"> & { mode: Mode }>;
  originHeaders: Array<{ name: string; field: string }>;
  riskIntelligence?: RiskIntelligenceIR;
}

/** How much of a per-zone quota the compiled output uses. */
export interface QuotaUse {
  used: number;
  limit: number;
}

/** Everything one zone gets from one stack: what Pulumi deploys and `plan` prints. */
export interface ZonePlan {
  zone: string;
  zoneId: string;
  tier: ZoneTier;
  routes: string[];
  firewallCustom: RulesetBody;
  lateTransform?: RulesetBody;
  worker?: WorkerPolicy;
  quota: { customRules: QuotaUse; transformRules: QuotaUse };
  /** Per emitted ref (ruleset rules, the transform rule, Worker rules): the policy rule behind it. */
  origins: Record<string, RuleOrigin>;
  /** The policies compiled into this zone, in evaluation order. */
  policies: Array<Pick<PolicyIR, "id" | "priority" | "mode">>;
}
