import type { ListKind } from "../rules/cloudflare-lists.js";

/** Cloudflare zone plans, which decide quotas and which features a rule may use. */
export type ZoneTier = "free" | "pro" | "business" | "enterprise";

/** Policy enforcement mode: observe turns terminating actions into `log`. */
export type Mode = "enforce" | "observe";

/** One zone of a stack: the key policies use in `zones:`, mapped to a real zone. */
export interface StackZone {
  key: string;
  zoneId: string;
  plan: ZoneTier;
  routes: string[];
}

/** A stack's (environment's) configuration, from `Pulumi.<stack>.yaml` or Pulumi config. */
export interface StackConfig {
  name: string;
  accountId: string;
  /** `observe` forces every policy of the stack to observe (DESIGN.md); `enforce` leaves each policy its own mode. */
  mode?: Mode;
  zones: StackZone[];
  /**
   * Zone key → id of an entry-point ruleset (`http_request_firewall_custom`) that already exists
   * and that this stack takes over through Pulumi's `import` resource option (`bot-policy:adopt`).
   */
  adopt?: Record<string, string>;
  /**
   * The account's custom lists raw expressions may test (`ip.src in $office_ips`), name → kind
   * (`bot-policy:lists`): their contents live in Cloudflare, not here.
   */
  lists?: Record<string, ListKind>;
}
