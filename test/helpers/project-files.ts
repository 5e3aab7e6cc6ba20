import { readProjectFiles } from "../../src/cli/read-project-files.js";
import type { ProjectFiles } from "../../src/model/project.js";

/** A project folder's files as the pipeline takes them. */
export function projectFiles(dir: string): ProjectFiles {
  return readProjectFiles(dir).files;
}
