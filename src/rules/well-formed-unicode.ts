/**
 * Offset of the first lone surrogate in `value`, or -1 when it is well-formed Unicode. A lone
 * surrogate has no UTF-8 form: Cloudflare could never receive it, and encoding it would silently
 * turn it into U+FFFD (DESIGN.md "Strings").
 */
export function findLoneSurrogate(value: string, from = 0, to = value.length): number {
  for (let i = from; i < to; i++) {
    const c = value.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < to && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      i++;
      continue;
    }
    return i;
  }
  return -1;
}

/** Controls, format characters (bidi overrides, zero-width) and line separators: invisible in a rule. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The first character of `value` that a printed rule would carry invisibly, or undefined. */
export function findInvisibleCharacter(value: string): number | undefined {
  return INVISIBLE.exec(value)?.[0].codePointAt(0);
}
