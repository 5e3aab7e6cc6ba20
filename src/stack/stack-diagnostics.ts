/**
 * Diagnostic codes for loading a stack's configuration (`Pulumi.<stack>.yaml` or Pulumi config).
 * The range BP150–BP159 belongs to stack config; the lead merges this table into the central
 * catalog. A code is never reused for a different meaning.
 */
export const stackDiagnostics = {
  BP150: "The stack file 'Pulumi.<stack>.yaml' does not exist.",
  BP151: "The stack file is not valid YAML, or its 'config' is not a map.",
  BP152: "A required stack config key (accountId, zones) is missing.",
  BP153: "A stack config key is unknown, or holds a secure value where a plain one is required.",
  BP154: "The stack's 'accountId' is not 32 lowercase hex characters.",
  BP155: "The stack's 'mode' is neither 'enforce' nor 'observe'.",
  BP156: "The stack's 'zones' is not a map of zone keys to zone settings, or a zone key is invalid.",
  BP157: "A zone's 'zoneId' is not 32 lowercase hex characters, or two zone keys share one zone.",
  BP158: "A zone's 'plan' is not one of free, pro, business, enterprise.",
  BP159: "A zone's 'routes' is not a list of route patterns like 'shop.example.com/*'.",
} as const;

/** A code from the stack config range. */
export type StackDiagnosticCode = keyof typeof stackDiagnostics;
