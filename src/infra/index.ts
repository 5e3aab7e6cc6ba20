/**
 * The Pulumi program (`Pulumi.yaml` → `main`): reads the stack's `bot-policy:*` config, compiles
 * the policies in `policies/` for that stack and declares each zone's Cloudflare resources.
 * A thin adapter: validation lives in `src/stack`, compilation in `src/compile`.
 */
import * as pulumi from "@pulumi/pulumi";
import { readProjectFiles } from "../cli/read-project-files.js";
import { compileProject } from "../compile/compile-project.js";
import { createZoneResources } from "./create-zone-resources.js";
import type { ZoneResourceOptions } from "./create-zone-resources.js";
import { failOnErrors } from "./fail-on-errors.js";
import { readStackConfig } from "./read-stack-config.js";

const stack = pulumi.getStack();
const { parsed, riskIntelligenceApiKey } = readStackConfig(new pulumi.Config("bot-policy"), stack);
failOnErrors(parsed.diagnostics);
const stackConfig = parsed.config;
if (stackConfig === undefined) throw new pulumi.RunError(`Stack '${stack}' has no valid bot-policy config.`);

// The project directory is where `pulumi` runs the program: the one holding Pulumi.yaml and policies/.
const project = readProjectFiles(process.cwd());
failOnErrors(project.diagnostics, project.files);
const compiled = compileProject({ files: project.files, stack: stackConfig, now: new Date() });
failOnErrors(compiled.diagnostics, project.files);

const zones = compiled.plans.map((plan) => {
  const options: ZoneResourceOptions = { accountId: stackConfig.accountId, stack };
  if (riskIntelligenceApiKey !== undefined) options.riskIntelligenceApiKey = riskIntelligenceApiKey;
  const workerRules = plan.worker?.rules.filter((rule) => rule.stage === "worker").length ?? 0;
  if (workerRules > 0) {
    // No Worker bundle reaches this program yet; rather than deploy a partial policy silently,
    // say which zone's worker-stage rules are left out.
    pulumi.log.warn(
      `Zone '${plan.zone}' has ${workerRules} worker rule(s) but no Worker bundle is available; the Worker and its routes are not deployed.`,
    );
  }
  return { plan, resources: createZoneResources(plan, options) };
});

/** Per zone key: its zone id, the ids of its entry-point rulesets and its Worker's name, when deployed. */
export const rulesets = Object.fromEntries(
  zones.map(({ plan, resources }) => [
    plan.zone,
    {
      zoneId: plan.zoneId,
      http_request_firewall_custom: resources.firewallCustom.id,
      ...(resources.lateTransform !== undefined ? { http_request_late_transform: resources.lateTransform.id } : {}),
      ...(resources.workerScript !== undefined ? { worker: resources.workerScript.scriptName } : {}),
    },
  ]),
);
