/*
 * The parts of `request.cf` the Worker reads, typed by the project: `@cloudflare/workers-types`
 * lacks `ja4`, `ja4Signals`, `jsDetection` and `verifiedBotCategory` (PLATFORM.md §1). Every
 * member is optional and read defensively: Bot Management may be off, skipped, or partial.
 */

/** `request.cf.botManagement` on Enterprise with Bot Management. */
export interface BotManagementCf {
  score?: number;
  verifiedBot?: boolean;
  staticResource?: boolean;
  corporateProxy?: boolean;
  jsDetection?: { passed?: boolean };
  detectionIds?: number[];
  ja3Hash?: string;
  ja4?: string;
  /** JA4 Signals (seed 000): ratios, quantiles and ranks by key; `{}` when Cloudflare has none. */
  ja4Signals?: Record<string, number>;
}

/** The `request.cf` members bot-policy reads. */
export interface RequestCf {
  botManagement?: BotManagementCf;
  verifiedBotCategory?: string;
  asn?: number;
  country?: string;
}
