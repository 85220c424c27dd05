/** Desired state: the repository's YAML → the DesiredState model. */

export {
  compileNamePattern,
  MAX_NAME_PATTERN_LENGTH,
  namePatternProblem,
} from "../core/name-pattern.js";
export { MAX_CONFIG_FILE_BYTES, MAX_NESTING } from "../core/yaml-limits.js";
export { parseDuration } from "./duration.js";
export {
  isYamlName,
  MAX_SNAPSHOT_DEPTH,
  MAX_SNAPSHOT_FILES,
  RECONCILER_NAMES,
  type ReferencedPaths,
  referencedPaths,
  SNAPSHOTS_DIR,
  unreadYamlWarnings,
} from "./layout.js";
export { type DesiredFile, type DesiredFiles, loadDesiredState, RECONCILER_FILE } from "./load.js";
export { readDesiredFiles } from "./read-files.js";
export { API_VERSION, DEFAULT_MAX_PLAN_AGE_MS, GUARD_DEFAULTS } from "./schema.js";
