import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

// The workflows shipped for the people who use bot-policy (.github/workflows/). action-validator
// checks each against GitHub's workflow schema (SchemaStore's, compiled into its WebAssembly
// build: no network); the structural checks below hold what the schema cannot know.

const workflowsDir = join(import.meta.dirname, "..", "..", ".github", "workflows");
const files = readdirSync(workflowsDir).filter((name) => /\.ya?ml$/.test(name)).sort();

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
}
interface Job {
  permissions?: Record<string, string>;
  environment?: string;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  needs?: string | string[];
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflows = new Map(files.map((name) => [name, parse(readFileSync(join(workflowsDir, name), "utf8")) as Workflow]));
const workflow = (name: string): Workflow => workflows.get(name)!;
const allSteps = (w: Workflow): Step[] => Object.values(w.jobs).flatMap((job) => job.steps);

describe("the shipped GitHub workflows", () => {
  it("are the pull-request and deploy workflows", () => {
    expect(files).toEqual(["deploy.yml", "pull-request.yml"]);
  });

  it.each(files)("%s passes the workflow validator", (name) => {
    const state = validateWorkflow(readFileSync(join(workflowsDir, name), "utf8"));
    expect(state.errors).toEqual([]);
  });

  it("the validator is not vacuous: it refuses a job without runs-on and an unknown key", () => {
    const broken = "on: push\njobs:\n  a:\n    steps:\n      - run: echo\n    permisions: {}\n";
    expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
  });

  it.each(files)("%s grants nothing by default and each job only what it needs", (name) => {
    const w = workflow(name);
    expect(w.permissions).toEqual({});
    const allowed = new Set(["contents:read", "security-events:write", "pull-requests:write"]);
    for (const [id, job] of Object.entries(w.jobs)) {
      expect(job.permissions, id).toBeDefined();
      for (const [scope, level] of Object.entries(job.permissions!)) expect(allowed, `${id}: ${scope}`).toContain(`${scope}:${level}`);
    }
  });

  it.each(files)("%s pins every action to a version and installs the project before running it", (name) => {
    for (const job of Object.values(workflow(name).jobs)) {
      for (const step of job.steps) if (step.uses !== undefined) expect(step.uses).toMatch(/^[\w.-]+\/[\w./-]+@v\d+(\.\d+){0,2}$/);
      const install = job.steps.findIndex((step) => step.run === "npm ci");
      const firstUse = job.steps.findIndex((step) => step.run?.includes("dist/src/cli/main.js") || step.uses?.startsWith("pulumi/actions@"));
      expect(install).toBeGreaterThan(-1);
      expect(firstUse).toBeGreaterThan(install);
    }
  });

  it("checks a pull request: annotations, SARIF for code scanning, tests, one review comment, a preview per stack", () => {
    const w = workflow("pull-request.yml");
    expect(Object.keys(w.on)).toEqual(["pull_request"]);
    const runs = allSteps(w).map((step) => step.run ?? "");
    expect(runs).toContain("node dist/src/cli/main.js validate --format github");
    expect(runs.some((run) => run.startsWith("node dist/src/cli/main.js validate --format sarif > bot-policy.sarif"))).toBe(true);
    expect(runs).toContain("node dist/src/cli/main.js test");
    const upload = w.jobs.check!.steps.find((step) => step.uses?.startsWith("github/codeql-action/upload-sarif@"));
    expect(upload?.with).toMatchObject({ sarif_file: "bot-policy.sarif" });
    expect(w.jobs.check!.permissions).toEqual({ contents: "read", "security-events": "write" });

    const review = w.jobs.review!;
    expect(review.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(review.steps.map((step) => step.run ?? "").join("\n")).toContain('review --base "origin/$BASE_REF" --format markdown');
    const post = review.steps.find((step) => step.run?.includes("<!-- bot-policy-review -->"))!;
    // Found by its marker and edited in place, or posted once.
    expect(post.run).toContain("--method PATCH");
    expect(post.run).toContain("startswith");

    const preview = w.jobs.preview! as Job & { strategy: { matrix: { stack: string[] } } };
    expect(preview.strategy.matrix.stack).toEqual(["dev", "prod"]);
    const pulumi = preview.steps.find((step) => step.uses?.startsWith("pulumi/actions@"));
    expect(pulumi?.uses).toBe("pulumi/actions@v7");
    expect(pulumi?.with).toMatchObject({ command: "preview", "stack-name": "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}" });
    expect(pulumi?.env).toEqual({ PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" });
  });

  it("asks Cloudflare to verify each stack in a dry run only where the token secret is set, and gives the token to that step alone", () => {
    const preview = workflow("pull-request.yml").jobs.preview! as Job & { env?: Record<string, string> };
    const verify = preview.steps.find((step) => step.run?.includes("dist/src/cli/main.js verify"))!;
    expect(verify.run).toBe('node dist/src/cli/main.js verify --stack "$STACK" --format github');
    expect(verify.env).toEqual({ CLOUDFLARE_API_TOKEN: "${{ secrets.CLOUDFLARE_API_TOKEN }}", STACK: "${{ matrix.stack }}" });
    // `if:` cannot read `secrets`: the job maps "is it set" to an env variable, and the step tests that.
    expect(preview.env).toEqual({ HAS_CLOUDFLARE_TOKEN: "${{ secrets.CLOUDFLARE_API_TOKEN != '' }}" });
    expect(verify.if).toContain("env.HAS_CLOUDFLARE_TOKEN == 'true'");
    expect(verify.if).not.toContain("secrets.");
    const others = allSteps(workflow("pull-request.yml")).filter((step) => step !== verify);
    expect(others.filter((step) => JSON.stringify(step).includes("CLOUDFLARE_API_TOKEN"))).toEqual([]);
  });

  it("deploys dev on a push to main, then prod behind the protected environment, never two deploys of a stack at once", () => {
    const w = workflow("deploy.yml");
    expect(w.on.push).toEqual({ branches: ["main"] });
    const up = (job: Job) => job.steps.find((step) => step.uses?.startsWith("pulumi/actions@"))?.with;
    expect(up(w.jobs.dev!)).toMatchObject({ command: "up", "stack-name": "${{ vars.PULUMI_ORG }}/dev" });
    expect(up(w.jobs.prod!)).toMatchObject({ command: "up", "stack-name": "${{ vars.PULUMI_ORG }}/prod" });
    expect(w.jobs.dev!.environment).toBeUndefined();
    expect(w.jobs.prod!.environment).toBe("production");
    expect(w.jobs.prod!.needs).toBe("dev");
    expect(w.jobs.dev!.needs).toBe("check");
    expect(w.jobs.dev!.concurrency).toEqual({ group: "pulumi-dev", "cancel-in-progress": false });
    expect(w.jobs.prod!.concurrency).toEqual({ group: "pulumi-prod", "cancel-in-progress": false });
  });
});
