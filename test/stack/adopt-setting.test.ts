import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../src/stack/parse-stack-config.js";
import { parseStackFile } from "../../src/stack/parse-stack-file.js";

const accountId = "0123456789abcdef0123456789abcdef";
const shopId = "00000000000000000000000000000d01";
const rulesetId = "2c0fc9fa937b11eaa1b71c4d701ab86e";

const base = {
  "bot-policy:accountId": accountId,
  "bot-policy:zones": { shop: { zoneId: shopId, plan: "enterprise" } },
};

describe("bot-policy:adopt", () => {
  it("maps a zone key to the id of the entry-point ruleset to take over", () => {
    const result = parseStackConfig("dev", { ...base, "bot-policy:adopt": { shop: rulesetId } });
    expect(result.diagnostics).toEqual([]);
    expect(result.config?.adopt).toEqual({ shop: rulesetId });
  });

  it("is absent from the config when not set (or empty)", () => {
    expect(parseStackConfig("dev", base).config).not.toHaveProperty("adopt");
    expect(parseStackConfig("dev", { ...base, "bot-policy:adopt": {} }).config).not.toHaveProperty("adopt");
  });

  it("refuses a zone key the stack does not have, suggesting the close one", () => {
    const { config, diagnostics } = parseStackConfig("dev", { ...base, "bot-policy:adopt": { shopp: rulesetId } });
    expect(config).toBeUndefined();
    expect(diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      ["BP171", "Stack 'dev' adopts a ruleset for 'shopp', which is not one of its zones ('shop').", "did you mean 'shop'?"],
    ]);
  });

  it("refuses an id that is not a Cloudflare ruleset id, and a map that is not a map", () => {
    for (const bad of ["2C0FC9FA937B11EAA1B71C4D701AB86E", "abc", "", null, ["x"]]) {
      const { config, diagnostics } = parseStackConfig("dev", { ...base, "bot-policy:adopt": { shop: bad } });
      expect(config).toBeUndefined();
      expect(diagnostics.map((d) => d.code)).toEqual(["BP171"]);
    }
    expect(parseStackConfig("dev", { ...base, "bot-policy:adopt": "shop" }).diagnostics.map((d) => d.code)).toEqual(["BP171"]);
    expect(parseStackConfig("dev", { ...base, "bot-policy:adopt": { secure: "v1:abc" } }).diagnostics.map((d) => d.code)).toEqual(["BP161"]);
  });

  it("points at the adopted zone key in the stack file, and says to quote an all-digit id", () => {
    const text = [
      "config:",
      `  bot-policy:accountId: "${accountId}"`,
      "  bot-policy:zones:",
      "    shop:",
      `      zoneId: "${shopId}"`,
      "      plan: enterprise",
      "  bot-policy:adopt:",
      "    shop: 12345678901234567890123456789012",
      "",
    ].join("\n");
    const { diagnostics } = parseStackFile("dev", text);
    expect(diagnostics.map((d) => [d.code, d.line, d.column, d.message])).toEqual([
      ["BP163", 8, 5, "Stack 'dev' adopt has a ruleset id that YAML reads as a number, not as text: quote it."],
    ]);
    expect(parseStackFile("dev", text.replace("12345678901234567890123456789012", `"${rulesetId}"`)).config?.adopt).toEqual({ shop: rulesetId });
  });
});
