/**
 * Where the desired state lives in a repository, and the warnings for YAML
 * files that snapgate would not read: a set moved to `snapshot/db.yaml` or a
 * `Snapgate.yaml` must not be silently ignored, because an undeclared keep
 * makes its snapshots deletion candidates. Pure: the file list is handed in.
 */
import type { ReconcilerSpec } from "../core/model.js";

export const RECONCILER_NAMES: readonly string[] = ["snapgate.yaml", "snapgate.yml"];
export const SNAPSHOTS_DIR = "snapshots";
/** Directories below snapshots/ that are read; deeper is refused. */
export const MAX_SNAPSHOT_DEPTH = 8;
/** YAML files under snapshots/ that are read; more is refused. */
export const MAX_SNAPSHOT_FILES = 1000;
/** Warnings listed one by one; the rest are counted in one line. */
export const MAX_LAYOUT_WARNINGS = 20;

/** Directories whose YAML snapgate knows is not desired state. */
const KNOWN_DIRS = ["policies", "iam"];

/** A YAML file name, extension in any case (`.yaml`, `.yml`, `.YAML`). */
export function isYamlName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}

/** Files the Reconciler refers to: they are read by the policy and access stages. */
export interface ReferencedPaths {
  /** spec.policy.bundle when not "builtin": a file or a directory */
  bundle?: string;
  /** spec.access.iamPolicy */
  iamPolicy?: string;
}

/**
 * One warning per YAML file of the commit that snapgate does not read.
 * `unread` lists the commit's files that were not written out (everything but
 * snapgate.yaml|yml, snapshots/, policies/ and iam/), as repo-relative paths.
 * Hidden paths (`.github/`, `.gitlab-ci.yml`, `.pre-commit-config.yaml`) are
 * tool configuration by convention and never warned about.
 */
export function unreadYamlWarnings(
  unread: readonly string[],
  referenced: ReferencedPaths = {},
): string[] {
  const ignored = unread
    .filter((file) => isYamlName(file) && !isKnown(file, referenced))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const shown = ignored.slice(0, MAX_LAYOUT_WARNINGS).map(warningFor);
  const more = ignored.length - shown.length;
  if (more > 0) shown.push(`and ${more} more YAML files that snapgate does not read`);
  return shown;
}

export function referencedPaths(spec: ReconcilerSpec): ReferencedPaths {
  return {
    ...(spec.policy.bundle !== "builtin" && { bundle: spec.policy.bundle }),
    ...(spec.access.iamPolicy !== undefined && { iamPolicy: spec.access.iamPolicy }),
  };
}

function isKnown(file: string, referenced: ReferencedPaths): boolean {
  const parts = file.split("/");
  if (parts.some((part) => part.startsWith("."))) return true;
  if (KNOWN_DIRS.some((dir) => isAtOrUnder(file, dir))) return true;
  const { bundle, iamPolicy } = referenced;
  if (bundle !== undefined && isAtOrUnder(file, trimSlashes(bundle))) return true;
  return iamPolicy !== undefined && file === trimSlashes(iamPolicy);
}

function warningFor(file: string): string {
  const notRead = `${printable(file)}: YAML file not read by snapgate, which reads only snapgate.yaml (or .yml) and snapshots/**/*.yaml (or .yml)`;
  const [top = "", ...rest] = file.split("/");
  if (rest.length === 0 && RECONCILER_NAMES.includes(top.toLowerCase()))
    return `${notRead}: names are case-sensitive, rename it to ${printable(top.toLowerCase())}`;
  if (rest.length > 0 && /^snapshots?$/i.test(top))
    return `${notRead}: snapshot sets belong under snapshots/ (lower case), move it there`;
  return `${notRead}; if it declares snapshots, move it under snapshots/`;
}

/** A path from the repository, safe for a terminal: control characters are shown escaped. */
function printable(file: string): string {
  return file.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

function isAtOrUnder(file: string, dir: string): boolean {
  return file === dir || file.startsWith(`${dir}/`);
}

function trimSlashes(p: string): string {
  return p.replace(/^\.\//, "").replace(/\/+$/, "");
}
