import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** A request the fake rulesets API received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** What the fake answers: a status and a body (an object is sent as JSON, a string as it is). */
export interface FakeAnswer {
  status: number;
  body?: unknown;
}

/** The documented success envelope of a dry run: `result: null` (PLATFORM.md §9). */
export const DRY_RUN_OK: FakeAnswer = { status: 200, body: { result: null, success: true, errors: [], messages: [] } };

/** A failure envelope with these errors. */
export function rejection(status: number, errors: unknown[]): FakeAnswer {
  return { status, body: { result: null, success: false, errors, messages: [] } };
}

/**
 * A local HTTP server standing in for Cloudflare's rulesets API under `/client/v4`: it records
 * every request and answers with `answer(request)`. No real network is used.
 */
export async function startFakeRulesetsApi(answer: (request: ReceivedRequest) => FakeAnswer = () => DRY_RUN_OK): Promise<{
  baseURL: string;
  requests: ReceivedRequest[];
  close: () => Promise<void>;
}> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const url = new URL(incoming.url ?? "/", "http://fake.invalid");
      const text = Buffer.concat(chunks).toString("utf8");
      const request: ReceivedRequest = {
        method: incoming.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        body: text === "" ? undefined : (JSON.parse(text) as unknown),
      };
      requests.push(request);
      const { status, body } = answer(request);
      const payload = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
      outgoing.writeHead(status, { "content-type": typeof body === "string" ? "text/html" : "application/json" });
      outgoing.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/client/v4`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
