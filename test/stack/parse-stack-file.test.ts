import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatPretty } from "../../src/diagnostics/format-diagnostics.js";
import { parseYaml } from "../../src/load/parse-yaml.js";
import { loadStackFile } from "../../src/stack/load-stack-file.js";
import { parseStackConfig } from "../../src/stack/parse-stack-config.js";
import { parseStackFile, stackKeyLocator } from "../../src/stack/parse-stack-file.js";

const valid = [
  "config:",
  '  bot-policy:accountId: "0123456789abcdef0123456789abcdef"',
  "  bot-policy:zones:",
  "    shop:",
  '      zoneId: "00000000000000000000000000000d01"',
  "      plan: enterprise",
  "",
].join("\n");

describe("parseStackFile", () => {
  it("validates a stack from its text, without the disk", () => {
    expect(parseStackFile("acme/bot-policy/dev", valid)).toEqual({
      config: { name: "dev", accountId: "0123456789abcdef0123456789abcdef", zones: [{ key: "shop", zoneId: "00000000000000000000000000000d01", plan: "enterprise", routes: [] }] },
      diagnostics: [],
    });
  });

  it("says to quote an all-digit zone id, at its line, with the source line under it", () => {
    const text = valid.replace('"00000000000000000000000000000d01"', "00000000000000000000000000000001");
    const { diagnostics } = parseStackFile("dev", text);
    expect(formatPretty(diagnostics, new Map([["Pulumi.dev.yaml", text]]))).toBe(
      [
        "Pulumi.dev.yaml:5:7 - error BP163: Stack 'dev' zone 'shop' has a zoneId that YAML reads as a number, not as text: quote it.",
        "",
        "5       zoneId: 00000000000000000000000000000001",
        "        ~~~~~~",
        `hint: write zoneId: "…" with the id's 32 characters in quotes; unquoted, YAML and Pulumi read an id of digits as a number and drop leading zeros or digits`,
        "",
        "Found 1 error and 0 warnings.",
        "",
      ].join("\n"),
    );
  });

  it("explains a second YAML document in terms of Pulumi, at its '---'", () => {
    const { diagnostics } = parseStackFile("dev", `${valid}---\nconfig: {}\n`);
    expect(diagnostics).toEqual([
      {
        code: "BP160",
        severity: "error",
        message: "Stack file 'Pulumi.dev.yaml' starts a second YAML document here; Pulumi reads a stack file as one document.",
        file: "Pulumi.dev.yaml",
        line: 7,
        column: 1,
        length: 3,
        hint: "remove this '---' and what follows it, or move those keys under the first 'config:'",
      },
    ]);
  });

  it("is not shifted by a byte order mark", () => {
    const text = `\uFEFF${valid.replace("plan: enterprise", "plan: gold")}`;
    expect(parseStackFile("dev", text).diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(["BP158 6:7"]);
    expect(parseStackFile("dev", "\uFEFFconfig: [a]\n").diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(["BP151 1:1"]);
  });

  it("reads an empty file as a config without keys", () => {
    expect(parseStackFile("dev", "# nothing yet\n").diagnostics.map((d) => d.code)).toEqual(["BP152", "BP152"]);
  });

  it("lets a caller with config from elsewhere (the Pulumi program) place diagnostics in the file's text", () => {
    const { source } = parseYaml("Pulumi.dev.yaml", valid.replace("plan: enterprise", "plan: gold"));
    const raw = { accountId: "0123456789abcdef0123456789abcdef", zones: { shop: { zoneId: "00000000000000000000000000000d01", plan: "gold" } } };
    const result = parseStackConfig("dev", raw, "Pulumi.dev.yaml", stackKeyLocator(source!));
    expect(result.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`)).toEqual(["BP158 6:7"]);
  });
});

describe("loadStackFile on a stack file that is not a file", () => {
  it("reports a folder without reading it", () => {
    const dir = mkdtempSync(join(tmpdir(), "bot-policy-stack-"));
    try {
      mkdirSync(join(dir, "Pulumi.dev.yaml"));
      expect(loadStackFile(dir, "dev").diagnostics).toEqual([
        { code: "BP151", severity: "error", message: "Stack file 'Pulumi.dev.yaml' cannot be read: it is not a regular file.", file: "Pulumi.dev.yaml", line: 1, column: 1 },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
