import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The base revision of the fixture project: a shop policy in enforce mode and a watch policy in observe mode. */
export const BASE_FILES: Record<string, string> = {
  "policies/shop.yaml": `version: 1
policy: shop
zones: [shop]
priority: 100
mode: enforce
sets:
  office:
    type: ip
    items: [192.0.2.0/24]
  scraper-ja4:
    type: ja4
    items:
      - t13d880900_fcb5b95cb75a_b0d3b4ac2a14
      - value: t13d190900_9dc949149365_97f8aa674fd9
        expires: 2026-12-10
rules:
  - id: allow-office
    when: { ip: $office }
    action: skip
  - id: block-scrapers
    when: { ja4: $scraper-ja4 }
    action: block
  - id: challenge-search
    when: { path: { starts_with: /search } }
    action: managed_challenge
  - id: block-old-admin
    when: { path: /old-admin }
    action: block
  - id: block-legacy-export
    when: { path: /export.csv }
    action: block
`,
  "policies/watch.yaml": `version: 1
policy: watch
zones: [shop]
priority: 200
mode: observe
rules:
  - id: block-cart-probes
    when: { path: { starts_with: /cart/probe } }
    action: block
`,
  "policies/shop.test.yaml": `version: 1
cases:
  - name: office is skipped
    request: { ip: 192.0.2.10, path: /search }
    expect: { action: skip, rule: shop/allow-office }
  - name: search is challenged
    request: { ip: 198.51.100.1, path: /search }
    expect: block
  - name: the new scraper is blocked
    request: { ja4: t13d1516h2_8daaf6152771_02713d6af862, path: /product }
    expect: block
  - name: cart probes
    request: { path: /cart/probe/1 }
    expect: block
`,
};

/** The head: removes a rule, adds one, changes an action and a condition, adds a set item, switches watch to enforce. */
export const HEAD_FILES: Record<string, string> = {
  ...BASE_FILES,
  "policies/shop.yaml": BASE_FILES["policies/shop.yaml"]!
    .replace("        expires: 2026-12-10\n", "        expires: 2026-12-10\n      - t13d1516h2_8daaf6152771_02713d6af862\n")
    .replace("    when: { path: { starts_with: /search } }\n    action: managed_challenge", "    when: { path: { starts_with: /search } }\n    action: block")
    .replace("  - id: block-old-admin\n    when: { path: /old-admin }\n    action: block\n", "  - id: block-xmlrpc\n    when: { path: /xmlrpc.php }\n    action: block\n")
    .replace("when: { path: /export.csv }", "when: { path: [/export.csv, /export.json] }"),
  "policies/watch.yaml": BASE_FILES["policies/watch.yaml"]!.replace("mode: observe", "mode: enforce"),
};

/** Traffic in the test-request shape, one request per line. */
export const TRAFFIC = [
  { ip: "192.0.2.10", path: "/search" },
  { ip: "198.51.100.1", path: "/search" },
  { ip: "198.51.100.2", path: "/search" },
  { ip: "198.51.100.3", path: "/old-admin" },
  { ip: "198.51.100.4", path: "/xmlrpc.php" },
  { ip: "198.51.100.5", path: "/cart/probe/7" },
  { ip: "198.51.100.6", path: "/product", ja4: "t13d1516h2_8daaf6152771_02713d6af862" },
  { ip: "198.51.100.7", path: "/product", ja4: "t13d880900_fcb5b95cb75a_b0d3b4ac2a14" },
  { ip: "198.51.100.8", path: "/" },
]
  .map((r) => JSON.stringify(r))
  .concat(["{not json"])
  .join("\n");

/** Runs git in `dir`; throws with git's message when it fails. */
export function git(dir: string, ...args: string[]): string {
  const run = spawnSync("git", ["-C", dir, "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`git ${args.join(" ")}: ${run.stderr}`);
  return run.stdout;
}

/** Writes `files` into `dir` (replacing the policies folder) and commits them with `message`. */
export function commitFiles(dir: string, files: Record<string, string>, message: string): void {
  rmSync(join(dir, "policies"), { recursive: true, force: true });
  mkdirSync(join(dir, "policies"));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", message);
}

/** A git repository with the base commit (tag `base`) and the head commit (tag `head`), and a traffic file beside it. */
export function makeReviewRepo(head: Record<string, string> = HEAD_FILES): { dir: string; traffic: string } {
  const dir = mkdtempSync(join(tmpdir(), "bot-policy-review-"));
  git(dir, "init", "-q", "-b", "main");
  commitFiles(dir, BASE_FILES, "base");
  git(dir, "tag", "base");
  commitFiles(dir, head, "head");
  git(dir, "tag", "head");
  const traffic = join(mkdtempSync(join(tmpdir(), "bot-policy-traffic-")), "traffic.ndjson");
  writeFileSync(traffic, `${TRAFFIC}\n`);
  return { dir, traffic };
}
