/**
 * A problem found in a Rules-language expression, located by character offsets `[start, end)`
 * into the expression text (both 0 when the node came from code rather than text).
 */
export interface RulesError {
  message: string;
  start: number;
  end: number;
}
