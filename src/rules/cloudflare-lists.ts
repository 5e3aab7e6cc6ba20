/**
 * Cloudflare's lists as the Rules language names them (`ip.src in $office_ips`): account custom
 * lists, which a stack declares with their kind (`bot-policy:lists`), and Cloudflare's managed
 * lists, which every account knows by name.
 *
 * Sources (Cloudflare documentation, waf/tools/lists): "Lists" (list names: `^[a-z0-9_]+$`, at most
 * 50 characters), "Custom lists" (which field each kind goes with: IP lists with fields of type IP
 * address, hostname lists with `http.host`, ASN lists with `ip.src.asnum`), "List JSON object"
 * (kinds `ip`, `hostname`, `asn`, `redirect`; redirect lists serve Bulk Redirects) and "Managed
 * Lists" (the Managed IP Lists below).
 */

/** The kind of a custom list (the Lists API's `kind`). */
export type ListKind = "ip" | "asn" | "hostname" | "redirect";

/** Every custom list kind, in the Lists API's order. */
export const LIST_KINDS: readonly ListKind[] = ["ip", "hostname", "asn", "redirect"];

/** What a list of each kind holds, for messages. */
export const LIST_KIND_ITEMS: Readonly<Record<ListKind, string>> = {
  ip: "IP addresses",
  hostname: "hostnames",
  asn: "ASNs",
  redirect: "URL redirects",
};

/** Cloudflare's longest list name. */
export const MAX_LIST_NAME_LENGTH = 50;

const LIST_NAME = /^[a-z0-9_]+$/;

/**
 * Cloudflare's Managed IP Lists, by their name in expressions (without `$`), each with its display
 * name. Source: Cloudflare documentation, "Managed Lists" (waf/tools/lists/managed-lists), table
 * "Managed IP Lists". All of them hold IP addresses.
 */
export const MANAGED_LISTS: ReadonlyMap<string, { kind: "ip"; title: string }> = new Map([
  ["cf.open_proxies", { kind: "ip", title: "Cloudflare Open Proxies" }],
  ["cf.anonymizer", { kind: "ip", title: "Cloudflare Anonymizers" }],
  ["cf.vpn", { kind: "ip", title: "Cloudflare VPNs" }],
  ["cf.malware", { kind: "ip", title: "Cloudflare Malware" }],
  ["cf.botnetcc", { kind: "ip", title: "Cloudflare Botnets, Command and Control Servers" }],
]);

/** True for a name in the managed lists' namespace (`cf.…`), known or not. */
export function isManagedListName(name: string): boolean {
  return name.startsWith("cf.");
}

/** Why a custom list name is not one Cloudflare accepts, or `undefined` when it is. */
export function listNameProblem(name: string): string | undefined {
  if (name.length === 0) return "it is empty";
  if (name.length > MAX_LIST_NAME_LENGTH) return `it is ${name.length} characters long; Cloudflare allows ${MAX_LIST_NAME_LENGTH}`;
  if (!LIST_NAME.test(name)) return "only lowercase letters, digits and '_' are allowed";
  return undefined;
}

/** The valid list name closest to an invalid one (`office-ips` → `office_ips`), when there is one. */
export function validListName(name: string): string | undefined {
  const fixed = name.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, MAX_LIST_NAME_LENGTH);
  return listNameProblem(fixed) === undefined && /[a-z0-9]/.test(fixed) ? fixed : undefined;
}
