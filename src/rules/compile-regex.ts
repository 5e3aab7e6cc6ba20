/**
 * Cloudflare's `matches` uses Rust's `regex` crate; bot-policy evaluates with JavaScript's RegExp.
 * They agree on the common syntax. Differences handled here: Rust's leading inline flags `(?i)`,
 * `(?s)`, `(?m)` become JS flags; look-around and back-references (which Rust rejects) are errors.
 * Differences left: Rust matches bytes and allows escaping any punctuation; classes such as
 * `[[:alpha:]]` and set operations (`&&`, `--`) are Rust-only and behave differently in JS.
 */

/** Compiles a `matches` pattern to a RegExp, or says why Cloudflare or bot-policy cannot use it. */
export function compileRegex(pattern: string): { ok: true; regex: RegExp } | { ok: false; reason: string } {
  let body = pattern;
  let flags = "";
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (inline !== null) {
    const letters = inline[1] as string;
    for (const letter of letters) {
      if (letter !== "i" && letter !== "s" && letter !== "m") {
        return { ok: false, reason: `the inline flag '${letter}' is not supported (only i, s, m)` };
      }
      if (!flags.includes(letter)) flags += letter;
    }
    body = body.slice(inline[0].length);
  }
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === "\\") {
      if (/[1-9]/.test(body[i + 1] ?? "")) return { ok: false, reason: "back-references are not supported" };
      i++;
    } else if (c === "(" && body[i + 1] === "?") {
      const next = body.slice(i + 2, i + 4);
      if (next.startsWith("=") || next.startsWith("!") || next === "<=" || next === "<!") {
        return { ok: false, reason: "look-around assertions are not supported" };
      }
    }
  }
  try {
    return { ok: true, regex: new RegExp(body, `${flags}u`) };
  } catch {
    // Without `u`, escapes Rust allows (e.g. `\-` outside a class) are accepted too.
    try {
      return { ok: true, regex: new RegExp(body, flags) };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }
}
