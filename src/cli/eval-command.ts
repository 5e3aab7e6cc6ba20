import { existsSync, readFileSync } from "node:fs";
import { compileZoneProgram, decide } from "../evaluate/decide.js";
import { requestFields } from "../evaluate/request-fields.js";
import { EXIT, UsageError, type Io } from "./io.js";
import { compileForCommand, type ProjectFlags } from "./project-context.js";

/** Reads `--request`: inline JSON, or the path of a file holding it. */
export function readRequest(text: string): Record<string, unknown> {
  const json = text.trimStart().startsWith("{") ? text : existsSync(text) ? readFileSync(text, "utf8") : undefined;
  if (json === undefined) throw new UsageError(`--request takes a JSON object or the path of a file holding one; '${text}' is neither.`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`--request is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError("--request must be a JSON object of policy fields.");
  return value as Record<string, unknown>;
}

/** `bot-policy eval --request JSON|FILE [--zone Z]`: one decision, as one JSON line. */
export function evalCommand(flags: ProjectFlags & { request: string; zone?: string }, io: Io): number {
  const request = readRequest(flags.request);
  const compiled = compileForCommand(flags, io);
  if (!compiled) return EXIT.findings;
  const { plans } = compiled.result;
  const zones = plans.map((p) => p.zone);
  if (flags.zone === undefined && plans.length > 1) throw new UsageError(`This project has several zones (${zones.join(", ")}); choose one with --zone.`);
  const plan = flags.zone === undefined ? plans[0] : plans.find((p) => p.zone === flags.zone);
  if (!plan) throw new UsageError(`Unknown zone '${flags.zone ?? ""}' (zones: ${zones.join(", ") || "none"}).`);
  const converted = requestFields(request);
  if ("error" in converted) throw new UsageError(`Invalid request: ${converted.error}.`);
  const decision = decide(compileZoneProgram(plan), converted.fields);
  io.stdout(`${JSON.stringify(decision)}\n`);
  return EXIT.ok;
}
