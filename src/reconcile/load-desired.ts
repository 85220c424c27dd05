import type { DesiredState } from "../core/model.js";
import { loadDesiredState, readDesiredFiles } from "../desired/index.js";

/** Reads and validates the desired state of a checked-out repo (all problems at once). */
export async function loadDesiredFromDir(dir: string): Promise<DesiredState> {
  return loadDesiredState(await readDesiredFiles(dir));
}
