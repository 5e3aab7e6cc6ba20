import { Miniflare, Response, type Request } from "miniflare";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildWorkerBundle, WORKER_COMPATIBILITY_DATE } from "../../src/bundle/build-worker-bundle.js";
import { compileProject } from "../../src/compile/compile-project.js";
import type { WorkerPolicy } from "../../src/model/zone-plan.js";
import { loadStackFile } from "../../src/stack/load-stack-file.js";
import { workerRequestForCase } from "../../src/testing/worker-request-for-case.js";
import { projectFiles } from "../helpers/project-files.js";
import { REPO_ROOT } from "../helpers/run-cli.js";

/** The date the example policies are compiled at (no set item has expired). */
export const NOW = new Date("2026-11-21T00:00:00Z");

/** A request the origin received from the Worker. */
export interface OriginCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** A call the Worker made to the Risk Intelligence API. */
export interface VendorCall {
  url: string;
  apiKey: string | null;
  body: unknown;
}

/** How the fake vendor answers one call. */
export type VendorAnswer = (call: VendorCall) => Response | Promise<Response>;

/** `request.cf` as the tests give it; every member the Worker reads is set, absent ones to undefined. */
export interface TestCf {
  botManagement?: Record<string, unknown>;
  verifiedBotCategory?: string;
  asn?: number;
  country?: string;
}

/** A Miniflare instance running one Worker bundle per host, with a fake origin and a fake vendor. */
export interface WorkerHarness {
  origin: OriginCall[];
  vendor: VendorCall[];
  logs: string[];
  /** How the vendor answers the next calls (default: an error, so an unexpected call shows). */
  answer: VendorAnswer;
  send(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; cf?: TestCf }): Promise<Response>;
  /**
   * The log lines matching `pattern`, once at least one has arrived: workerd's console reaches
   * the test through a pipe, possibly after the response.
   */
  waitForLog(pattern: RegExp): Promise<string[]>;
  /** Forgets recorded calls and logs, and restores the default vendor answer. */
  reset(): void;
  dispose(): Promise<void>;
}

/**
 * The example project's Worker policy for a zone, compiled for a stack (or with no stack). The
 * vendor timeout is raised so that a slow, loaded test machine never turns an answer into a
 * timeout; timeouts are tested on their own.
 */
export function examplePolicy(zone: string, stack?: string): WorkerPolicy {
  const config = stack === undefined ? undefined : loadStackFile(REPO_ROOT, stack).config;
  const compiled = compileProject({ files: projectFiles(REPO_ROOT), now: NOW, ...(config ? { stack: config } : {}) });
  const worker = compiled.plans.find((plan) => plan.zone === zone)?.worker;
  if (worker === undefined) throw new Error(`no Worker policy for zone '${zone}'`);
  return worker.riskIntelligence ? { ...worker, riskIntelligence: { ...worker.riskIntelligence, timeoutMs: 10_000 } } : worker;
}

/** Compiles one policy file's text (a variant of an example) and returns its zone's Worker policy. */
export function policyFromText(text: string, zone: string): WorkerPolicy {
  const compiled = compileProject({ files: new Map([["policies/variant.yaml", text]]), now: NOW });
  const errors = compiled.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join("\n"));
  const worker = compiled.plans.find((plan) => plan.zone === zone)?.worker;
  if (worker === undefined) throw new Error(`no Worker policy for zone '${zone}'`);
  return worker;
}

const unexpectedVendorCall: VendorAnswer = () => Response.json({ success: false, error: { error_code: "unexpected_call_in_test" } }, { status: 500 });

/**
 * Starts one Miniflare (one workerd) for a test file: each host gets its own Worker bundle on the
 * route `host/*`. Outbound requests to `*.frcapi.com` reach the fake vendor, all others the origin.
 */
export function startWorkers(policies: Record<string, WorkerPolicy>, options: { apiKey?: string; withoutApiKey?: string[] } = {}): WorkerHarness {
  const harness: WorkerHarness = {
    origin: [],
    vendor: [],
    logs: [],
    answer: unexpectedVendorCall,
    send: async (url, init = {}) => {
      const cf = { botManagement: undefined, verifiedBotCategory: undefined, asn: undefined, country: undefined, ...init.cf };
      const response = await mf.dispatchFetch(url, {
        method: init.method ?? "GET",
        headers: { "cf-connecting-ip": "203.0.113.7", ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
        // The Workers types describe Cloudflare's full cf object; tests send only what the Worker reads.
        cf: cf as Record<string, unknown>,
      });
      return response as unknown as Response;
    },
    waitForLog: async (pattern) => {
      for (let attempt = 0; attempt < 500; attempt++) {
        const lines = harness.logs.filter((line) => pattern.test(line));
        if (lines.length > 0) return lines;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return [];
    },
    reset: () => {
      harness.origin.length = 0;
      harness.vendor.length = 0;
      harness.logs.length = 0;
      harness.answer = unexpectedVendorCall;
    },
    dispose: () => mf.dispose(),
  };
  const outboundService = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    if (url.hostname.endsWith(".frcapi.com")) {
      const text = await request.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Recorded as text: the test asserts on it.
      }
      const call: VendorCall = { url: request.url, apiKey: request.headers.get("x-api-key"), body };
      harness.vendor.push(call);
      return harness.answer(call);
    }
    harness.origin.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries([...request.headers].filter(([name]) => !name.startsWith("cf-") && name !== "accept-encoding")),
      body: new Uint8Array(await request.arrayBuffer()),
    });
    return new Response("from the origin", { status: 200, headers: { "x-origin": "yes" } });
  };
  const mf = new Miniflare({
    cf: false,
    handleStructuredLogs: ({ message }: { message: string }) => void harness.logs.push(message.trimEnd()),
    workers: Object.entries(policies).map(([host, policy]) => ({
      name: host.replaceAll(".", "-"),
      modules: true,
      script: buildWorkerBundle(policy),
      compatibilityDate: WORKER_COMPATIBILITY_DATE,
      routes: [`${host}/*`],
      ...(options.apiKey !== undefined && !options.withoutApiKey?.includes(host) ? { bindings: { RISK_API_KEY: options.apiKey } } : {}),
      outboundService,
    })),
  });
  return harness;
}

/** A successful Risk Intelligence answer holding `risk`, valid for ten minutes. */
export function riskAnswer(risk: Record<string, unknown>, status = 200): Response {
  const expires = new Date(Date.now() + 10 * 60_000).toISOString();
  return Response.json(
    { success: true, data: { event_id: "ev_1", token: { timestamp: new Date().toISOString(), expires_at: expires, num_uses: 1 }, risk_intelligence: risk } },
    { status },
  );
}

/** A failed Risk Intelligence answer with the vendor's error shape. */
export function riskError(code: string, status: number): Response {
  return Response.json({ success: false, error: { error_code: code, detail: `${code} in a test` } }, { status });
}

export { Response };

/** The example `api` policy's text with its `risk_intelligence` block replaced (and other edits). */
export function apiVariant(riskIntelligence: string, edits: Array<[string, string]> = []): string {
  let text = readFileSync(join(REPO_ROOT, "policies", "api.yaml"), "utf8");
  const at = text.indexOf("\nrisk_intelligence:");
  if (at < 0) throw new Error("policies/api.yaml has no risk_intelligence block");
  text = `${text.slice(0, at)}\nrisk_intelligence:\n${riskIntelligence}`;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`policies/api.yaml has no '${from}'`);
    text = text.replace(from, to);
  }
  return text;
}

/**
 * A test-file request (policy field names) as Cloudflare would hand it to the Worker: `request.cf`,
 * headers and a URL, placed from the policy field table as `test --runtime workerd` does. `risk`
 * is not part of it: the fake vendor serves it.
 */
export function workerRequest(request: Record<string, unknown>): { url: string; method: string; headers: Record<string, string>; cf: TestCf } {
  const { url, method, headers, cf } = workerRequestForCase(request, "api.example.com");
  return { url, method, headers, cf: cf as TestCf };
}
