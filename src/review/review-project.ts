import { checkTestSchema } from "../check/check-schema.js";
import { compileProject } from "../compile/compile-project.js";
import { hasErrors } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { parseProjectFiles, testFileNames } from "../load/load-policies.js";
import type { CompiledProject, ProjectFiles } from "../model/project.js";
import type { RawPolicy } from "../model/raw-policy.js";
import { stackFileName, stackFromFiles, stackNames } from "../stack/parse-stack-file.js";
import { compareTests, type CompileRevision } from "./compare-tests.js";
import { diffSets, readRawPolicies } from "./diff-sets.js";
import { diffZone, type RevisionZone } from "./diff-zone.js";
import type { ReviewReport, StackReview } from "./review-report.js";

/** One side of a review: a name for it (a git revision, or the working tree) and its files. */
export interface Revision {
  ref: string;
  files: ProjectFiles;
}

/** What a review compares: two revisions, and the date that decides which set items expire. */
export interface ReviewInput {
  base: Revision;
  head: Revision;
  now: Date;
}

/** The review, with each stack's compiles for later steps (traffic replay); or why a revision does not compile. */
export type ReviewOutcome =
  | { ok: true; report: ReviewReport; compiled: Map<string | null, { base: CompiledProject | undefined; head: CompiledProject | undefined }> }
  | { ok: false; revision: "base" | "head"; stack: string | null; diagnostics: Diagnostic[] };

/**
 * Compiles both revisions for every stack either has (or once without a stack when neither has
 * one) and compares them zone by zone: rules, sets, the Worker, quota use, and the head's test
 * cases run against both. A stack only one revision has is all added or all removed. The head's
 * guard findings (BP6xx) are collected once.
 */
export function reviewProject(input: ReviewInput): ReviewOutcome {
  const stacks = [...new Set([...stackNames(input.base.files.keys()), ...stackNames(input.head.files.keys())])].sort();
  const stackList: Array<string | null> = stacks.length === 0 ? [null] : stacks;
  const compilers = { base: compiler(input.base.files, input.now), head: compiler(input.head.files, input.now) };
  const compiled = new Map<string | null, { base: CompiledProject | undefined; head: CompiledProject | undefined }>();
  for (const stack of stackList) {
    const sides = { base: compilers.base(stack), head: compilers.head(stack) };
    for (const revision of ["head", "base"] as const) {
      const side = sides[revision];
      if (side && "failed" in side) return { ok: false, revision, stack, diagnostics: side.failed };
    }
    compiled.set(stack, sides as { base: CompiledProject | undefined; head: CompiledProject | undefined });
  }

  const tests = checkTestSchema(parseProjectFiles(input.head.files, testFileNames(input.head.files)).sources).tests;
  const raw = { base: readRawPolicies(input.base.files), head: readRawPolicies(input.head.files) };
  const asRevision = (side: "base" | "head"): CompileRevision => (name) => {
    const result = compilers[side](name ?? null);
    return result && !("failed" in result) ? result : undefined;
  };
  const guards = new Map<string, Diagnostic>();
  const reviews: StackReview[] = [];
  for (const stack of stackList) {
    const { base, head } = compiled.get(stack)!;
    for (const d of head?.diagnostics ?? []) if (d.code.startsWith("BP6")) guards.set(JSON.stringify(d), d);
    const testChanges = compareTests(tests, stack, asRevision("base"), asRevision("head"));
    const zones = [...new Set([...(base?.plans ?? []), ...(head?.plans ?? [])].map((p) => p.zone))].sort();
    reviews.push({
      stack,
      zones: zones.map((zone) => {
        const review = diffZone(zone, revisionZone(base, zone), revisionZone(head, zone));
        review.sets = diffSets(zone, raw.base, raw.head, input.now);
        for (const change of review.rules.changed) {
          if (!change.what.includes("condition")) continue;
          const was = writtenCondition(change.rule, raw.base);
          const now = writtenCondition(change.rule, raw.head);
          // A condition that reads as written before changed only through the items of its sets.
          if (was !== undefined && was === now) change.what[change.what.indexOf("condition")] = "set items";
          else if (was !== undefined && now !== undefined) change.condition = { from: was, to: now };
        }
        review.tests = testChanges.get(zone) ?? [];
        return review;
      }),
    });
  }
  const report: ReviewReport = {
    base: input.base.ref,
    head: input.head.ref,
    stacks: reviews,
    guards: [...guards.values()],
    mass_delete: reviews.some((s) => s.zones.some((z) => z.mass_delete)),
  };
  return { ok: true, report, compiled };
}

/** Compiles a revision per stack, once each: undefined when the revision lacks the stack, `failed` with its errors when it does not compile. */
function compiler(files: ProjectFiles, now: Date): (stack: string | null) => CompiledProject | { failed: Diagnostic[] } | undefined {
  const cache = new Map<string | null, CompiledProject | { failed: Diagnostic[] } | undefined>();
  return (stack) => {
    if (cache.has(stack)) return cache.get(stack);
    let result: CompiledProject | { failed: Diagnostic[] } | undefined;
    if (stack !== null && !files.has(stackFileName(stack))) {
      result = undefined;
    } else {
      const loaded = stack === null ? undefined : stackFromFiles(files, stack);
      if (loaded && (hasErrors(loaded.diagnostics) || !loaded.config)) {
        result = { failed: loaded.diagnostics };
      } else {
        const output = compileProject({ files, ...(loaded?.config ? { stack: loaded.config } : {}), now });
        result = hasErrors(output.diagnostics) ? { failed: output.diagnostics } : output;
      }
    }
    cache.set(stack, result);
    return result;
  };
}

/** A rule's condition as its file writes it (`when:` as compact JSON, or `expression:`), for the reviewer. */
function writtenCondition(ref: string, policies: readonly RawPolicy[]): string | undefined {
  const slash = ref.indexOf("/");
  const rule = policies.find((p) => p.policy === ref.slice(0, slash))?.rules.find((r) => r.id === ref.slice(slash + 1));
  if (!rule) return undefined;
  return rule.when !== undefined ? `when: ${JSON.stringify(rule.when)}` : `expression: ${rule.expression ?? ""}`;
}

function revisionZone(compiled: CompiledProject | undefined, zone: string): RevisionZone | null {
  const plan = compiled?.plans.find((p) => p.zone === zone);
  return compiled && plan ? { plan, policies: compiled.policies } : null;
}
