import * as pulumi from "@pulumi/pulumi";
import { compileProject } from "../compile/compile-project.js";
import { makeDiagnostic, withHint } from "../diagnostics/catalog.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ProjectFiles } from "../model/project.js";
import type { StackConfig } from "../model/stack.js";
import type { WorkerPolicy, ZonePlan } from "../model/zone-plan.js";
import { checkStackOwnsZones } from "../stack/check-stack-zones.js";
import { createZoneResources, usesRiskIntelligence, type ZoneResources } from "./create-zone-resources.js";
import { failOnErrors } from "./fail-on-errors.js";

/** What a `BotPolicy` deploys: the project's files compiled for one stack. */
export interface BotPolicyArgs {
  /** The project's files (`policies/*.yaml`, `Pulumi.<stack>.yaml`) as project path → text. */
  files: ProjectFiles;
  /** The stack's `bot-policy:*` settings. */
  stack: StackConfig;
  /** The date that decides which set items have expired (default: now). */
  now?: Date;
  /** Friendly Captcha Risk Intelligence API key, bound to Workers that read `risk` as a secret. */
  riskIntelligenceApiKey?: pulumi.Input<string>;
  /** Bundles a zone's Worker into one ES module. */
  buildWorker: (policy: WorkerPolicy) => string;
}

/** The deployed resources of one zone. */
export interface BotPolicyZone {
  plan: ZonePlan;
  resources: ZoneResources;
}

/**
 * bot-policy's whole deployment as one Pulumi component (`bot-policy:index:BotPolicy`): the
 * entry-point rulesets of every zone of the stack and, for zones with worker rules, the Worker
 * and its routes, all under one parent in `pulumi preview`. A team's own Pulumi program can
 * instantiate it; the shipped program (`src/infra/index.ts`) is a thin user of it. Invalid
 * policies or settings, and a zone that another stack file of `files` also deploys (BP170), fail
 * before any resource is declared, with located diagnostics.
 */
export class BotPolicy extends pulumi.ComponentResource {
  /** Per zone key: its compiled plan and Cloudflare resources. */
  readonly zones: Record<string, BotPolicyZone>;

  constructor(name: string, args: BotPolicyArgs, options: pulumi.ComponentResourceOptions = {}) {
    super("bot-policy:index:BotPolicy", name, {}, options);
    const compiled = compileProject({ files: args.files, stack: args.stack, now: args.now ?? new Date() });
    // Two stacks deploying one zone would fight over its entry points: refuse, naming both stack files.
    const clashes = checkStackOwnsZones(args.files, args.stack.name);
    failOnErrors([...clashes, ...compiled.diagnostics, ...missingRiskKeys(compiled.plans, args)], args.files);

    // Resources that existed before this component keep their identity (no replacement).
    const resourceOptions: pulumi.CustomResourceOptions = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };
    this.zones = {};
    for (const plan of compiled.plans) {
      const resources = createZoneResources(plan, {
        accountId: args.stack.accountId,
        stack: args.stack.name,
        resourceOptions,
        ...(args.stack.adopt !== undefined && Object.hasOwn(args.stack.adopt, plan.zone) ? { adoptRulesetId: args.stack.adopt[plan.zone]! } : {}),
        ...(plan.worker ? { workerScript: args.buildWorker(plan.worker) } : {}),
        ...(args.riskIntelligenceApiKey !== undefined ? { riskIntelligenceApiKey: args.riskIntelligenceApiKey } : {}),
      });
      this.zones[plan.zone] = { plan, resources };
    }
    this.registerOutputs({ zones: Object.keys(this.zones) });
  }
}

/** A zone whose Worker reads `risk` needs the stack's API key: say so before anything deploys. */
function missingRiskKeys(plans: readonly ZonePlan[], args: BotPolicyArgs): Diagnostic[] {
  if (args.riskIntelligenceApiKey !== undefined) return [];
  const file = `Pulumi.${args.stack.name}.yaml`;
  return plans
    .filter((plan) => plan.worker && usesRiskIntelligence(plan.worker))
    .map((plan) =>
      withHint(
        makeDiagnostic("BP430", { file, line: 1, column: 1 }, plan.zone, args.stack.name),
        `set it with 'pulumi config set --stack ${args.stack.name} --secret bot-policy:riskIntelligenceApiKey <key>'.`,
      ),
    );
}
