import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/io.js";
import { readProjectFiles } from "../../src/cli/read-project-files.js";

/** Whether this machine can make a named pipe (mkfifo is POSIX; Node has no API for it). */
function canMakeFifo(): boolean {
  try {
    execFileSync("mkfifo", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const root = process.getuid?.() === 0;

describe("readProjectFiles", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "bot-policy-files-"));
    mkdirSync(join(dir, "policies"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (path: string, text: string) => writeFileSync(join(dir, path), text);
  const codes = (diagnostics: ReadonlyArray<{ code: string; file: string; severity: string }>) => diagnostics.map((d) => `${d.severity} ${d.code} ${d.file}`);

  it("reads policies, tests and Pulumi files under project-relative POSIX paths", () => {
    write("policies/shop.yaml", "version: 1\n");
    write("policies/shop.test.yaml", "version: 1\n");
    write("policies/b.yml", "version: 1\n");
    write("policies/README.md", "not read, not warned about\n");
    write("Pulumi.yaml", "name: bot-policy\n");
    write("Pulumi.dev.yaml", "config: {}\n");
    write("other.yaml", "not part of the project\n");
    const { files, diagnostics } = readProjectFiles(dir);
    expect([...files.keys()].sort()).toEqual(["Pulumi.dev.yaml", "Pulumi.yaml", "policies/b.yml", "policies/shop.test.yaml", "policies/shop.yaml"]);
    expect(files.get("policies/shop.yaml")).toBe("version: 1\n");
    expect(diagnostics).toEqual([]);
  });

  it("removes a byte order mark, so it shifts no column", () => {
    write("policies/a.yaml", "\uFEFFversion: 1\n");
    write("Pulumi.dev.yaml", "\uFEFFconfig: {}\n");
    const { files } = readProjectFiles(dir);
    expect(files.get("policies/a.yaml")).toBe("version: 1\n");
    expect(files.get("Pulumi.dev.yaml")).toBe("config: {}\n");
  });

  it("throws a one-line usage error for a --dir that is missing or not a folder, or a project without policies/", () => {
    expect(() => readProjectFiles(join(dir, "nope"))).toThrow(UsageError);
    expect(() => readProjectFiles(join(dir, "nope"))).toThrow(new UsageError(`--dir '${join(dir, "nope")}' cannot be used: it does not exist (or is a link to nothing).`));
    write("file", "x");
    expect(() => readProjectFiles(join(dir, "file"))).toThrow(new UsageError(`--dir '${join(dir, "file")}' is not a folder.`));
    rmSync(join(dir, "policies"), { recursive: true });
    expect(() => readProjectFiles(dir)).toThrow(new UsageError(`'${dir}' has no 'policies/' folder: run bot-policy in a project folder, or name one with --dir.`));
    write("policies", "a file");
    expect(() => readProjectFiles(dir)).toThrow(new UsageError(`'${join(dir, "policies")}' is not a folder.`));
  });

  it("reports a folder or a broken link named like a policy as unreadable", () => {
    mkdirSync(join(dir, "policies", "shop.yaml"));
    symlinkSync(join(dir, "missing.yaml"), join(dir, "policies", "gone.yaml"));
    const { files, diagnostics } = readProjectFiles(dir);
    expect(files.size).toBe(0);
    expect(diagnostics.map((d) => [d.code, d.file, d.message])).toEqual([
      ["BP104", "policies/gone.yaml", "Cannot read the file: it does not exist (or is a link to nothing)."],
      ["BP104", "policies/shop.yaml", "Cannot read the file: it is a folder."],
    ]);
  });

  it.skipIf(root)("reports a policy file without read permission (skipped as root, who may read anything)", () => {
    write("policies/a.yaml", "version: 1\n");
    chmodSync(join(dir, "policies", "a.yaml"), 0o000);
    expect(readProjectFiles(dir).diagnostics.map((d) => d.message)).toEqual(["Cannot read the file: permission denied."]);
  });

  it("skips a link to a device with a warning, without opening it", () => {
    symlinkSync("/dev/zero", join(dir, "policies", "zero.yaml"));
    const { files, diagnostics } = readProjectFiles(dir);
    expect(files.size).toBe(0);
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: "BP112", severity: "warning", file: "policies/zero.yaml", message: "This is a character device, not a regular file; it is skipped and never opened." }),
    ]);
  });

  it.skipIf(!canMakeFifo())("skips a named pipe with a warning instead of hanging on it (needs mkfifo)", () => {
    execFileSync("mkfifo", [join(dir, "policies", "pipe.yaml")]);
    write("policies/a.yaml", "version: 1\n");
    const { files, diagnostics } = readProjectFiles(dir);
    expect([...files.keys()]).toEqual(["policies/a.yaml"]);
    expect(codes(diagnostics)).toEqual(["warning BP112 policies/pipe.yaml"]);
    expect(diagnostics[0]?.message).toContain("a named pipe (FIFO)");
  });

  it("warns about sub-folders holding YAML and about upper-case extensions, never silently ignoring them", () => {
    mkdirSync(join(dir, "policies", "team", "deeper"), { recursive: true });
    write("policies/team/deeper/x.yaml", "version: 1\n");
    mkdirSync(join(dir, "policies", "notes"));
    write("policies/notes/readme.md", "no YAML: no warning\n");
    write("policies/Shop.YAML", "version: 1\n");
    write("policies/api.Yml", "version: 1\n");
    const { files, diagnostics } = readProjectFiles(dir);
    expect(files.size).toBe(0);
    expect(codes(diagnostics)).toEqual(["warning BP114 policies/Shop.YAML", "warning BP114 policies/api.Yml", "warning BP113 policies/team"]);
    expect(diagnostics[2]?.message).toBe("Folder 'policies/team' holds YAML files that are not read: policies and tests must be directly in 'policies/'.");
  });

  it("refuses the chosen stack's file when it is a folder or a device, and ignores another stack's", () => {
    mkdirSync(join(dir, "Pulumi.dev.yaml"));
    symlinkSync("/dev/null", join(dir, "Pulumi.prod.yaml"));
    expect(() => readProjectFiles(dir, { stack: "acme/bot-policy/dev" })).toThrow(new UsageError(`Cannot read the stack file '${join(dir, "Pulumi.dev.yaml")}': it is a folder.`));
    expect(() => readProjectFiles(dir, { stack: "prod" })).toThrow(new UsageError(`Cannot read the stack file '${join(dir, "Pulumi.prod.yaml")}': it is a character device.`));
    expect(readProjectFiles(dir, { stack: "staging" })).toEqual({ files: new Map(), diagnostics: [] });
  });
});
