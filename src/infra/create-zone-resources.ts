import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { ActionParameters, RulesetBody, RulesetRule, WorkerPolicy, ZonePlan } from "../model/zone-plan.js";
import { expressionFields } from "../rules/expression-fields.js";

/** The Workers compatibility date the bot-policy Worker is written and tested against. */
export const workerCompatibilityDate = "2026-04-26";

/** The module name the bundled Worker is uploaded as. */
export const workerMainModule = "worker.js";

/** What `createZoneResources` needs besides the plan. */
export interface ZoneResourceOptions {
  accountId: string;
  /** The Pulumi stack name; part of the Worker's script name so stacks never share a Worker. */
  stack: string;
  /** Friendly Captcha Risk Intelligence API key, bound to the Worker as a secret. */
  riskIntelligenceApiKey?: pulumi.Input<string>;
  /** The bundled Worker (one ES module); without it no Worker or route is created. */
  workerScript?: string;
  /**
   * The id of the zone's existing `http_request_firewall_custom` entry point (`bot-policy:adopt`):
   * the ruleset is imported (`zones/<zone id>/<ruleset id>`) and then managed, instead of a create
   * that Cloudflare refuses (20217: one entry point per zone and phase).
   */
  adoptRulesetId?: string;
  /** Options passed to every resource (a provider, a parent, …). */
  resourceOptions?: pulumi.CustomResourceOptions;
}

/** The Cloudflare resources of one zone. */
export interface ZoneResources {
  /** The entry-point rulesets, firewall custom first. */
  rulesets: cloudflare.Ruleset[];
  firewallCustom: cloudflare.Ruleset;
  lateTransform?: cloudflare.Ruleset;
  workerScript?: cloudflare.WorkersScript;
  workerRoutes: cloudflare.WorkersRoute[];
}

/**
 * Declares the Cloudflare resources for one zone plan: one entry-point ruleset per phase the
 * plan has, and the Worker (whose bundle must be given) with its routes when the plan has worker rules.
 * Resource names depend only on the zone key, phase and route, so they are stable across runs.
 */
export function createZoneResources(plan: ZonePlan, options: ZoneResourceOptions): ZoneResources {
  // Cloudflare allows one entry-point ruleset per zone and phase, so a replacement (e.g. a new
  // zoneId) must delete the old ruleset before creating the new one, or the create fails (20217).
  const rulesetOptions: pulumi.CustomResourceOptions = { ...options.resourceOptions, deleteBeforeReplace: true };
  const firewallCustom = createRuleset(plan, plan.firewallCustom, { ...rulesetOptions, ...adoptOption(plan, options.adoptRulesetId) });
  const lateTransform =
    plan.lateTransform === undefined ? undefined : createRuleset(plan, plan.lateTransform, rulesetOptions);
  const rulesets = lateTransform === undefined ? [firewallCustom] : [firewallCustom, lateTransform];

  const resources: ZoneResources = { rulesets, firewallCustom, workerRoutes: [] };
  if (lateTransform !== undefined) resources.lateTransform = lateTransform;
  if (plan.worker === undefined) return resources;
  // Deploying a zone's rulesets without the Worker its worker rules need would protect nothing.
  if (options.workerScript === undefined) throw new Error(`Zone '${plan.zone}' has worker rules but no Worker bundle was given.`);

  const scriptName = workerScriptName(options.stack, plan.zone);
  const bindings: cloudflare.types.input.WorkersScriptBinding[] = [{ type: "plain_text", name: "STACK", text: options.stack }];
  if (usesRiskIntelligence(plan.worker)) {
    if (options.riskIntelligenceApiKey === undefined) throw new Error(`Zone '${plan.zone}' uses Risk Intelligence but no API key was given.`);
    bindings.push({ type: "secret_text", name: "RISK_API_KEY", text: pulumi.secret(options.riskIntelligenceApiKey) });
  }
  const workerScript = new cloudflare.WorkersScript(
    `${plan.zone}-worker`,
    {
      accountId: options.accountId,
      scriptName,
      content: options.workerScript,
      mainModule: workerMainModule,
      compatibilityDate: workerCompatibilityDate,
      bindings,
    },
    options.resourceOptions,
  );
  resources.workerScript = workerScript;
  // Routing by the script's output name makes each route depend on the script being uploaded.
  resources.workerRoutes = plan.routes.map(
    (pattern) =>
      new cloudflare.WorkersRoute(
        `${plan.zone}-route-${pattern}`,
        { zoneId: plan.zoneId, pattern, script: workerScript.scriptName },
        options.resourceOptions,
      ),
  );
  return resources;
}

/** Pulumi's `import` option for an adopted entry point: the provider's id is `zones/<zone id>/<ruleset id>`. */
export function adoptOption(plan: ZonePlan, rulesetId: string | undefined): pulumi.CustomResourceOptions {
  return rulesetId === undefined ? {} : { import: `zones/${plan.zoneId}/${rulesetId}` };
}

/** True when a zone's Worker reads Risk Intelligence: a rule's condition or an origin header uses `risk`. */
export function usesRiskIntelligence(worker: WorkerPolicy): boolean {
  return worker.rules.some((rule) => expressionFields(rule.condition).some((field) => field.startsWith("risk."))) || worker.originHeaders.some((header) => header.field === "risk");
}

/** The Worker's script name: one Worker per stack and zone, so stacks never overwrite each other. */
export function workerScriptName(stack: string, zone: string): string {
  return `bot-policy-${stack}-${zone}`;
}

function createRuleset(
  plan: ZonePlan,
  body: RulesetBody,
  options: pulumi.CustomResourceOptions,
): cloudflare.Ruleset {
  return new cloudflare.Ruleset(
    `${plan.zone}-${body.phase}`,
    {
      zoneId: plan.zoneId,
      kind: body.kind,
      phase: body.phase,
      name: body.name,
      description: body.description,
      rules: body.rules.map(toRulesetRuleInput),
    },
    options,
  );
}

/** Maps one rule from the API's snake_case body to the provider's camelCase inputs. */
export function toRulesetRuleInput(rule: RulesetRule): cloudflare.types.input.RulesetRule {
  const input: cloudflare.types.input.RulesetRule = {
    ref: rule.ref,
    description: rule.description,
    expression: rule.expression,
    action: rule.action,
    enabled: rule.enabled,
  };
  if (rule.action_parameters !== undefined) input.actionParameters = toActionParametersInput(rule.action_parameters);
  if (rule.logging !== undefined) input.logging = { enabled: rule.logging.enabled };
  return input;
}

function toActionParametersInput(parameters: ActionParameters): cloudflare.types.input.RulesetRuleActionParameters {
  const input: cloudflare.types.input.RulesetRuleActionParameters = {};
  if (parameters.response !== undefined) {
    input.response = {
      statusCode: parameters.response.status_code,
      contentType: parameters.response.content_type,
      content: parameters.response.content,
    };
  }
  if (parameters.ruleset !== undefined) input.ruleset = parameters.ruleset;
  if (parameters.phases !== undefined) input.phases = [...parameters.phases];
  if (parameters.products !== undefined) input.products = [...parameters.products];
  if (parameters.headers !== undefined) {
    // fromEntries defines own keys, so a header named `__proto__` stays a header.
    input.headers = Object.fromEntries(
      Object.entries(parameters.headers).map(([name, header]): [string, cloudflare.types.input.RulesetRuleActionParametersHeaders] => [
        name,
        {
          operation: header.operation,
          ...(header.expression !== undefined ? { expression: header.expression } : {}),
          ...(header.value !== undefined ? { value: header.value } : {}),
        },
      ]),
    );
  }
  return input;
}
