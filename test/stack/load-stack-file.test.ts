import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listStacks, loadStackFile } from "../../src/stack/load-stack-file.js";

const repoRoot = join(import.meta.dirname, "..", "..");

describe("the committed stack files", () => {
  it("lists dev and prod", () => {
    expect(listStacks(repoRoot)).toEqual(expect.arrayContaining(["dev", "prod"]));
  });

  it.each([
    ["dev", "observe", "shop-dev.example.com/*", "api-dev.example.com/*"],
    ["prod", "enforce", "shop.example.com/*", "api.example.com/*"],
  ])("loads %s cleanly", (stack, mode, shopRoute, apiRoute) => {
    const result = loadStackFile(repoRoot, stack);
    expect(result.diagnostics).toEqual([]);
    expect(result.config).toMatchObject({
      name: stack,
      accountId: "0123456789abcdef0123456789abcdef",
      mode,
      zones: [
        { key: "shop", plan: "enterprise", routes: [shopRoute] },
        { key: "api", plan: "enterprise", routes: [apiRoute] },
      ],
    });
  });

  it("gives dev and prod different zones, so the stacks never own the same zone", () => {
    const ids = (stack: string) => loadStackFile(repoRoot, stack).config?.zones.map((zone) => zone.zoneId) ?? [];
    const dev = ids("dev");
    expect(dev).toHaveLength(2);
    expect(ids("prod").filter((id) => dev.includes(id))).toEqual([]);
  });
});

describe("loadStackFile", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "bot-policy-stack-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (stack: string, text: string) => writeFileSync(join(dir, `Pulumi.${stack}.yaml`), text);

  const valid = [
    "config:",
    "  bot-policy:accountId: 0123456789abcdef0123456789abcdef",
    "  bot-policy:mode: observe",
    "  bot-policy:riskIntelligenceApiKey:",
    "    secure: v1:SECRETCIPHERTEXT",
    "  cloudflare:apiToken:",
    "    secure: v1:OTHERSECRET",
    "  bot-policy:zones:",
    "    shop:",
    "      zoneId: 00000000000000000000000000000d01",
    "      plan: enterprise",
    "      routes:",
    "        - shop-dev.example.com/*",
    "",
  ].join("\n");

  it("loads a valid file and ignores secure values", () => {
    write("dev", valid);
    const result = loadStackFile(dir, "dev");
    expect(result.diagnostics).toEqual([]);
    expect(result.config?.zones).toEqual([
      { key: "shop", zoneId: "00000000000000000000000000000d01", plan: "enterprise", routes: ["shop-dev.example.com/*"] },
    ]);
    expect(JSON.stringify(result)).not.toContain("SECRET");
  });

  it("reads Pulumi.dev.yaml for a fully qualified stack name", () => {
    write("dev", valid);
    expect(loadStackFile(dir, "acme/bot-policy/dev").config?.name).toBe("dev");
  });

  it("names the missing file and the available stacks", () => {
    write("dev", valid);
    write("prod", valid);
    expect(loadStackFile(dir, "staging").diagnostics).toEqual([
      {
        code: "BP150",
        severity: "error",
        message: "Stack file 'Pulumi.staging.yaml' does not exist: available stacks are 'dev', 'prod'.",
        file: "Pulumi.staging.yaml",
        line: 1,
        column: 1,
        hint: "create it with 'pulumi stack init' and 'pulumi config set', or pass an existing stack",
      },
    ]);
  });

  it("says when there are no stack files at all, and never reads outside the directory", () => {
    expect(loadStackFile(dir, "dev").diagnostics[0]?.message).toBe(
      "Stack file 'Pulumi.dev.yaml' does not exist: there is no 'Pulumi.<stack>.yaml' file in this directory.",
    );
    expect(loadStackFile(dir, "..").diagnostics[0]?.code).toBe("BP150");
  });

  type Case = [title: string, text: string, code: string, line: number, column: number];
  const cases: Case[] = [
    ["a YAML syntax error, as the policy loader reports it", "config:\n  bot-policy:zones: [\n", "BP101", 3, 1],
    ["a duplicate key, as the policy loader reports it", "config:\n  bot-policy:mode: observe\n  bot-policy:mode: enforce\n", "BP102", 3, 3],
    ["an undefined alias", "config:\n  bot-policy:zones: *zones\n", "BP109", 2, 21],
    ["a second YAML document, at its '---'", "config:\n  bot-policy:mode: observe\n---\nconfig:\n  bot-policy:mode: enforce\n", "BP160", 3, 1],
    ["a config that is a list", "config:\n  - a\n", "BP151", 1, 1],
    ["a file that is a list", "- config\n", "BP151", 1, 1],
    ["a missing accountId, at 'config:'", valid.replace("  bot-policy:accountId: 0123456789abcdef0123456789abcdef\n", ""), "BP152", 1, 1],
    ["an unknown key", valid.replace("bot-policy:mode", "bot-policy:mdoe"), "BP153", 3, 3],
    ["a bad accountId", valid.replace("0123456789abcdef0123456789abcdef", '"0123"'), "BP154", 2, 3],
    ["an accountId YAML reads as a number", valid.replace("0123456789abcdef0123456789abcdef", "0123"), "BP163", 2, 3],
    ["a bad mode", valid.replace("mode: observe", "mode: audit"), "BP155", 3, 3],
    ["a bad zone key", valid.replace("    shop:", "    Shop:"), "BP156", 9, 5],
    ["a bad zoneId", valid.replace("00000000000000000000000000000d01", "abc"), "BP157", 10, 7],
    ["an all-digit zoneId, which YAML reads as a number", valid.replace("00000000000000000000000000000d01", "00000000000000000000000000000001"), "BP163", 10, 7],
    ["a bad plan", valid.replace("plan: enterprise", "plan: gold"), "BP158", 11, 7],
    ["a bad route, at the item", valid.replace("- shop-dev.example.com/*", "- https://shop-dev.example.com/*"), "BP159", 13, 11],
    [
      "a bad zoneId in a flow map",
      "config:\n  bot-policy:accountId: 0123456789abcdef0123456789abcdef\n  bot-policy:zones:\n    shop: { plan: pro, zoneId: 4x2 }\n",
      "BP157",
      4,
      24,
    ],
  ];

  it.each(cases)("reports %s with its code and position", (_title, text, code, line, column) => {
    write("dev", text);
    const result = loadStackFile(dir, "dev");
    expect(result.config).toBeUndefined();
    expect(result.diagnostics.map((d) => ({ code: d.code, file: d.file, line: d.line, column: d.column }))).toEqual([
      { code, file: "Pulumi.dev.yaml", line, column },
    ]);
  });

  it("refuses an alias bomb instead of expanding it", () => {
    const levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`);
    }
    write("dev", `${levels.join("\n")}\nconfig:\n  bot-policy:zones: *i\n`);
    const result = loadStackFile(dir, "dev");
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ code: "BP103", line: 2, column: 8 }),
    ]);
  });

  it("never prints a secure value given where a plain one is needed", () => {
    write("dev", valid.replace("bot-policy:accountId: 0123456789abcdef0123456789abcdef", "bot-policy:accountId:\n    secure: v1:SECRETCIPHERTEXT"));
    const result = loadStackFile(dir, "dev");
    expect(result.diagnostics.map((d) => [d.code, d.line, d.column])).toEqual([["BP161", 2, 3]]);
    expect(JSON.stringify(result.diagnostics)).not.toContain("SECRET");
  });
});
