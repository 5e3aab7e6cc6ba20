import { compileWorkerProgram, isRiskField, type PartialZoneProgram, type ZoneProgram } from "../evaluate/decide.js";
import type { BlockResponse, RiskIntelligenceIR } from "../model/policy-ir.js";
import type { WorkerPolicy } from "../model/zone-plan.js";
import { expressionFields } from "../rules/expression-fields.js";
import { compileRequestReader, type RequestReader } from "./read-request.js";

/** What the Worker needs about Risk Intelligence, when some rule or origin header reads `risk`. */
export interface CompiledRisk {
  settings: RiskIntelligenceIR;
  /** The rules with `risk.*` unknown: decides whether a request needs the vendor at all. */
  partial: PartialZoneProgram;
  /** An origin header forwards the risk object, so a request with a token asks for it. */
  forwarded: boolean;
}

/** A zone's Worker policy compiled once per isolate. */
export interface CompiledWorker {
  program: ZoneProgram;
  /** Reads the fields the rules read, and only those, from a request. */
  reader: RequestReader;
  /** Block responses by rule (`<policy>/<rule>`); a rule without one answers 403. */
  responses: ReadonlyMap<string, BlockResponse>;
  /** Worker rules in observe mode: they never block, they mark the request. */
  observed: ReadonlySet<string>;
  originHeaders: WorkerPolicy["originHeaders"];
  risk: CompiledRisk | undefined;
}


/** Compiles a Worker policy; throws on a policy it cannot run (the caller fails open). */
export function compileWorker(policy: WorkerPolicy): CompiledWorker {
  if (policy.version !== 1) throw new Error(`unsupported Worker policy version '${String(policy.version)}'`);
  const responses = new Map<string, BlockResponse>();
  const observed = new Set<string>();
  for (const rule of policy.rules) {
    if (rule.response !== undefined) responses.set(rule.ref, rule.response);
    if (rule.mode === "observe" && rule.stage === "worker") observed.add(rule.ref);
  }
  const readsRisk = policy.rules.some((rule) => expressionFields(rule.condition).some(isRiskField));
  const forwarded = policy.originHeaders.some((header) => header.field === "risk");
  let risk: CompiledRisk | undefined;
  if ((readsRisk || forwarded) && policy.riskIntelligence !== undefined) {
    risk = { settings: policy.riskIntelligence, partial: compileWorkerProgram(policy, isRiskField), forwarded };
  }
  const fields = new Set(policy.rules.flatMap((rule) => expressionFields(rule.condition)));
  return { program: compileWorkerProgram(policy), reader: compileRequestReader(fields), responses, observed, originHeaders: policy.originHeaders, risk };
}
