import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, makeProject } from "../helpers/run-cli.js";

// Issue 10: `risk.network.abuse_contact` was in the schema but not in the field catalog, and
// `validate` on a rule using it died with "Maximum call stack size exceeded".
const POLICY = `version: 1
policy: abuse
zones: [shop]
risk_intelligence:
  token: { header: x-frc-risk-token }
rules:
  - id: abuse-mail
    when:
      risk: { network: { abuse_contact: { email: { ends_with: "@abuse.example" } } } }
    action: block
`;

const TESTS = `version: 1
cases:
  - name: a network whose abuse contact is flagged is blocked
    request:
      risk: { network: { abuse_contact: { email: "noc@abuse.example", name: NOC } } }
    expect: { action: block, rule: abuse/abuse-mail }
  - name: another abuse contact passes
    request:
      risk: { network: { abuse_contact: { email: "noc@other.example" } } }
    expect: pass
`;

describe("a rule on risk.network.abuse_contact (regression)", () => {
  const dir = makeProject({ "policies/abuse.yaml": POLICY, "policies/abuse.test.yaml": TESTS }, ["dev"]);

  it("validates", async () => {
    expect(await cli(["validate", "--dir", dir])).toMatchObject({ code: 0, stderr: "" });
  });

  it("compiles into a worker rule on the abuse contact", async () => {
    const out = join(dir, "build");
    const run = await cli(["compile", "--dir", dir, "--stack", "dev", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    const worker = readFileSync(join(out, "shop", "worker.json"), "utf8");
    expect(worker).toContain("risk.network.abuse_contact.email");
  });

  it("decides with test and eval", async () => {
    const tests = await cli(["test", "--dir", dir]);
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toContain("PASS: 2/2");
    const request = JSON.stringify({ risk: { network: { abuse_contact: { email: "a@abuse.example" } } } });
    const run = await cli(["eval", "--dir", dir, "--zone", "shop", "--request", request]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ action: "block", rule: "abuse/abuse-mail" });
  });
});
