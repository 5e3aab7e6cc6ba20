import { Miniflare, Response, type Request } from "miniflare";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildWorkerBundle, findRuntimeRoot, WORKER_COMPATIBILITY_DATE } from "../../src/bundle/build-worker-bundle.js";
import { workerCompatibilityDate } from "../../src/infra/create-zone-resources.js";
import type { WorkerPolicy } from "../../src/model/zone-plan.js";
import { examplePolicy } from "./worker-harness.js";

const passThrough: WorkerPolicy = { version: 1, zone: "empty", rules: [], originHeaders: [] };

describe("buildWorkerBundle", () => {
  it("is byte-for-byte deterministic and embeds the policy as a generated module", () => {
    const first = buildWorkerBundle(passThrough);
    expect(buildWorkerBundle(passThrough)).toBe(first);
    expect(first).toContain(`createWorker(JSON.parse('{"version":1,"zone":"empty","rules":[],"originHeaders":[]}'))`);
    // One ES module, no imports left to resolve and no machine paths.
    expect(first).toMatch(/^export \{/m);
    expect(first).not.toMatch(/^import /m);
    expect(first).not.toContain(findRuntimeRoot());
  });

  it("bundles the example api zone into one module with no code generation at run time", () => {
    const bundle = buildWorkerBundle(examplePolicy("api", "prod"));
    expect(buildWorkerBundle(examplePolicy("api", "prod"))).toBe(bundle);
    // workerd forbids code generation from strings: no Function constructor, no call of the
    // global eval (a method named eval, as in re2js, is fine).
    expect(bundle).not.toMatch(/\bnew Function\b|[=(,;:?]\s*eval\s*\(|\(0,\s*eval\)|globalThis\.eval\b/);
    expect(bundle).not.toMatch(/from "node:|require\(/);
    // The runtime, without the policy, stays well under 1 MiB (unminified; see buildWorkerBundle).
    expect(buildWorkerBundle(passThrough).length).toBeLessThan(512 * 1024);
  });

  it("bundles the same sources from the built dist/ as from src/", () => {
    const root = findRuntimeRoot();
    expect(findRuntimeRoot(join(root, "dist", "src", "bundle"))).toBe(root);
  });

  it("uses the compatibility date the deployment declares", () => {
    expect(workerCompatibilityDate).toBe(WORKER_COMPATIBILITY_DATE);
  });
});

describe("the bundle in workerd", () => {
  const seen: string[] = [];
  const mf = new Miniflare({
    modules: true,
    script: buildWorkerBundle(passThrough),
    compatibilityDate: WORKER_COMPATIBILITY_DATE,
    cf: false,
    outboundService: (request: Request) => {
      seen.push(`${request.method} ${request.url}`);
      return new Response("from the origin", { status: 200, headers: { "x-origin": "yes" } });
    },
  });
  afterAll(() => mf.dispose());

  it("passes a request through to the origin", async () => {
    const response = await mf.dispatchFetch("https://api.example.com/v1/products?page=2");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-origin")).toBe("yes");
    expect(await response.text()).toBe("from the origin");
    expect(seen).toEqual(["GET https://api.example.com/v1/products?page=2"]);
  });
});
