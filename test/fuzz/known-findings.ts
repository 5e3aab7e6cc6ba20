/**
 * Findings the fuzzer reports that are known and being fixed elsewhere (issue 10), by signature.
 * The fuzz test fails on any other finding. When a fix lands, delete its entry: the fuzz test
 * then proves the whole class is gone.
 */
export const KNOWN_FINDINGS: ReadonlyArray<{ signature: RegExp; cause: string }> = [];

/** The known cause of a finding's signature, or undefined for a new finding. */
export function knownCause(signature: string): string | undefined {
  return KNOWN_FINDINGS.find((k) => k.signature.test(signature))?.cause;
}
