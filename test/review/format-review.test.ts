import { describe, expect, it } from "vitest";
import { diffZone } from "../../src/review/diff-zone.js";
import { formatReviewMarkdown, MAX_COMMENT_LENGTH } from "../../src/review/format-review.js";
import type { ReviewReport, ZoneReview } from "../../src/review/review-report.js";

/** A zone that gains `rules` rules, each named at length, so that many zones overflow one comment. */
function bigZone(index: number, rules: number): ZoneReview {
  const zone = diffZone(`zone-${index}`, null, null);
  zone.status = "added";
  zone.rules.added = Array.from({ length: rules }, (_, i) => `policy-${index}/a-rather-long-rule-name-that-fills-the-comment-${i}`);
  for (const ref of zone.rules.added) zone.details[ref] = { action: "block", mode: "enforce", enabled: true, stage: "edge", at: `policies/policy-${index}.yaml:${10 + 3 * zone.rules.added.indexOf(ref)}:5` };
  return zone;
}

function report(zones: number, rules: number): ReviewReport {
  return { base: "main", head: "feature", stacks: [{ stack: "prod", zones: Array.from({ length: zones }, (_, i) => bigZone(i, rules)) }], guards: [], mass_delete: false };
}

describe("the Markdown review's size", () => {
  it("fits one pull-request comment, leaving out whole zone sections with a note that names them", () => {
    const text = formatReviewMarkdown(report(200, 30));
    expect(text.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(text).toMatch(/\*\*Cut to fit one comment\*\*: \d+ sections left out \(prod\/zone-\d+, /);
    // The sections shown are whole, and the summary table still lists every zone.
    const shown = [...text.matchAll(/^### Stack `prod` · zone `zone-(\d+)`/gm)].map((m) => Number(m[1]));
    expect(shown.length).toBeGreaterThan(10);
    expect(shown).toEqual(shown.map((_, i) => i));
    expect(text).toContain(`policy-${shown.at(-1)}/a-rather-long-rule-name-that-fills-the-comment-29`);
    // The summary table lists the first 100 zones and counts the rest.
    expect(text).toContain("| prod | zone-99 (added) |");
    expect(text).not.toContain("| prod | zone-100 (added) |");
    expect(text).toContain("… and 100 more zones with changes.");
  });

  it("is not cut when it fits", () => {
    const text = formatReviewMarkdown(report(2, 3));
    expect(text).not.toContain("Cut to fit");
    expect(text).toContain("policy-1/a-rather-long-rule-name-that-fills-the-comment-2");
  });

  it("cuts at any limit given", () => {
    const text = formatReviewMarkdown(report(5, 10), 3000);
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toContain("Cut to fit one comment");
  });

  it("shortens a long list to a count of the rest", () => {
    const text = formatReviewMarkdown(report(1, 100));
    expect(text).toContain("- … and 60 more (see `--format json`)");
  });
});
