import { describe, expect, it } from "vitest";
import { cli, makeProject } from "../helpers/run-cli.js";

const POLICY = `version: 1
policy: p
zones: [z]
rules:
  - id: api-key
    expression: 'not any(http.request.headers["x-api-key"][*] eq "k1") and starts_with(http.request.uri.path, "/api/")'
    action: block
  - id: old-country
    expression: 'ip.geoip.country eq "KP"'
    action: block
`;

const TESTS = `version: 1
cases:
  - name: the right key passes
    request: { path: /api/x, headers: { X-Api-Key: [k0, k1] } }
    expect: pass
  - name: a missing key is blocked
    request: { path: /api/x, headers: { Accept: text/html } }
    expect: { action: block, rule: p/api-key }
  - name: no headers at all is blocked
    request: { path: /api/x }
    expect: { action: block, rule: p/api-key }
`;

describe("raw expressions in a project", () => {
  it("validate warns about a deprecated field at its place in the YAML string", async () => {
    const dir = makeProject({ "policies/p.yaml": POLICY });
    const result = await cli(["validate", "--dir", dir]);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toContain("warning BP380: Field 'ip.geoip.country' is deprecated: write 'ip.src.country', which has the same value.");
    expect(result.stdout + result.stderr).toMatch(/p\.yaml:9:18 - warning BP380/);
  });

  it("validate warns, at the value, of a comparison lower() makes dead, and still accepts the rule", async () => {
    const policy = `version: 1
policy: p
zones: [z]
rules:
  - id: clients
    expression: 'lower(http.user_agent) contains "curl" or lower(http.user_agent) contains "Apache-HttpClient"'
    action: block
`;
    const dir = makeProject({ "policies/p.yaml": policy });
    const result = await cli(["validate", "--dir", dir]);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toMatch(
      /p\.yaml:6:92 - warning BP382: This part of the expression never matches: 'lower\(…\)' never contains 'Apache-HttpClient': lower\(\) gives lowercase text; write 'apache-httpclient'\./,
    );
  });

  it("test decides a header-map rule on requests that carry headers", async () => {
    const dir = makeProject({ "policies/p.yaml": POLICY, "policies/p.test.yaml": TESTS });
    const result = await cli(["test", "--dir", dir]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("PASS: 3/3");
  });
});

describe("a raw expression that runs in the Worker", () => {
  it("may not read a field the Worker does not have: it is refused where the field is", async () => {
    const policy = `version: 1
policy: p
zones: [z]
risk_intelligence: { token: { header: x-frc-risk-token }, endpoint: eu, timeout_ms: 800, on_error: pass }
rules:
  - id: tor-without-key
    expression: 'risk.network.anonymization.tor and not any(http.request.headers["x-api-key"][*] eq "k") and http.referer eq ""'
    action: block
`;
    const dir = makeProject({ "policies/p.yaml": policy });
    const result = await cli(["validate", "--dir", dir]);
    const output = result.stdout + result.stderr;
    expect(result.code).toBe(1);
    expect(output).toContain("error BP381: Field 'http.request.headers' is not available in the Worker");
    expect(output).toMatch(/p\.yaml:7:61 - error BP381/);
    // The Worker reads http.referer: no error for it.
    expect(output).not.toContain("'http.referer' is not available");
  });
});
