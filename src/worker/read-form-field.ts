/** At most this many bytes of a request body are read while looking for a form field. */
export const FORM_READ_LIMIT = 64 * 1024;

const utf8 = new TextDecoder();

/**
 * Reads one field of a urlencoded or multipart form from a clone of the request, reading at most
 * `limit` bytes of it, so the original body reaches the origin untouched and a large upload
 * costs no more than the limit. A field that does not end within the limit is not found.
 */
export async function readFormField(request: Request, name: string, limit: number = FORM_READ_LIMIT): Promise<string | undefined> {
  if (request.body === null) return undefined;
  const contentType = request.headers.get("content-type") ?? "";
  const mediaType = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  if (mediaType === "application/x-www-form-urlencoded") {
    const { text, complete } = await readPrefix(request, limit);
    return urlencodedField(text, name, complete);
  }
  if (mediaType === "multipart/form-data") {
    const boundary = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
    const value = boundary?.[1] ?? boundary?.[2];
    if (value === undefined) return undefined;
    const { text } = await readPrefix(request, limit);
    return multipartField(text, value, name);
  }
  return undefined;
}

/** The first `limit` bytes of a clone of the body, as text, and whether that is the whole body. */
async function readPrefix(request: Request, limit: number): Promise<{ text: string; complete: boolean }> {
  const body = request.clone().body;
  if (body === null) return { text: "", complete: true };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let complete = false;
  while (length <= limit) {
    const { done, value } = await reader.read();
    if (done) {
      complete = true;
      break;
    }
    chunks.push(value);
    length += value.byteLength;
  }
  // Cancelling the clone's branch leaves the original body to the origin.
  if (!complete) await reader.cancel();
  const bytes = new Uint8Array(Math.min(length, limit));
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= bytes.length) break;
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return { text: utf8.decode(bytes), complete: complete && length <= limit };
}

function urlencodedField(text: string, name: string, complete: boolean): string | undefined {
  // Without the whole body the last pair may be cut short: only pairs ended by '&' count.
  const usable = complete ? text : text.slice(0, Math.max(0, text.lastIndexOf("&")));
  return nonEmpty(new URLSearchParams(usable).get(name));
}

function multipartField(text: string, boundary: string, name: string): string | undefined {
  const parts = text.split(`--${boundary}`);
  // parts[0] is the preamble; a part counts only when the next delimiter follows it (complete).
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) continue;
    const disposition = /^content-disposition:[ \t]*form-data(.*)$/im.exec(part.slice(0, headerEnd))?.[1] ?? "";
    if (/;\s*filename\*?=/i.test(disposition)) continue;
    const partName = /;\s*name="([^"]*)"/i.exec(disposition)?.[1] ?? /;\s*name=([^;\s]+)/i.exec(disposition)?.[1];
    if (partName !== name) continue;
    const value = part.slice(headerEnd + 4);
    return nonEmpty(value.endsWith("\r\n") ? value.slice(0, -2) : value);
  }
  return undefined;
}

function nonEmpty(value: string | null): string | undefined {
  return value === null || value === "" ? undefined : value;
}
