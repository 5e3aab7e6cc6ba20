import type { RiskIntelligenceIR } from "../model/policy-ir.js";
import { readFormField } from "./read-form-field.js";

/**
 * The visitor's Risk Intelligence token, from where the policy says it travels: a header, a
 * cookie, or a field of a urlencoded or multipart form (Friendly Captcha defines none of these;
 * PLATFORM.md §6). Undefined when the request carries none.
 */
export async function readRiskToken(request: Request, token: RiskIntelligenceIR["token"]): Promise<string | undefined> {
  if ("header" in token) return request.headers.get(token.header)?.trim() || undefined;
  if ("cookie" in token) return readCookie(request.headers.get("cookie"), token.cookie);
  return readFormField(request, token.form_field);
}

function readCookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const pair of header.split(";")) {
    const equals = pair.indexOf("=");
    if (equals < 0 || pair.slice(0, equals).trim() !== name) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    return decodeCookieValue(value) || undefined;
  }
  return undefined;
}

/** Sites often percent-encode cookie values; a value that is not valid encoding is kept as sent. */
function decodeCookieValue(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
