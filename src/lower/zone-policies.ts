import type { Action, PolicyIR } from "../model/policy-ir.js";
import type { Mode } from "../model/stack.js";
import { isTerminating } from "./lower-policy.js";

/** Orders a zone's policies: by priority, then id (DESIGN.md). */
export function orderPolicies(policies: readonly PolicyIR[]): PolicyIR[] {
  return [...policies].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The mode a policy runs in on a stack: a stack in observe mode forces it. */
export function effectiveMode(policy: PolicyIR, stackMode: Mode | undefined): Mode {
  return stackMode === "observe" ? "observe" : policy.mode;
}

/** The action Cloudflare gets: in observe mode terminating actions only log; skip stays skip. */
export function observedAction(action: Action, mode: Mode): Action {
  return mode === "observe" && isTerminating(action) ? "log" : action;
}
