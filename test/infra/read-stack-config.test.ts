import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../src/infra/read-stack-config.js";
import { installMocks } from "./pulumi-mocks.js";

describe("readStackConfig", () => {
  it("reads bot-policy:lists from Pulumi config, as the program sees it", async () => {
    await installMocks("dev", {
      "bot-policy:accountId": "0123456789abcdef0123456789abcdef",
      "bot-policy:zones": JSON.stringify({ shop: { zoneId: "00000000000000000000000000000d01", plan: "enterprise" } }),
      "bot-policy:lists": JSON.stringify({ office_ips: "ip", partner_asns: "asn" }),
    });
    const { parsed } = readStackConfig(new pulumi.Config("bot-policy"), "dev");
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.config?.lists).toEqual({ office_ips: "ip", partner_asns: "asn" });
  });

  it("reports a bad list kind like the stack file would", async () => {
    await installMocks("dev", {
      "bot-policy:accountId": "0123456789abcdef0123456789abcdef",
      "bot-policy:zones": JSON.stringify({ shop: { zoneId: "00000000000000000000000000000d01", plan: "enterprise" } }),
      "bot-policy:lists": JSON.stringify({ office_ips: "ips" }),
    });
    const { parsed } = readStackConfig(new pulumi.Config("bot-policy"), "dev");
    expect(parsed.diagnostics.map((d) => [d.code, d.hint])).toEqual([["BP174", "did you mean 'ip'?"]]);
  });
});
