import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig } from "../stack/parse-stack-config.js";
import type { ParseStackConfigResult } from "../stack/parse-stack-config.js";

/** The stack config as the Pulumi program sees it: validated settings and the secret API key. */
export interface ProgramStackConfig {
  parsed: ParseStackConfigResult;
  riskIntelligenceApiKey?: pulumi.Output<string>;
}

/**
 * Reads the `bot-policy:*` keys from Pulumi config and validates them with `parseStackConfig`.
 * Missing keys are left to the validator, so every problem is reported as a BP15x diagnostic
 * rather than as Pulumi's generic "missing required configuration" error.
 */
export function readStackConfig(config: pulumi.Config, stack: string): ProgramStackConfig {
  const raw: Record<string, unknown> = {};
  const accountId = config.get("accountId");
  if (accountId !== undefined) raw.accountId = accountId;
  const mode = config.get("mode");
  if (mode !== undefined) raw.mode = mode;
  const zones = config.getObject<unknown>("zones");
  if (zones !== undefined) raw.zones = zones;
  const adopt = config.getObject<unknown>("adopt");
  if (adopt !== undefined) raw.adopt = adopt;
  const lists = config.getObject<unknown>("lists");
  if (lists !== undefined) raw.lists = lists;

  const parsed = parseStackConfig(stack, raw);
  const riskIntelligenceApiKey = config.getSecret("riskIntelligenceApiKey");
  return riskIntelligenceApiKey === undefined ? { parsed } : { parsed, riskIntelligenceApiKey };
}
