import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitUrl } from "../../src/worker/read-request.js";

describe("splitUrl (the Worker's URL reading, without the URL parser)", () => {
  it.each([
    "https://api.example.com/v1/products?page=2#top",
    "https://api.example.com",
    "https://api.example.com?x=1",
    "https://api.example.com:8443/a%20b/?",
    "https://user:pw@api.example.com:8443/p",
    "http://[2001:db8::1]:8080/x?y#z",
    "http://[2001:db8::1]/",
    "https://xn--caf-dma.example/%C3%A9?q=%26",
  ])("%s reads as the URL parser reads it", (text) => {
    const url = new URL(text);
    expect(splitUrl(url.href)).toEqual({ hostname: url.hostname, path: url.pathname, query: url.search.slice(1) });
  });

  it("agrees with the URL parser on normalised URLs", () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (text) => {
        const url = new URL(text);
        expect(splitUrl(url.href)).toEqual({ hostname: url.hostname, path: url.pathname, query: url.search.slice(1) });
      }),
      { seed: 20261202, numRuns: 2000 },
    );
  });
});
