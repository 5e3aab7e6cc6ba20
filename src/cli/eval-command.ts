import { compileZoneProgram, decideRequest } from "../evaluate/decide.js";
import { requestFields } from "../evaluate/request-fields.js";
import { unseenLists } from "../evaluate/unseen-lists.js";
import { EXIT, reportDiagnostics, UsageError, type Io } from "./io.js";
import { compileForCommand, type ProjectFlags } from "./project-context.js";
import { readRequest } from "./read-request.js";

/**
 * `bot-policy eval --request JSON|FILE [--zone Z]`: one decision, as one JSON line; with
 * `unseen_lists` when it depends on lists whose contents eval cannot see (decided as if the
 * request were in none of them).
 */
export function evalCommand(flags: ProjectFlags & { request: string; zone?: string }, io: Io): number {
  const read = readRequest(flags.request);
  // A request the schema refuses is a mistake in the command's input: located diagnostics, exit 2.
  if ("diagnostics" in read) {
    reportDiagnostics(io, read.diagnostics, "pretty", new Map([[read.file, read.text]]));
    return EXIT.usage;
  }
  const { request } = read;
  const compiled = compileForCommand(flags, io);
  if (!compiled) return EXIT.findings;
  const { plans } = compiled.result;
  const zones = plans.map((p) => p.zone);
  if (flags.zone === undefined && plans.length > 1) throw new UsageError(`This project has several zones (${zones.join(", ")}); choose one with --zone.`);
  const plan = flags.zone === undefined ? plans[0] : plans.find((p) => p.zone === flags.zone);
  if (!plan) throw new UsageError(`Unknown zone '${flags.zone ?? ""}' (zones: ${zones.join(", ") || "none"}).`);
  const converted = requestFields(request);
  if ("error" in converted) throw new UsageError(`Invalid request: ${converted.error}.`);
  const decision = decideRequest(compileZoneProgram(plan), converted.fields);
  // A decision that rests on a list eval cannot see says so, rather than pass for certain.
  const unseen = unseenLists(plan, converted.fields, decision);
  io.stdout(`${JSON.stringify(unseen.length > 0 ? { ...decision, unseen_lists: unseen } : decision)}\n`);
  return EXIT.ok;
}
