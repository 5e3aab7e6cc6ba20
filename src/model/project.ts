import type { Diagnostic, SourceRef } from "../diagnostics/diagnostic.js";
import type { PolicyIR } from "./policy-ir.js";
import type { StackConfig } from "./stack.js";
import type { ZonePlan } from "./zone-plan.js";

/**
 * A project's files as text, keyed by project-relative POSIX path (`policies/shop.yaml`,
 * `Pulumi.dev.yaml`). The pipeline reads only this map: the CLI fills it from a folder, `review`
 * from a git revision, the Pulumi program from its folder.
 */
export type ProjectFiles = ReadonlyMap<string, string>;

/** What the pipeline compiles: the files, the chosen stack (none: every zone, Enterprise), the date. */
export interface ProjectInput {
  files: ProjectFiles;
  stack?: StackConfig;
  /** The date that decides which set items have expired. */
  now: Date;
}

/** The policy rule an emitted rule came from: `<policy>/<rule>` and where it is written. */
export interface RuleOrigin {
  rule: string;
  source: SourceRef;
}

/**
 * Everything the pipeline produces for one stack: plain, JSON-serialisable data that Pulumi, the
 * Worker build, `plan`, `eval`, `test` and later `simulate` and `review` read. `plans` is empty
 * when `diagnostics` hold an error.
 */
export interface CompiledProject {
  /** The stack compiled for, or null when none was chosen. */
  stack: string | null;
  policies: PolicyIR[];
  plans: ZonePlan[];
  diagnostics: Diagnostic[];
}
