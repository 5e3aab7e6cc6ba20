/**
 * The Pulumi program (`Pulumi.yaml` → `main`): reads the stack's `bot-policy:*` config and the
 * project folder, and deploys them as one `BotPolicy` component. A thin adapter: validation lives
 * in `src/stack`, compilation in `src/compile`, the resources in `BotPolicy`.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildWorkerBundle } from "../bundle/build-worker-bundle.js";
import { UsageError } from "../cli/io.js";
import { readProjectFiles } from "../cli/read-project-files.js";
import { BotPolicy } from "./bot-policy.js";
import { failOnErrors } from "./fail-on-errors.js";
import { readStackConfig } from "./read-stack-config.js";

const stack = pulumi.getStack();
const { parsed, riskIntelligenceApiKey } = readStackConfig(new pulumi.Config("bot-policy"), stack);
failOnErrors(parsed.diagnostics);
const stackConfig = parsed.config;
if (stackConfig === undefined) throw new pulumi.RunError(`Stack '${stack}' has no valid bot-policy config.`);

// The project directory is where `pulumi` runs the program: the one holding Pulumi.yaml and policies/.
const project = readProjectFolder(process.cwd());
failOnErrors(project.diagnostics, project.files);
const botPolicy = new BotPolicy("bot-policy", {
  files: project.files,
  stack: stackConfig,
  buildWorker: buildWorkerBundle,
  ...(riskIntelligenceApiKey !== undefined ? { riskIntelligenceApiKey } : {}),
});

/** Reads the project folder; a folder that cannot be used fails the preview in one line, without a stack trace. */
function readProjectFolder(dir: string): ReturnType<typeof readProjectFiles> {
  try {
    return readProjectFiles(dir, { stack });
  } catch (error) {
    if (error instanceof UsageError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

/** Per zone key: its zone id, the ids of its entry-point rulesets and its Worker's name, when deployed. */
export const rulesets = Object.fromEntries(
  Object.entries(botPolicy.zones).map(([zone, { plan, resources }]) => [
    zone,
    {
      zoneId: plan.zoneId,
      http_request_firewall_custom: resources.firewallCustom.id,
      ...(resources.lateTransform !== undefined ? { http_request_late_transform: resources.lateTransform.id } : {}),
      ...(resources.workerScript !== undefined ? { worker: resources.workerScript.scriptName } : {}),
    },
  ]),
);
