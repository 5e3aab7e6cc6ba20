import { describe, expect, it } from "vitest";
import { compileProject } from "../../src/compile/compile-project.js";
import { compileZoneProgram, decideRequest } from "../../src/evaluate/decide.js";
import { requestFields } from "../../src/evaluate/request-fields.js";
import { unseenLists } from "../../src/evaluate/unseen-lists.js";

const STACK = `config:
  bot-policy:accountId: "0123456789abcdef0123456789abcdef"
  bot-policy:zones:
    shop: { zoneId: "00000000000000000000000000000d01", plan: enterprise }
  bot-policy:lists: { office_ips: ip, partner_asns: asn }
`;

/** Decides requests in a zone of the given rules (`expression`, `action` pairs), with the lists they rest on. */
function zone(...rules: Array<[string, string]>) {
  const text = ["version: 1", "policy: p", "zones: [shop]", "rules:", ...rules.flatMap(([expression, action], i) => [`  - id: r${i}`, `    expression: '${expression}'`, `    action: ${action}`]), ""].join("\n");
  const { plans, diagnostics } = compileProject({ files: new Map([["policies/p.yaml", text], ["Pulumi.dev.yaml", STACK]]), now: new Date("2026-12-01T00:00:00Z") });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const plan = plans[0]!;
  const program = compileZoneProgram(plan);
  return (request: Record<string, unknown>) => {
    const converted = requestFields(request);
    if ("error" in converted) throw new Error(converted.error);
    const decision = decideRequest(program, converted.fields);
    return { decision: `${decision.action} ${decision.rule ?? ""}`.trim(), lists: unseenLists(plan, converted.fields, decision) };
  };
}

describe("unseenLists: the lists a decision rests on", () => {
  it("are none when the zone tests no list", () => {
    expect(zone(["cf.bot_management.score lt 10", "block"])({ ip: "192.0.2.1", bot_score: 5 })).toEqual({ decision: "block p/r0", lists: [] });
  });

  it("are those of rules before the deciding one, not after it", () => {
    const decide = zone(["cf.bot_management.score lt 10", "block"], ["ip.src in $office_ips", "block"]);
    expect(decide({ ip: "192.0.2.1", bot_score: 5 })).toEqual({ decision: "block p/r0", lists: [] });
    expect(decide({ ip: "192.0.2.1", bot_score: 50 })).toEqual({ decision: "pass", lists: ["office_ips"] });
  });

  it("leave out a test of an absent value and a membership the request states", () => {
    const decide = zone(["ip.src in $office_ips or ip.src.asnum in $partner_asns", "skip"], ["cf.bot_management.score lt 10", "block"]);
    expect(decide({ ip: "192.0.2.1", bot_score: 5 })).toEqual({ decision: "block p/r1", lists: ["office_ips"] });
    expect(decide({ ip: "192.0.2.1", asn: 64496, bot_score: 5 })).toEqual({ decision: "block p/r1", lists: ["office_ips", "partner_asns"] });
    expect(decide({ ip: "192.0.2.1", asn: 64496, bot_score: 5, lists: { office_ips: false } })).toEqual({ decision: "block p/r1", lists: ["partner_asns"] });
    expect(decide({ ip: "192.0.2.1", bot_score: 5, lists: { office_ips: true } })).toEqual({ decision: "skip p/r0", lists: [] });
  });

  it("include a log rule's lists: they change what is logged", () => {
    const decide = zone(["ip.src in $cf.vpn", "log"], ["cf.bot_management.score lt 10", "block"]);
    expect(decide({ ip: "192.0.2.1", bot_score: 5 })).toEqual({ decision: "block p/r1", lists: ["cf.vpn"] });
  });

  it("are none when the rule is decided whatever the list holds", () => {
    const decide = zone(['ip.src in $office_ips and http.host eq "a.example"', "skip"]);
    expect(decide({ ip: "192.0.2.1", host: "b.example" })).toEqual({ decision: "pass", lists: [] });
  });
});
