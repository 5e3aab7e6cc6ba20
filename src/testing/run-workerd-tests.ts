import type { Miniflare as MiniflareInstance, Request as MiniflareRequest, Response as MiniflareResponse } from "miniflare";
import { buildWorkerBundle, WORKER_COMPATIBILITY_DATE } from "../bundle/build-worker-bundle.js";
import { decide, type Decision } from "../evaluate/decide.js";
import type { WorkerPolicy } from "../model/zone-plan.js";
import { reportTestCases, type PreparedCase, type PreparedTests, type TestReport } from "./run-policy-tests.js";
import { CF_MEMBERS_READ, workerRequestForCase } from "./worker-request-for-case.js";

/** The parts of the `miniflare` package the runner uses (loaded by the caller, as it is optional). */
export interface MiniflareModule {
  Miniflare: typeof MiniflareInstance;
  Response: typeof MiniflareResponse;
}

/** Where a case was decided: by an edge rule before any Worker (Node decide function), or in workerd. */
export type DecidedIn = "edge" | "workerd";

/** `bot-policy test --runtime workerd`'s report: the usual one, and where each case was decided. */
export interface WorkerdTestReport extends TestReport {
  decidedIn: DecidedIn[];
}

/** workerd could not start (a missing platform binary, an unsupported compatibility date, …). */
export class WorkerdStartError extends Error {
  override name = "WorkerdStartError";
}

/** The host a case without `host` is sent to: a real request always has one. */
const DEFAULT_HOST = "test.bot-policy.invalid";
/** The decision header the Worker adds when `BOT_POLICY_TRACE` is bound (see src/worker/handle-request.ts). */
const DECISION_HEADER = "x-bot-policy-decision";

/**
 * Runs prepared test cases against the zones' built Worker bundles in workerd (miniflare).
 *
 * Cloudflare's WAF runs the custom rules before the Worker, and workerd runs only the Worker, so
 * each case is decided in two parts, as in production: the edge part by the decide function with
 * the zone's edge rules only (from `edge`); when no edge rule terminates (nothing matched, a log,
 * or a skip, which cannot skip a Worker), the request goes to the zone's real bundle in workerd
 * — the bytes `compile --out` writes — with the case's fields placed in `request.cf`, headers and
 * URL. The fake origin answers 200; the fake vendor answers the case's `risk` for the token the
 * runner puts where the policy reads it. The Worker's own decision comes back in a trace header
 * (a binding only this runner sets) and must agree with what was observed: a block is answered by
 * the Worker with that rule's status, anything else reaches the origin exactly once.
 *
 * One miniflare instance per zone, with one Worker per stack variant of the zone's bundle.
 */
export async function runWorkerdTests(prepared: PreparedTests, miniflare: MiniflareModule): Promise<WorkerdTestReport> {
  const decisions: Decision[] = [];
  const notes: Array<string | undefined> = [];
  const decidedIn: DecidedIn[] = [];
  const pending = new Map<string, number[]>();
  prepared.cases.forEach((c, index) => {
    const edge = decide({ edge: c.program.edge, worker: [] }, c.fields, "edge");
    decisions.push(edge);
    decidedIn.push("edge");
    const terminated = edge.action !== "pass" && edge.action !== "skip";
    if (terminated || c.plan.worker === undefined) return;
    pending.set(c.zone, [...(pending.get(c.zone) ?? []), index]);
  });
  for (const [zone, indexes] of pending) {
    const running = await startZone(zone, indexes.map((i) => prepared.cases[i]!), miniflare);
    try {
      for (const index of indexes) {
        const c = prepared.cases[index]!;
        const outcome = await running.send(c, index);
        decisions[index] = combine(decisions[index]!, outcome.decision);
        notes[index] = outcome.note;
        decidedIn[index] = "workerd";
      }
    } finally {
      await running.dispose();
    }
  }
  const where = decidedIn.map((place) => (place === "edge" ? "decided by edge rules, Node decide function" : "decided in workerd by the zone's Worker"));
  const report = reportTestCases(prepared, decisions, notes, where);
  return { ...report, decidedIn };
}

/**
 * The whole decision from the edge part and the Worker's: mirrors the end of `decide` — an edge
 * skip stands unless the Worker decides otherwise (its re-check of that skip reports the skip
 * itself), and rules logged at the edge come first.
 */
function combine(edge: Decision, worker: Decision): Decision {
  const logged = [...edge.logged, ...worker.logged];
  if (worker.action === "pass" && edge.action === "skip") return { ...edge, logged };
  return { ...worker, logged };
}

/** What the Worker did with one case: its decision, and why the case fails whatever it expects. */
interface Outcome {
  decision: Decision;
  note?: string;
}

interface RunningZone {
  send(c: PreparedCase, index: number): Promise<Outcome>;
  dispose(): Promise<void>;
}

async function startZone(zone: string, cases: readonly PreparedCase[], { Miniflare, Response }: MiniflareModule): Promise<RunningZone> {
  const variants = new Map<string, WorkerPolicy>();
  for (const c of cases) if (!variants.has(c.stack ?? "")) variants.set(c.stack ?? "", c.plan.worker!);
  const names = new Map([...variants.keys()].map((stack, i) => [stack, `${zone}-${i}`]));
  const vendorAnswers = new Map<string, Record<string, unknown>>();
  let originCalls = 0;
  const logs: string[] = [];

  const outboundService = async (request: MiniflareRequest): Promise<MiniflareResponse> => {
    if (new URL(request.url).hostname.endsWith(".frcapi.com")) {
      const body = (await request.json().catch(() => ({}))) as { token?: unknown };
      const risk = typeof body.token === "string" ? vendorAnswers.get(body.token) : undefined;
      if (risk === undefined) return Response.json({ success: false, error: { error_code: "token_invalid" } }, { status: 200 });
      return Response.json({ success: true, data: { event_id: "bot-policy-test", token: { expires_at: new Date(Date.now() + 600_000).toISOString() }, risk_intelligence: risk } });
    }
    originCalls++;
    return new Response("origin", { status: 200 });
  };
  const options = {
    cf: false,
    handleStructuredLogs: ({ message }: { message: string }) => void logs.push(message.trimEnd()),
    workers: [...variants].map(([stack, policy]) => ({
      name: names.get(stack)!,
      modules: true,
      script: buildWorkerBundle(policy),
      compatibilityDate: WORKER_COMPATIBILITY_DATE,
      bindings: { RISK_API_KEY: "bot-policy-test", BOT_POLICY_TRACE: "1" },
      outboundService,
    })),
  };
  let mf: MiniflareInstance;
  try {
    mf = new Miniflare(options);
    await mf.ready;
  } catch (error) {
    throw new WorkerdStartError(`workerd could not start for zone '${zone}': ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
  const fetchers = new Map<string, Awaited<ReturnType<typeof mf.getWorker>>>();
  for (const [stack, name] of names) fetchers.set(stack, await mf.getWorker(name));

  return {
    async send(c, index) {
      const policy = variants.get(c.stack ?? "")!;
      const sent = workerRequestForCase(c.request, DEFAULT_HOST);
      // Absent must stay absent: miniflare fills `request.cf` with placeholders, and the client
      // adds a user agent, unless told otherwise.
      const cf: Record<string, unknown> = Object.fromEntries(CF_MEMBERS_READ.map((member) => [member, undefined]));
      Object.assign(cf, sent.cf);
      const headers: Record<string, string> = { "user-agent": "", ...sent.headers };
      let body: string | undefined;
      const risk = c.request.risk;
      const settings = policy.riskIntelligence;
      if (settings !== undefined && risk !== null && typeof risk === "object") {
        const token = `bot-policy-test-${index}`;
        vendorAnswers.set(token, risk as Record<string, unknown>);
        const where = settings.token;
        if ("header" in where) headers[where.header] = token;
        else if ("cookie" in where) headers.cookie = `${where.cookie}=${token}`;
        else if (sent.method !== "GET" && sent.method !== "HEAD") {
          headers["content-type"] = "application/x-www-form-urlencoded";
          body = `${encodeURIComponent(where.form_field)}=${token}`;
        }
      }
      const before = originCalls;
      const fetcher = fetchers.get(c.stack ?? "")!;
      const response = await fetcher.fetch(sent.url, { method: sent.method, headers, cf, ...(body !== undefined ? { body } : {}) });
      await response.arrayBuffer();
      const reached = originCalls - before;
      const traced = response.headers.get(DECISION_HEADER);
      if (traced === null) {
        const passed: Decision = { action: "pass", rule: null, stage: null, logged: [] };
        const why = logs.filter((line) => line.includes("internal error") || line.includes("could not be loaded")).at(-1);
        return { decision: passed, note: `the Worker decided nothing and failed open${why ? ` (${why})` : ""}` };
      }
      const decision = JSON.parse(traced) as Decision;
      if (decision.action === "block") {
        const status = policy.rules.find((r) => r.ref === decision.rule)?.response?.status ?? 403;
        if (reached !== 0 || response.status !== status) return { decision, note: `the Worker decided block but answered ${response.status} and reached the origin ${reached} times` };
      } else if (reached !== 1) {
        return { decision, note: `the Worker decided ${decision.action} but reached the origin ${reached} times` };
      }
      return { decision };
    },
    dispose: () => mf.dispose(),
  };
}
