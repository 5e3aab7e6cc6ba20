import { describe, expect, it } from "vitest";
import { checkListReferences, listsUnreadInWorker, type DeclaredList, type KnownLists } from "../../src/rules/check-list-references.js";
import { MANAGED_LISTS } from "../../src/rules/cloudflare-lists.js";
import { expressionLists } from "../../src/rules/expression-lists.js";
import { parseExpression } from "../../src/rules/parse-expression.js";

function parse(text: string) {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.expr;
}

function lists(declared: Record<string, DeclaredList[]>, stack?: string): KnownLists {
  const stacks = stack === undefined ? [...new Set(Object.values(declared).flat().map((d) => d.stack))].sort() : [stack];
  return { ...(stack === undefined ? {} : { stack }), stacks, declared: new Map(Object.entries(declared)) };
}

const DEV = lists({ office_ips: [{ stack: "dev", kind: "ip" }], partner_asns: [{ stack: "dev", kind: "asn" }], shops: [{ stack: "dev", kind: "hostname" }], moved: [{ stack: "dev", kind: "redirect" }] }, "dev");

/** Each problem as [code, the text it points at, message, hint]. */
function check(text: string, known: KnownLists = DEV, sets: string[] = []) {
  return checkListReferences(parse(text), known, sets).map((p) => [p.code, text.slice(p.start, p.end), p.message, p.hint]);
}

describe("checkListReferences", () => {
  it("accepts declared lists with the fields of their kind, and Cloudflare's managed lists", () => {
    for (const text of [
      "ip.src in $office_ips",
      "not ip.src in $office_ips",
      "ip.src.asnum in $partner_asns",
      "http.host in $shops",
      "ip.src in $cf.open_proxies or ip.src in $cf.anonymizer or ip.src in $cf.vpn or ip.src in $cf.malware or ip.src in $cf.botnetcc",
      "cidr(ip.src, 24, 64) in $office_ips",
    ]) {
      expect(check(text), text).toEqual([]);
    }
  });

  it("knows the five Managed IP Lists of Cloudflare's documentation", () => {
    expect([...MANAGED_LISTS.keys()]).toEqual(["cf.open_proxies", "cf.anonymizer", "cf.vpn", "cf.malware", "cf.botnetcc"]);
  });

  it("refuses an undeclared list at its name, with did-you-mean and where to declare it", () => {
    expect(check('http.host eq "a" and ip.src in $ofice_ips')).toEqual([
      [
        "BP337",
        "$ofice_ips",
        "List '$ofice_ips' is not declared in stack 'dev', so Cloudflare would refuse this rule.",
        "did you mean '$office_ips'? Otherwise declare it under bot-policy:lists in Pulumi.dev.yaml (e.g. bot-policy:lists: { ofice_ips: ip })",
      ],
    ]);
  });

  it("without a stack, names the project's stacks, and fits the example to the field", () => {
    const all = lists({ office_ips: [{ stack: "dev", kind: "ip" }, { stack: "prod", kind: "ip" }] });
    expect(check("ip.src.asnum in $bad_asns", all)).toEqual([
      [
        "BP337",
        "$bad_asns",
        "List '$bad_asns' is declared by no stack of this project ('dev', 'prod'), so Cloudflare would refuse this rule.",
        "declare it under bot-policy:lists in Pulumi.<stack>.yaml (e.g. bot-policy:lists: { bad_asns: asn })",
      ],
    ]);
    expect(check("ip.src in $x", lists({}))[0]?.[2]).toBe("List '$x' is not declared: this project has no stack file to declare it in.");
  });

  it("says when a name cannot be a Cloudflare list at all", () => {
    expect(check("ip.src in $Office")[0]?.[3]).toBe("no Cloudflare list can be named 'Office': only lowercase letters, digits and '_' are allowed");
  });

  it("tells a policy set written in a raw expression from a missing list", () => {
    expect(check("ip.src in $office", DEV, ["office"])).toEqual([
      [
        "BP337",
        "$office",
        "List '$office' is not declared in stack 'dev', so Cloudflare would refuse this rule.",
        "'office' is a set of this policy: sets are written in 'when:' (e.g. when: { ip: $office }), while a raw expression reads only Cloudflare lists",
      ],
    ]);
  });

  it("refuses an unknown managed list, with did-you-mean", () => {
    expect(check("ip.src in $cf.open_proxy")).toEqual([
      [
        "BP338",
        "$cf.open_proxy",
        "'$cf.open_proxy' is not one of Cloudflare's managed lists ($cf.open_proxies, $cf.anonymizer, $cf.vpn, $cf.malware, $cf.botnetcc).",
        "did you mean '$cf.open_proxies'?",
      ],
    ]);
    expect(check("ip.src in $cf.tor")[0]?.[3]).toBe("a custom list's name has no '.': declare it under bot-policy:lists");
  });

  it("refuses a list whose kind does not fit the tested field", () => {
    expect(check("ip.src.asnum in $office_ips")).toEqual([
      ["BP339", "$office_ips", "List '$office_ips' holds IP addresses, so it goes with an IP address field such as 'ip.src', not with 'ip.src.asnum'.", undefined],
    ]);
    expect(check("ip.src in $partner_asns")[0]?.slice(0, 3)).toEqual([
      "BP339",
      "$partner_asns",
      "List '$partner_asns' holds ASNs, so it goes with 'ip.src.asnum', not with 'ip.src'.",
    ]);
    expect(check("http.referer in $shops")[0]?.[2]).toBe("List '$shops' holds hostnames, so it goes with 'http.host', not with 'http.referer'.");
    expect(check('lower(http.host) in $shops')[0]?.[2]).toBe("List '$shops' holds hostnames, so it goes with 'http.host', not with this value.");
    expect(check("http.host in $cf.vpn")[0]?.[2]).toBe("Managed list '$cf.vpn' holds IP addresses, so it goes with an IP address field such as 'ip.src', not with 'http.host'.");
  });

  it("without a stack, refuses a kind that does not fit in any stack that declares it, naming those stacks", () => {
    const all = lists({ partners: [{ stack: "dev", kind: "asn" }, { stack: "prod", kind: "ip" }, { stack: "qa", kind: "ip" }] });
    expect(check("ip.src.asnum in $partners", all).map((p) => p[2])).toEqual([
      "List '$partners' holds IP addresses in stacks 'prod', 'qa', so it goes with an IP address field such as 'ip.src', not with 'ip.src.asnum'.",
    ]);
  });

  it("refuses a redirect list in any expression", () => {
    expect(check("http.host in $moved")).toEqual([
      [
        "BP340",
        "$moved",
        "List '$moved' is a redirect list: redirect lists serve Bulk Redirects and cannot be used in a rule's expression.",
        "use a list of IP addresses, hostnames or ASNs here",
      ],
    ]);
  });
});

describe("listsUnreadInWorker and expressionLists", () => {
  it("locates every list of a worker rule at its name", () => {
    const text = "cf.bot_management.ja4_signals.browser_ratio_1h lt 0.1 and not ip.src in $office_ips";
    const problems = listsUnreadInWorker(parse(text));
    expect(problems.map((p) => text.slice(p.start, p.end))).toEqual(["$office_ips"]);
    expect(problems[0]?.message).toContain("List '$office_ips' cannot be read in the Worker");
  });

  it("names each list once, in order", () => {
    expect(expressionLists(parse("ip.src in $b or (ip.src in $a and not ip.src in $b)"))).toEqual(["b", "a"]);
    expect(expressionLists(parse("ip.src in {192.0.2.1}"))).toEqual([]);
  });
});
