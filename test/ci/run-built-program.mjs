// Runs a built Pulumi program (plain JavaScript) under Pulumi's mock engine, in a bare `node`
// process without any TypeScript loader, as `pulumi up` runs Pulumi.yaml's `main` after `npm ci`.
// Usage: node run-built-program.mjs <program.js> <stack> <config JSON>; the project folder is the cwd.
// Prints one JSON line: the registered resources (type, name) and the program's resolved outputs.
import { pathToFileURL } from "node:url";
import * as pulumi from "@pulumi/pulumi";

const [program, stack, configJson] = process.argv.slice(2);
const registered = [];
await pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  "bot-policy",
  stack,
  false,
);
pulumi.runtime.setAllConfig(JSON.parse(configJson), ["bot-policy:riskIntelligenceApiKey"]);
const outputs = await import(pathToFileURL(program).href);
// Ids resolve only through the mock engine: waiting for them proves the resources were registered.
const rulesets = {};
for (const [zone, zoneOutputs] of Object.entries(outputs.rulesets)) {
  rulesets[zone] = await new Promise((resolve) => pulumi.output(zoneOutputs).apply(resolve));
}
process.stdout.write(`${JSON.stringify({ registered, rulesets })}\n`);
