import { compileZoneProgram, decideRequest } from "../evaluate/decide.js";
import { requestFields } from "../evaluate/request-fields.js";
import { EXIT, reportDiagnostics, UsageError, type Io } from "./io.js";
import { compileForCommand, type ProjectFlags } from "./project-context.js";
import { readRequest } from "./read-request.js";

/** `bot-policy eval --request JSON|FILE [--zone Z]`: one decision, as one JSON line. */
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
  io.stdout(`${JSON.stringify(decision)}\n`);
  return EXIT.ok;
}
