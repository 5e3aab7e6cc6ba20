import type { Diagnostic, Severity, SourceRef } from "./diagnostic.js";

/**
 * Every diagnostic bot-policy reports, by stable code. Ranges: BP1xx load, BP2xx schema,
 * BP3xx semantics, BP4xx compile and Cloudflare limits, BP5xx tests. A code is never reused:
 * retire an entry by leaving it here, unused, with its summary prefixed by "(retired)".
 */
export const catalog = {
  // BP1xx — reading files
  BP101: { severity: "error", summary: "YAML syntax error", message: (detail: string) => `YAML syntax error: ${detail}` },
  BP102: { severity: "error", summary: "Duplicate key", message: (key: string) => `Duplicate key '${key}'.` },
  BP103: {
    severity: "error",
    summary: "Too many YAML aliases",
    message: (limit: number) => `Too many YAML aliases (more than ${limit}); alias expansion is refused to protect the checker.`,
  },
  BP104: { severity: "error", summary: "Unreadable file", message: (reason: string) => `Cannot read the file: ${reason}.` },
  BP105: { severity: "error", summary: "No policies", message: (dir: string) => `No policy files (*.yaml) found in '${dir}'.` },
  BP106: { severity: "error", summary: "Several YAML documents", message: () => `A policy file holds one YAML document; found more than one.` },
  BP107: { severity: "error", summary: "Empty file", message: () => `The file is empty; a policy starts with 'version: 1'.` },
  BP108: { severity: "error", summary: "YAML tag", message: (tag: string) => `Unsupported YAML tag '${tag}'.` },
  BP130: {
    severity: "error",
    summary: "Ill-formed Unicode string",
    message: (what: string, codeUnit: string, index: number) =>
      `This ${what} holds a lone surrogate ${codeUnit} at character ${index}: strings must be well-formed Unicode, and Cloudflare would receive U+FFFD instead.`,
  },

  // BP15x — stack configuration (Pulumi.<stack>.yaml); the message names the stack and key.
  BP150: { severity: "error", summary: "Stack file missing", message: (detail: string) => detail },
  BP151: { severity: "error", summary: "Stack file unreadable", message: (detail: string) => detail },
  BP152: { severity: "error", summary: "Stack key missing", message: (detail: string) => detail },
  BP153: { severity: "error", summary: "Stack key unknown", message: (detail: string) => detail },
  BP154: { severity: "error", summary: "Invalid account id", message: (detail: string) => detail },
  BP155: { severity: "error", summary: "Invalid stack mode", message: (detail: string) => detail },
  BP156: { severity: "error", summary: "Invalid zones", message: (detail: string) => detail },
  BP157: { severity: "error", summary: "Invalid zone id", message: (detail: string) => detail },
  BP158: { severity: "error", summary: "Invalid zone plan", message: (detail: string) => detail },
  BP159: { severity: "error", summary: "Invalid routes", message: (detail: string) => detail },

  // BP2xx — the policy schema
  BP201: { severity: "error", summary: "Unknown field", message: (field: string, where: string) => `Unknown field '${field}' in ${where}.` },
  BP202: { severity: "error", summary: "Wrong type", message: (where: string, expected: string) => `${where} must be ${expected}.` },
  BP203: {
    severity: "error",
    summary: "Value not allowed",
    message: (where: string, value: string, allowed: string) => `${where} has an invalid value '${value}'; expected one of ${allowed}.`,
  },
  BP204: { severity: "error", summary: "Missing field", message: (field: string, where: string) => `Missing required field '${field}' in ${where}.` },
  BP205: {
    severity: "error",
    summary: "Malformed value",
    message: (where: string, value: string, rule: string) => `${where} has a malformed value '${value}': ${rule}.`,
  },
  BP206: { severity: "error", summary: "Out of range", message: (where: string, rule: string) => `${where} is out of range: ${rule}.` },
  BP207: { severity: "error", summary: "Unsupported version", message: (value: string) => `Unsupported policy language version '${value}'; this bot-policy reads version 1.` },
  BP208: { severity: "error", summary: "Wrong number of items", message: (where: string, rule: string) => `${where} ${rule}.` },
  BP209: { severity: "error", summary: "Not a date", message: (where: string, value: string) => `${where} has '${value}', which is not a date (YYYY-MM-DD).` },
  BP210: { severity: "error", summary: "Invalid form", message: (where: string, expected: string) => `${where} is not a valid ${expected}.` },

  // BP3xx — meaning
  BP301: { severity: "error", summary: "Duplicate policy id", message: (id: string, other: string) => `Policy id '${id}' is already used by ${other}.` },
  BP302: { severity: "error", summary: "Duplicate rule id", message: (id: string, policy: string) => `Rule id '${id}' appears twice in policy '${policy}'.` },
  BP303: { severity: "error", summary: "Unknown set", message: (name: string) => `Unknown set '$${name}'.` },
  BP304: {
    severity: "error",
    summary: "Set type does not fit",
    message: (name: string, type: string, field: string) => `Set '$${name}' holds ${type} items, which field '${field}' cannot use.`,
  },
  BP305: { severity: "error", summary: "Invalid JA3", message: (value: string) => `Invalid JA3 fingerprint '${value}': expected 32 lowercase hex characters.` },
  BP306: { severity: "error", summary: "Invalid JA4", message: (value: string, rule: string) => `Invalid JA4 fingerprint '${value}': ${rule}.` },
  BP307: { severity: "error", summary: "Invalid IP", message: (value: string) => `Invalid IP address or CIDR '${value}'.` },
  BP308: { severity: "error", summary: "Invalid bot score", message: (value: string) => `Invalid bot score '${value}': scores are 1 to 99.` },
  BP309: { severity: "error", summary: "Invalid header name", message: (name: string, rule: string) => `Invalid header name '${name}': ${rule}.` },
  BP310: { severity: "error", summary: "Invalid block status", message: (status: number) => `Block response status ${status} is not allowed: Cloudflare takes 400 to 499.` },
  BP311: { severity: "error", summary: "Block body too large", message: (bytes: number) => `Block response body is ${bytes} bytes; Cloudflare allows at most 2048.` },
  BP312: { severity: "error", summary: "Response on a non-block rule", message: (action: string) => `A 'response' only applies to 'block', not '${action}'.` },
  BP313: { severity: "error", summary: "Risk without settings", message: () => `Rules using 'risk' need a 'risk_intelligence' section in the policy.` },
  BP314: {
    severity: "error",
    summary: "Challenge in the Worker",
    message: (action: string, field: string) =>
      `Action '${action}' cannot run in the Worker, which this rule needs for '${field}': a Worker cannot issue a challenge. Use 'block' or 'log'.`,
  },
  BP315: {
    severity: "error",
    summary: "Order cannot be honoured",
    message: (rule: string, edgeRule: string) =>
      `Worker rule '${rule}' comes before edge rule '${edgeRule}', but Cloudflare runs edge rules first, so this order cannot be honoured.`,
  },
  BP316: { severity: "error", summary: "Unknown zone", message: (zone: string, stack: string, known: string) => `Zone '${zone}' is not defined in stack '${stack}' (it has ${known}).` },
  BP317: { severity: "warning", summary: "Expired set item", message: (value: string, date: string) => `Set item '${value}' expired on ${date}; it is left out of the compiled rules.` },
  BP318: { severity: "error", summary: "Expression syntax", message: (detail: string) => `Invalid expression: ${detail}` },
  BP319: { severity: "error", summary: "Expression type", message: (detail: string) => `Invalid expression: ${detail}` },
  BP320: { severity: "error", summary: "Condition form", message: (rule: string) => `Rule '${rule}' needs exactly one of 'when' or 'expression'.` },
  BP321: { severity: "error", summary: "Skip options on a non-skip rule", message: (action: string) => `'skip' options only apply to action 'skip', not '${action}'.` },
  BP322: { severity: "warning", summary: "Duplicate set item", message: (value: string, set: string) => `Set '${set}' lists '${value}' more than once.` },
  BP323: { severity: "error", summary: "Invalid ASN", message: (value: string) => `Invalid AS number '${value}': expected an integer from 1 to 4294967295.` },
  BP324: { severity: "error", summary: "Invalid country", message: (value: string) => `Invalid country code '${value}': expected two uppercase letters (ISO 3166-1 alpha-2).` },
  BP325: { severity: "error", summary: "Empty condition", message: (where: string) => `${where} is empty; it would match every request.` },
  BP326: { severity: "error", summary: "Invalid regular expression", message: (value: string, detail: string) => `Invalid regular expression '${value}': ${detail}.` },
  BP327: { severity: "warning", summary: "Unused set", message: (name: string) => `Set '$${name}' is never used.` },
  BP328: { severity: "error", summary: "Operator does not fit", message: (op: string, field: string) => `Operator '${op}' cannot be used with field '${field}'.` },

  // BP4xx — compiling for Cloudflare
  BP401: {
    severity: "error",
    summary: "Custom rule quota",
    message: (zone: string, used: number, limit: number, tier: string) =>
      `Zone '${zone}' needs ${used} custom rules; the ${tier} plan allows ${limit}.`,
  },
  BP402: {
    severity: "error",
    summary: "Transform rule quota",
    message: (zone: string, used: number, limit: number, tier: string) =>
      `Zone '${zone}' needs ${used} transform rules; the ${tier} plan allows ${limit}.`,
  },
  BP403: { severity: "error", summary: "Plan feature", message: (feature: string, zone: string, tier: string) => `${feature} is not available on zone '${zone}' (plan '${tier}').` },
  BP404: { severity: "error", summary: "Expression too long", message: (length: number) => `The compiled expression is ${length} characters; Cloudflare allows 4096 and this one cannot be split.` },
  BP405: { severity: "warning", summary: "Zone without policies", message: (zone: string) => `Zone '${zone}' has no policies; its rulesets will be empty.` },
  BP406: { severity: "error", summary: "Duplicate origin header", message: (name: string, other: string) => `Origin header '${name}' is also set by policy '${other}' in the same zone.` },

  // BP5xx — tests and traffic
  BP501: { severity: "error", summary: "Test failed", message: (name: string, detail: string) => `Test '${name}' failed: ${detail}.` },
  BP502: { severity: "error", summary: "Test target", message: (detail: string) => `${detail}` },
  BP503: { severity: "error", summary: "Invalid request", message: (detail: string) => `Invalid request: ${detail}.` },
} as const satisfies Record<string, { severity: Severity; summary: string; message: (...args: never[]) => string }>;

/** A code from the catalog. */
export type DiagnosticCode = keyof typeof catalog;

type MessageArgs<C extends DiagnosticCode> = Parameters<(typeof catalog)[C]["message"]>;

/** Where a diagnostic points: a source position and, optionally, how wide the marker is. */
export type Location = SourceRef & { length?: number };

/** Builds a diagnostic from the catalog: the code decides the severity and the message's form. */
export function makeDiagnostic<C extends DiagnosticCode>(code: C, at: Location, ...args: MessageArgs<C>): Diagnostic {
  const entry = catalog[code];
  const message = (entry.message as (...a: MessageArgs<C>) => string)(...args);
  const result: Diagnostic = { code, severity: entry.severity, message, file: at.file, line: at.line, column: at.column };
  if (at.length !== undefined) result.length = at.length;
  return result;
}

/** Returns the diagnostic with a hint line added. */
export function withHint(diagnostic: Diagnostic, hint: string | undefined): Diagnostic {
  return hint === undefined ? diagnostic : { ...diagnostic, hint };
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
