#!/usr/bin/env node
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, Option } from "commander";
import { compileCommand } from "./compile-command.js";
import { evalCommand } from "./eval-command.js";
import { importCommand } from "./import-command.js";
import { testCommand } from "./test-command.js";
import { EXIT, processIo, UsageError, type Io } from "./io.js";
import { planCommand } from "./plan-command.js";
import { reviewCommand } from "./review-command.js";
import { simulateCommand } from "./simulate-command.js";
import { validateCommand } from "./validate-command.js";
import { verifyCommand } from "./verify-command.js";

/**
 * The version in package.json, found by walking up from this module: it runs from `src/cli` under
 * tsx and vitest, and from `dist/src/cli` when built.
 */
function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (manifest.name === "bot-policy" && manifest.version !== undefined) return manifest.version;
    }
    if (dirname(dir) === dir) return "unknown";
  }
}

/**
 * Parses `--now`: a real calendar date as YYYY-MM-DD, at midnight UTC. `Date.parse` alone accepts
 * impossible dates such as 2026-02-30 (it rolls them over to March), so the date must read back
 * unchanged.
 */
function parseDateOption(text: string): string {
  const date = new Date(`${text}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new UsageError(`--now takes a real date as YYYY-MM-DD, not '${text}'.`);
  }
  return text;
}

/** Builds the command line; each action stores its exit code in `state`. */
function buildProgram(io: Io, state: { code: number }): Command {
  const program = new Command("bot-policy")
    .description("Cloudflare bot management as code: check, compile, test and plan YAML bot policies.")
    .showHelpAfterError("(run 'bot-policy --help' for usage)")
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .version(packageVersion(), "-V, --version", "print the version of bot-policy")
    .exitOverride();

  const project = (command: Command): Command =>
    command
      .option("--dir <dir>", "project folder (holds policies/ and Pulumi.<stack>.yaml)", ".")
      .option("--stack <stack>", "apply this stack's config (zones, plans, mode)")
      .option("--now <date>", "the date that decides which set items have expired (YYYY-MM-DD)", parseDateOption);

  project(program.command("validate").description("check every policy; print diagnostics"))
    .addOption(new Option("--format <format>", "output format").choices(["pretty", "json", "github", "sarif"]).default("pretty"))
    .action((flags) => {
      state.code = validateCommand(flags, io);
    });

  project(program.command("compile").description("write each zone's Cloudflare rulesets and Worker policy"))
    .requiredOption("--out <dir>", "output folder")
    .action((flags) => {
      state.code = compileCommand(flags, io);
    });

  project(program.command("plan").description("show what each zone gets: rules, stage, action, size and quota"))
    .addOption(new Option("--format <format>", "output format").choices(["pretty", "json"]).default("pretty"))
    .action((flags) => {
      state.code = planCommand(flags, io);
    });

  project(program.command("eval").description("decide one request: prints {action, rule, stage, logged} as one JSON line"))
    .requiredOption("--request <json|file>", "the request as JSON (policy field names), or a file holding it")
    .option("--zone <zone>", "the zone to evaluate in (needed when the project has several)")
    .action((flags) => {
      state.code = evalCommand(flags, io);
    });

  project(program.command("test").description("run policy tests (policies/*.test.yaml) with per-rule coverage"))
    .argument("[files...]", "test files to run (default: all)")
    .addOption(new Option("--format <format>", "output format").choices(["pretty", "json"]).default("pretty"))
    .addOption(
      new Option("--runtime <runtime>", "decide with the Node evaluator, or run the built Worker bundles in workerd (needs miniflare)")
        .choices(["node", "workerd"])
        .default("node"),
    )
    .action(async (files: string[], flags) => {
      state.code = await testCommand(files, flags, io);
    });

  project(program.command("simulate").description("replay Logpush traffic through a zone's rules: per rule matched, decided, unknown"))
    .requiredOption("--traffic <files...>", "Logpush http_requests NDJSON (gzip too) or request JSON lines; '-' for stdin")
    .option("--zone <zone>", "the zone the traffic is from (needed when the project has several)")
    .option("--base <ref>", "also decide every line at this git revision and report the decisions that change")
    .addOption(new Option("--format <format>", "output format").choices(["pretty", "json", "markdown"]).default("pretty"))
    .action(async (flags) => {
      state.code = await simulateCommand(flags, io);
    });

  program
    .command("review")
    .description("what a change does to enforcement, per stack and zone: Markdown for one PR comment, or JSON")
    .option("--dir <dir>", "project folder (holds policies/ and Pulumi.<stack>.yaml)", ".")
    .requiredOption("--base <ref>", "the git revision the change is compared with")
    .option("--head <ref>", "the git revision of the change (default: the working tree)")
    .option("--traffic <files...>", "also replay this Logpush traffic (or request JSON lines) at both revisions")
    .option("--zone <zone>", "the zone the traffic is from (needed when a stack has several)")
    .addOption(new Option("--format <format>", "output format").choices(["markdown", "json"]).default("markdown"))
    .option("--allow-mass-delete", "do not fail when a change removes more than 30 % of a zone's rules")
    .option("--now <date>", "the date that decides which set items have expired (YYYY-MM-DD)", parseDateOption)
    .action(async (flags) => {
      state.code = await reviewCommand(flags, io);
    });

  program
    .command("verify")
    .description("ask Cloudflare to validate each compiled ruleset of a stack in a dry run (nothing is saved); needs CLOUDFLARE_API_TOKEN")
    .option("--dir <dir>", "project folder (holds policies/ and Pulumi.<stack>.yaml)", ".")
    .requiredOption("--stack <stack>", "the stack whose zones are verified")
    .option("--now <date>", "the date that decides which set items have expired (YYYY-MM-DD)", parseDateOption)
    .addOption(new Option("--format <format>", "output format").choices(["pretty", "json", "github", "sarif"]).default("pretty"))
    .option("--api-base <url>", "the rulesets API's address (default: CLOUDFLARE_API_BASE_URL, else the SDK's)")
    .action(async (flags) => {
      state.code = await verifyCommand(flags, io);
    });

  program
    .command("import")
    .description("turn a zone's existing custom rules (the rulesets API's JSON) into a policy file, refs and order kept")
    .requiredOption("--from <file>", "the API's answer for GET /zones/<zone_id>/rulesets/phases/http_request_firewall_custom/entrypoint")
    .requiredOption("--zone <key>", "the zone key the policy applies to")
    .option("--policy <id>", "the policy id and file name (default: the zone key)")
    .option("--dir <dir>", "project folder (holds policies/)", ".")
    .action((flags) => {
      state.code = importCommand(flags, io);
    });

  return program;
}

/** Runs the command line on `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const state = { code: EXIT.ok as number };
  try {
    await buildProgram(io, state).parseAsync([...argv], { from: "user" });
    return state.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.stderr(`bot-policy: ${error.message}\n`);
      return EXIT.usage;
    }
    io.stderr(`bot-policy: internal error, please report it: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.usage;
  }
}

function isMain(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  process.exitCode = await runCli(process.argv.slice(2));
}
