import { describe, expect, it } from "vitest";
import { formatPretty } from "../../src/diagnostics/format-diagnostics.js";
import { knownLists } from "../../src/stack/known-lists.js";
import { parseStackConfig } from "../../src/stack/parse-stack-config.js";
import { parseStackFile } from "../../src/stack/parse-stack-file.js";

const stack = (lists: string): string =>
  [
    "config:",
    '  bot-policy:accountId: "0123456789abcdef0123456789abcdef"',
    "  bot-policy:zones:",
    '    shop: { zoneId: "00000000000000000000000000000d01", plan: enterprise }',
    `  bot-policy:lists: ${lists}`,
    "",
  ].join("\n");

describe("bot-policy:lists in a stack file", () => {
  it("declares custom lists by name and kind", () => {
    const { config, diagnostics } = parseStackFile("dev", stack("{ office_ips: ip, partner_asns: asn, shops: hostname, moved: redirect }"));
    expect(diagnostics).toEqual([]);
    expect(config?.lists).toEqual({ office_ips: "ip", partner_asns: "asn", shops: "hostname", moved: "redirect" });
  });

  it("leaves lists out of a config that declares none", () => {
    expect(parseStackFile("dev", stack("{}")).config).not.toHaveProperty("lists");
  });

  it("refuses a name Cloudflare cannot give a list, at the name, with the name it could have", () => {
    const text = stack("{ office-ips: ip }");
    const { config, diagnostics } = parseStackFile("dev", text);
    expect(config).toBeUndefined();
    expect(formatPretty(diagnostics, new Map([["Pulumi.dev.yaml", text]]))).toBe(
      [
        "Pulumi.dev.yaml:5:23 - error BP173: Stack 'dev' declares the list 'office-ips', which Cloudflare cannot name: only lowercase letters, digits and '_' are allowed.",
        "",
        "5   bot-policy:lists: { office-ips: ip }",
        "                        ~~~~~~~~~~",
        "hint: name the list 'office_ips' in Cloudflare and here",
        "",
        "Found 1 error and 0 warnings.",
        "",
      ].join("\n"),
    );
  });

  it("says a managed list needs no declaration, and that a name is too long", () => {
    const long = "a".repeat(51);
    const { diagnostics } = parseStackFile("dev", stack(`{ cf.vpn: ip, ${long}: ip }`));
    expect(diagnostics.map((d) => [d.code, d.line, d.column, d.hint])).toEqual([
      ["BP173", 5, 23, "Cloudflare's managed lists ($cf.open_proxies, $cf.vpn, …) need no declaration: use them in an expression as they are"],
      ["BP173", 5, 35, "name the list '" + "a".repeat(50) + "' in Cloudflare and here"],
    ]);
    expect(diagnostics[1]?.message).toContain("it is 51 characters long; Cloudflare allows 50");
  });

  it("refuses an unknown kind with did-you-mean, and a value that is not a map", () => {
    const kind = parseStackFile("dev", stack("{ shops: hostnames, asns: 5 }")).diagnostics;
    expect(kind.map((d) => [d.code, d.line, d.column, d.message, d.hint])).toEqual([
      ["BP174", 5, 23, "Stack 'dev' declares the list 'shops' with kind 'hostnames': expected ip, hostname, asn or redirect.", "did you mean 'hostname'?"],
      ["BP174", 5, 41, "Stack 'dev' declares the list 'asns' with kind '5': expected ip, hostname, asn or redirect.", undefined],
    ]);
    const notMap = parseStackFile("dev", stack("[office_ips]")).diagnostics;
    expect(notMap.map((d) => [d.code, d.line, d.column])).toEqual([["BP172", 5, 3]]);
  });

  it("reads lists from Pulumi config too, where keys come without the namespace", () => {
    const config = { accountId: "0123456789abcdef0123456789abcdef", zones: { shop: { zoneId: "00000000000000000000000000000d01", plan: "enterprise" } }, lists: { office_ips: "ip" } };
    expect(parseStackConfig("dev", config).config?.lists).toEqual({ office_ips: "ip" });
  });
});

describe("knownLists", () => {
  const files = new Map([
    ["Pulumi.dev.yaml", stack("{ office_ips: ip, partners: asn }")],
    ["Pulumi.prod.yaml", stack("{ office_ips: ip, partners: ip }")],
    // Invalid for another reason (no zones), but its well-formed lists still count, and its bad one is told.
    ["Pulumi.qa.yaml", 'config:\n  bot-policy:accountId: "0123456789abcdef0123456789abcdef"\n  bot-policy:lists: { qa_ips: ip, bad-name: ip }\n'],
  ]);

  it("without a stack, is every stack's lists, each with the stacks and kinds that declare it", () => {
    const { lists, diagnostics } = knownLists(files);
    expect(lists.stack).toBeUndefined();
    expect(lists.stacks).toEqual(["dev", "prod", "qa"]);
    expect(Object.fromEntries(lists.declared)).toEqual({
      office_ips: [{ stack: "dev", kind: "ip" }, { stack: "prod", kind: "ip" }],
      partners: [{ stack: "dev", kind: "asn" }, { stack: "prod", kind: "ip" }],
      qa_ips: [{ stack: "qa", kind: "ip" }],
    });
    expect(diagnostics.map((d) => [d.file, d.code, d.line])).toEqual([["Pulumi.qa.yaml", "BP173", 3]]);
  });

  it("with a stack, is that stack's lists only", () => {
    const dev = parseStackFile("dev", files.get("Pulumi.dev.yaml")!).config!;
    const { lists, diagnostics } = knownLists(files, dev);
    expect(lists.stack).toBe("dev");
    expect([...lists.declared.keys()]).toEqual(["office_ips", "partners"]);
    expect(diagnostics).toEqual([]);
  });
});
