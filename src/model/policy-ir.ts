import type { SourceRef } from "../diagnostics/diagnostic.js";
import type { Expr } from "../rules/ast.js";
import type { Mode } from "./stack.js";

/** Where a rule runs: in Cloudflare's rulesets, or in the bot-policy Worker. */
export type Stage = "edge" | "worker";

/** The actions a policy rule may take. */
export type Action = "block" | "managed_challenge" | "js_challenge" | "challenge" | "skip" | "log";

/** A custom block response (Pro plan and above). */
export interface BlockResponse {
  status: number;
  contentType: string;
  body: string;
}

/** What a `skip` rule skips besides the rest of the current ruleset. */
export interface SkipTargets {
  phases: string[];
  products: string[];
}

/** A normalised rule: its condition is a Rules-language AST. */
export interface RuleIR {
  kind: "rule";
  /** `<policy>/<rule>`, stable across compiles. */
  ref: string;
  policy: string;
  id: string;
  stage: Stage;
  condition: Expr;
  action: Action;
  response?: BlockResponse;
  skip?: SkipTargets;
  /** A disabled rule is checked but emitted with `enabled: false` (edge) or left out (worker). */
  enabled: boolean;
  /**
   * The Cloudflare rule ref written with `ref:` (a rule adopted with `import`, so its id and the
   * `SecurityRuleID` in existing logs survive), located at its value. `ref` above stays
   * `<policy>/<rule>`: decisions, tests and coverage name rules that way.
   */
  cloudflareRef?: { ref: string; source: SourceRef };
  /** For `skip`: Cloudflare logs the requests it matches (`logging.enabled`). */
  logging?: boolean;
  /** Guard findings suppressed on this rule (`suppress:`), each located at its code. */
  suppress?: SuppressionIR[];
  source: SourceRef;
}

/** A suppressed guard finding: the code, the reason, and where the suppression is written. */
export interface SuppressionIR {
  code: string;
  reason: string;
  source: SourceRef;
}

/** A request no rule may block or challenge (`protect:`), located at its entry. */
export interface ProtectedRequestIR {
  name: string;
  /** In the test-request shape (policy field names). */
  request: Record<string, unknown>;
  source: SourceRef;
}

/** A header forwarded to the origin; edge fields become a transform rule, worker ones the Worker. */
export interface OriginHeaderIR {
  /** The policy that sets the header. */
  policy: string;
  name: string;
  field: string;
  stage: Stage;
  source: SourceRef;
}

/** Friendly Captcha Risk Intelligence settings for the Worker. */
export interface RiskIntelligenceIR {
  token: { header: string } | { cookie: string } | { form_field: string };
  endpoint: "global" | "eu";
  timeoutMs: number;
  onError: "pass" | "block";
  /** Sent with the retrieve call when set. */
  sitekey?: string;
}

/** A policy after checks and lowering: plain data that compile reads. */
export interface PolicyIR {
  kind: "policy";
  id: string;
  description?: string;
  zones: string[];
  priority: number;
  mode: Mode;
  rules: RuleIR[];
  originHeaders: OriginHeaderIR[];
  riskIntelligence?: RiskIntelligenceIR;
  /** Requests no rule of the policy's zones may block or challenge. */
  protect?: ProtectedRequestIR[];
  source: SourceRef;
}
