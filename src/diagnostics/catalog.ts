import type { Diagnostic, Severity, SourceRef } from "./diagnostic.js";

/**
 * Every diagnostic bot-policy reports, by stable code. Ranges: BP1xx load, BP2xx schema,
 * BP3xx semantics, BP4xx compile and Cloudflare limits, BP5xx tests, BP6xx guards. A code is never reused:
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
  BP109: {
    severity: "error",
    summary: "Undefined YAML alias",
    message: (name: string) => `Alias '*${name}' refers to no anchor: define '&${name}' before it is used.`,
  },
  BP110: { severity: "error", summary: "Key is not a name", message: (what: string) => `A map key must be a name, not ${what}.` },
  BP111: {
    severity: "error",
    summary: "YAML nested too deep",
    message: (limit: number) => `The YAML nests lists and maps more than ${limit} levels deep; bot-policy refuses to read it.`,
  },
  BP112: {
    severity: "warning",
    summary: "Special file skipped",
    message: (kind: string) => `This is ${kind}, not a regular file; it is skipped and never opened.`,
  },
  BP113: {
    severity: "warning",
    summary: "Sub-folder not read",
    message: (folder: string) => `Folder '${folder}' holds YAML files that are not read: policies and tests must be directly in 'policies/'.`,
  },
  BP114: {
    severity: "warning",
    summary: "File name not read",
    message: (name: string) => `'${name}' is not read: policy and test files end in '.yaml' or '.yml', in lowercase.`,
  },
  BP115: {
    severity: "error",
    summary: "Lone carriage return",
    message: () => `A carriage return (CR) without a line feed is not a line break bot-policy reads: save the file with LF or CRLF line endings.`,
  },
  BP130: {
    severity: "error",
    summary: "Ill-formed Unicode string",
    message: (what: string, codeUnit: string, index: number) =>
      `This ${what} holds a lone surrogate ${codeUnit} at character ${index}: strings must be well-formed Unicode, and Cloudflare would receive U+FFFD instead.`,
  },

  // BP15x, BP16x — stack configuration (Pulumi.<stack>.yaml); the message names the stack and key.
  BP150: {
    severity: "error",
    summary: "Stack file missing",
    message: (file: string, available: string) => `Stack file '${file}' does not exist: ${available}.`,
  },
  BP151: { severity: "error", summary: "Stack file unreadable", message: (file: string, problem: string) => `Stack file '${file}' ${problem}.` },
  BP152: {
    severity: "error",
    summary: "Stack key missing",
    message: (owner: string, kind: "config key" | "key", key: string) => `${owner} is missing the required ${kind} '${key}'.`,
  },
  BP153: {
    severity: "error",
    summary: "Stack key unknown",
    message: (owner: string, kind: "config key" | "key", key: string) => `${owner} has an unknown ${kind} '${key}'.`,
  },
  BP154: {
    severity: "error",
    summary: "Invalid account id",
    message: (stack: string, value: string) => `Stack '${stack}' has an invalid accountId ${value}: expected 32 lowercase hex characters.`,
  },
  BP155: {
    severity: "error",
    summary: "Invalid stack mode",
    message: (stack: string, value: string) => `Stack '${stack}' has an invalid mode ${value}: expected 'enforce' or 'observe'.`,
  },
  BP156: {
    severity: "error",
    summary: "Invalid zones",
    message: (subject: string, problem: string, expected: string) => `${subject} ${problem}: expected ${expected}.`,
  },
  BP157: {
    severity: "error",
    summary: "Invalid zone id",
    message: (owner: string, value: string) => `${owner} has an invalid zoneId ${value}: expected 32 lowercase hex characters.`,
  },
  BP158: {
    severity: "error",
    summary: "Invalid zone plan",
    message: (owner: string, value: string) => `${owner} has an invalid plan ${value}: expected 'free', 'pro', 'business' or 'enterprise'.`,
  },
  BP159: { severity: "error", summary: "Invalid routes", message: (owner: string, problem: string) => `${owner} ${problem}.` },
  BP160: {
    severity: "error",
    summary: "Several documents in a stack file",
    message: (file: string) => `Stack file '${file}' starts a second YAML document here; Pulumi reads a stack file as one document.`,
  },
  BP161: {
    severity: "error",
    summary: "Secret where a plain value is needed",
    message: (stack: string, what: string) => `Stack '${stack}' ${what} holds a secure value: only 'riskIntelligenceApiKey' may be a secret.`,
  },
  BP162: {
    severity: "error",
    summary: "Zone owned twice",
    message: (stack: string, first: string, second: string, zoneId: string) =>
      `Stack '${stack}' zones '${first}' and '${second}' share the zoneId '${zoneId}': a zone can be owned by one zone key only.`,
  },
  BP163: {
    severity: "error",
    summary: "Id read as a number",
    message: (owner: string, key: string) => `${owner} has ${/^[aeiou]/i.test(key) ? "an" : "a"} ${key} that YAML reads as a number, not as text: quote it.`,
  },
  BP170: {
    severity: "error",
    summary: "Zone owned by two stacks",
    message: (zoneId: string, owner: string, others: string) =>
      `Zone id '${zoneId}' of ${owner} is also deployed by ${others}: Cloudflare allows one entry-point ruleset per zone and phase, so two stacks cannot own one zone.`,
  },
  BP171: { severity: "error", summary: "Invalid adopt setting", message: (stack: string, problem: string) => `${stack} ${problem}.` },
  BP172: {
    severity: "error",
    summary: "Invalid lists setting",
    message: (stack: string, value: string) => `${stack} has an invalid lists setting ${value}: expected a map of list names to kinds (ip, hostname, asn, redirect).`,
  },
  BP173: {
    severity: "error",
    summary: "Invalid list name",
    message: (stack: string, name: string, reason: string) => `${stack} declares the list '${name}', which Cloudflare cannot name: ${reason}.`,
  },
  BP174: {
    severity: "error",
    summary: "Invalid list kind",
    message: (stack: string, name: string, kind: string) => `${stack} declares the list '${name}' with kind ${kind}: expected ip, hostname, asn or redirect.`,
  },

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
  BP307: { severity: "error", summary: "Invalid IP", message: (value: string, reason: string) => `Invalid IP address or CIDR '${value}': ${reason}.` },
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
  BP329: {
    severity: "warning",
    summary: "Set without items in force",
    message: (set: string, rule: string, effect: string) => `Every item of set '$${set}' has expired, so rule '${rule}' ${effect}.`,
  },
  BP330: {
    severity: "warning",
    summary: "Rule matches every request",
    message: (set: string, rule: string) =>
      `Every item of set '$${set}' has expired, so rule '${rule}' now matches every request (membership in an empty set is false, and this rule negates it).`,
  },
  BP331: {
    severity: "error",
    summary: "Set item does not fit the field",
    message: (value: string, set: string, field: string, rule: string, reason: string) =>
      `Item '${value}' of set '$${set}' cannot match field '${field}' in rule '${rule}': ${reason}.`,
  },
  BP332: {
    severity: "error",
    summary: "Integer too large",
    message: (value: string) => `The integer ${value} is beyond 2^53-1 in magnitude, so it cannot be held exactly and would be rounded.`,
  },
  BP333: {
    severity: "error",
    summary: "Condition nests too deep",
    message: (depth: number, limit: number) => `This condition nests at least ${depth} levels deep; Cloudflare's engine allows ${limit}.`,
  },
  BP334: { severity: "error", summary: "Invalid method", message: (value: string, reason: string) => `Invalid HTTP method '${value}': ${reason}.` },
  BP335: {
    severity: "error",
    summary: "Origin header value",
    message: (name: string, field: string, reason: string) => `Origin header '${name}' cannot carry '${field}': ${reason}.`,
  },
  BP336: { severity: "warning", summary: "Policy without rules", message: (policy: string) => `Policy '${policy}' has no rules; it only declares sets or headers.` },
  BP337: { severity: "error", summary: "Undeclared list", message: (detail: string) => detail },
  BP338: { severity: "error", summary: "Unknown managed list", message: (detail: string) => detail },
  BP339: { severity: "error", summary: "List kind does not fit the field", message: (detail: string) => detail },
  BP340: { severity: "error", summary: "Redirect list in an expression", message: (detail: string) => detail },
  BP341: { severity: "error", summary: "List in a worker rule", message: (detail: string) => detail },
  BP342: {
    severity: "error",
    summary: "Skip the Worker cannot re-check",
    message: (rule: string, list: string, zone: string) =>
      `Skip rule '${rule}' tests list '$${list}', but zone '${zone}' runs worker rules, which re-check every edge skip in the Worker, and the Worker cannot see a list's contents.`,
  },

  BP380: { severity: "warning", summary: "Deprecated field", message: (detail: string) => detail },
  BP381: { severity: "error", summary: "Field absent in the Worker", message: (detail: string) => detail },
  BP382: { severity: "warning", summary: "Comparison that never matches", message: (detail: string) => `This part of the expression never matches: ${detail}` },

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
  BP430: {
    severity: "error",
    summary: "Risk Intelligence key missing",
    message: (zone: string, stack: string) => `Zone '${zone}' reads Risk Intelligence, but stack '${stack}' has no 'bot-policy:riskIntelligenceApiKey'.`,
  },

  // BP5xx — tests and traffic
  BP501: { severity: "error", summary: "Test failed", message: (name: string, detail: string) => `Test '${name}' failed: ${detail}.` },
  BP502: { severity: "error", summary: "Test target", message: (detail: string) => `${detail}` },
  BP503: { severity: "error", summary: "Invalid request", message: (detail: string) => `Invalid request: ${detail}.` },
  BP504: {
    severity: "warning",
    summary: "Test decided on an unseen list",
    message: (name: string, lists: string) =>
      `Test '${name}' was decided as if the request were in none of ${lists}: tests cannot see a list's contents, and membership would change this decision.`,
  },  BP530: { severity: "warning", summary: "Malformed traffic line", message: (reason: string) => `This line cannot be replayed: ${reason}.` },
  // BP55x, BP56x — import and adopted rules (`ref:`).
  BP550: {
    severity: "error",
    summary: "Duplicate rule ref",
    message: (ref: string, zone: string, other: string) => `Ref '${ref}' is already used in zone '${zone}' by rule '${other}': a ref names one rule of a zone.`,
  },
  BP551: {
    severity: "error",
    summary: "Ref on a worker rule",
    message: (rule: string) => `Rule '${rule}' runs in the Worker, not in a Cloudflare ruleset, so it has no Cloudflare ref to keep.`,
  },
  BP552: { severity: "error", summary: "Rule that cannot be imported", message: (detail: string) => `Cannot import: ${detail}.` },
  BP553: {
    severity: "error",
    summary: "Logging on a rule that is not skip",
    message: (action: string) => `'logging' applies to skip rules only (Cloudflare logs every '${action}' match); remove it.`,
  },
  // BP560–BP569 — Cloudflare's own check of the compiled rulesets (`verify`, a dry run).
  BP560: {
    severity: "error",
    summary: "Ruleset rejected by Cloudflare",
    message: (phase: string, zone: string, code: string, detail: string, rule?: string) =>
      `Cloudflare rejects the '${phase}' ruleset of zone '${zone}'${rule === undefined ? "" : ` at rule '${rule}'`} (error ${code}): ${detail}`,
  },
  BP561: {
    severity: "error",
    summary: "Ruleset not verified",
    message: (phase: string, zone: string, reason: string) => `The '${phase}' ruleset of zone '${zone}' could not be verified: ${reason}.`,
  },
  BP562: {
    severity: "warning",
    summary: "Cloudflare message",
    message: (phase: string, zone: string, code: string, detail: string, rule?: string) =>
      `Cloudflare accepts the '${phase}' ruleset of zone '${zone}' with a message${rule === undefined ? "" : ` on rule '${rule}'`} (${code}): ${detail}`,
  },

  // BP6xx — guards: findings beyond validity (src/guards). BP601–BP606 and BP614 are guards: their level is set
  // per code in Pulumi.yaml (`bot-policy:guards`) and a rule may suppress them with a reason; the
  // severity here is the default level (warning = advisory, error = mandatory). BP607+ are not.
  BP601: {
    severity: "warning",
    summary: "Unreachable rule",
    message: (rule: string, by: string) => `Rule '${rule}' is unreachable: every request it matches is decided first by rule '${by}'.`,
  },
  BP602: {
    severity: "error",
    summary: "Terminating rule matches every request",
    message: (rule: string, action: string) => `Rule '${rule}' applies '${action}' to every request: its condition is always true.`,
  },
  BP603: {
    severity: "warning",
    summary: "Terminating rule can match verified bots",
    message: (rule: string, action: string) =>
      `Rule '${rule}' (${action}) can match verified bots such as search engine crawlers: its condition does not require 'verified_bot: false' and no earlier rule skips verified bots.`,
  },
  BP604: {
    severity: "warning",
    summary: "Fingerprint allow rule",
    message: (rule: string, field: string) => `Rule '${rule}' skips requests by their TLS fingerprint ('${field}'), which any client can imitate.`,
  },
  BP605: {
    severity: "warning",
    summary: "Set item expires soon",
    message: (value: string, set: string, date: string, days: number, rule: string) =>
      `Item '${value}' of set '$${set}' expires on ${date} (in ${days} ${days === 1 ? "day" : "days"}); rule '${rule}' stops matching it then.`,
  },
  BP606: {
    severity: "error",
    summary: "Protected request blocked",
    message: (name: string, decision: string, rule: string, zone: string) => `Protected request '${name}' would get '${decision}' from rule '${rule}' in zone '${zone}'.`,
  },
  BP607: { severity: "error", summary: "Invalid protected request", message: (name: string, detail: string) => `Protected request '${name}' is invalid: ${detail}.` },
  BP608: { severity: "error", summary: "Suppression without a reason", message: (code: string, rule: string) => `The suppression of ${code} on rule '${rule}' gives no reason.` },
  BP609: { severity: "error", summary: "Suppression of a code that is not a guard", message: (code: string, guards: string) => `'${code}' is not a guard and cannot be suppressed; guards are ${guards}.` },
  BP610: { severity: "warning", summary: "Suppression that suppresses nothing", message: (code: string, rule: string) => `Rule '${rule}' suppresses ${code}, but ${code} reports nothing about it.` },
  BP611: { severity: "error", summary: "Invalid guard settings", message: (problem: string) => `'bot-policy:guards' in Pulumi.yaml ${problem}.` },
  BP612: { severity: "error", summary: "Unknown guard code", message: (code: string, guards: string) => `'${code}' is not a guard code; guards are ${guards}.` },
  BP613: {
    severity: "error",
    summary: "Unknown guard level",
    message: (code: string, level: string) => `Guard ${code} has an unknown level '${level}': expected 'advisory', 'mandatory' or 'disabled'.`,
  },  BP614: {
    severity: "warning",
    summary: "Protected request blocked by a list",
    message: (name: string, decision: string, rule: string, zone: string, lists: string) =>
      `Protected request '${name}' would get '${decision}' from rule '${rule}' in zone '${zone}' if it were in ${lists}, whose contents bot-policy cannot see.`,
  },

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

/** Drops repeats: one diagnostic per code, place and text (a check run per zone or per path may find one twice). */
export function uniqueDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code} ${d.file}:${d.line}:${d.column} ${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
