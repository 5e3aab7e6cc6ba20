import { describe, expect, it } from "vitest";
import { requestFields } from "../../src/evaluate/request-fields.js";
import { compileEvaluator, type FieldValues } from "../../src/rules/compile-evaluator.js";
import { parseExpression } from "../../src/rules/parse-expression.js";

function fieldsOf(request: Record<string, unknown>): FieldValues {
  const converted = requestFields(request);
  if ("error" in converted) throw new Error(converted.error);
  return converted.fields;
}

function matches(text: string, request: Record<string, unknown>): boolean {
  const parsed = parseExpression(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return compileEvaluator(parsed.expr)(fieldsOf(request));
}

describe("a test request's headers and query", () => {
  const request = { headers: { "X-Api-Key": ["k1", "k2"], Accept: "text/html", "User-Agent": "curl/8" }, query: "a=1&b=&a=3&c" };

  it.each([
    ['any(http.request.headers["x-api-key"][*] eq "k2")', true],
    ['http.request.headers["x-api-key"][0] eq "k1"', true],
    ['http.request.headers["accept"][0] eq "text/html"', true],
    ['any(http.request.headers["authorization"][*] ne "")', false],
    ['any(http.request.headers.names[*] eq "X-Api-Key")', true],
    ['any(lower(http.request.headers.names[*])[*] eq "x-api-key")', true],
    ["len(http.request.headers.values) eq 4", true],
    ['http.user_agent eq "curl/8"', true],
    ['http.request.uri.query eq "a=1&b=&a=3&c"', true],
    ['http.request.uri.args["a"][1] eq "3"', true],
    ['http.request.uri.args["b"][0] eq ""', true],
    ['any(http.request.uri.args.names[*] eq "c")', true],
    ['any(http.request.uri.args["d"][*] eq "")', false],
  ])("%s is %s", (text, expected) => {
    expect(matches(text, request)).toBe(expected);
  });

  it("lets a policy field named in the request win over its header", () => {
    expect(fieldsOf({ user_agent: "given", headers: { "user-agent": "header" } })["http.user_agent"]).toBe("given");
    expect(fieldsOf({ headers: { "user-agent": "header" }, user_agent: "given" })["http.user_agent"]).toBe("given");
  });

  it("merges header names that differ only in case, keeping each name as given", () => {
    const fields = fieldsOf({ headers: { "X-A": "1", "x-a": ["2"] } });
    expect(fields["http.request.headers"]).toEqual({ "x-a": ["1", "2"] });
    expect(fields["http.request.headers.names"]).toEqual(["X-A", "x-a"]);
  });

  it.each([
    [{ headers: "x" }, "'headers' must be an object of header names"],
    [{ headers: { a: 1 } }, "'headers.a' must be a string or a list of strings"],
    [{ query: { a: "1" } }, "'query' must be a string"],
    [{ query: "?a=1" }, "'query' is the query string without its '?'"],
  ])("refuses %j", (given, error) => {
    expect(requestFields(given)).toEqual({ error });
  });

  it("treats an absent header map as absent, not as empty", () => {
    expect(matches('http.request.headers["a"][0] ne "x"', {})).toBe(true);
    expect(matches('any(http.request.headers["a"][*] ne "x")', {})).toBe(false);
  });
});
