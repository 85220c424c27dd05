/**
 * The one way this module runs git: through simple-git, against our own cache
 * repository (never the user's), with everything that could execute code from a
 * repository switched off and nothing able to wait for a password.
 */
import { type SimpleGit, simpleGit } from "simple-git";
import { messageOf, SnapgateError } from "../core/errors.js";

/**
 * `-c` settings on every call. Values are constants of ours, never user input,
 * which is why enabling simple-git's matching `unsafe` switches is legitimate.
 */
const HARDENING_CONFIG = [
  "core.hooksPath=/dev/null", // no hook ever runs (reference-transaction, post-checkout, …)
  "core.fsmonitor=false", // no fsmonitor daemon/command
  "submodule.recurse=false",
  "fetch.recurseSubmodules=false",
  "credential.interactive=false", // git >= 2.46: helpers must not prompt either
  "gc.autoDetach=false", // auto-gc finishes inside our cache lock
  "log.showSignature=false", // never start gpg
];

/**
 * Operator settings for the transport that we pass through. Every other ambient
 * GIT_* variable is dropped (simple-git's environment guard would refuse them).
 */
const PASSTHROUGH_ENV = [
  "GIT_SSL_CAINFO",
  "GIT_SSL_CAPATH",
  "GIT_SSL_CERT",
  "GIT_SSL_KEY",
  "GIT_SSL_CERT_PASSWORD_PROTECTED",
  "GIT_SSL_NO_VERIFY",
  "GIT_SSL_VERSION",
  "GIT_SSL_CIPHER_LIST",
  "GIT_PROXY_SSL_CAINFO",
  "GIT_PROXY_SSL_CERT",
  "GIT_PROXY_SSL_KEY",
  "GIT_HTTP_PROXY_AUTHMETHOD",
  "GIT_HTTP_USER_AGENT",
  "GIT_SSH_VARIANT",
];

/** Variables simple-git guards besides GIT_*; dropped from the ambient environment. */
const GUARDED_NON_GIT = new Set(["editor", "pager", "prefix", "ssh_askpass", "visual"]);

/** Kill git when it has printed nothing for this long (progress output keeps a live fetch going). */
const SILENCE_TIMEOUT_MS = 120_000;

export interface Git {
  /** Runs `git <args>` and returns stdout as text. */
  text(args: string[]): Promise<string>;
  /** Runs `git cat-file <args>` and returns stdout as bytes. */
  bytes(catFileArgs: string[]): Promise<Buffer>;
  /** The contents of many objects from one `git cat-file --batch` process. */
  objects(ids: readonly string[]): Promise<Map<string, Buffer>>;
  /**
   * The commit each name points at (`<name>^{commit}`), with its raw object,
   * from one `git cat-file --batch` process.
   */
  commits(names: readonly string[]): Promise<Map<string, CommitLookup>>;
}

/** What one name resolves to in the cache. */
export type CommitLookup =
  | { found: true; sha: string; raw: Buffer }
  | { found: false; why: "missing" | "ambiguous" };

/** A git bound to one git directory (given as GIT_DIR, so no discovery walks up from cwd). */
export function gitFor(gitDir: string, cwd: string): Git {
  const env = buildEnv(gitDir);
  const git = hardenedSimpleGit(cwd).env(env);
  return {
    text: (args) => git.raw(args),
    bytes: (args) => git.binaryCatFile(args),
    objects: async (ids) => {
      if (ids.length === 0) return new Map();
      const stdin = `${[...new Set(ids)].join("\n")}\n`;
      const batch = hardenedSimpleGit(cwd, () => stdin).env(env);
      return parseCatFileBatch(await batch.binaryCatFile(["--batch"]));
    },
    commits: async (names) => {
      if (names.length === 0) return new Map();
      const stdin = `${names.map((n) => `${n}^{commit}`).join("\n")}\n`;
      const batch = hardenedSimpleGit(cwd, () => stdin).env(env);
      return parseCommitBatch(names, await batch.binaryCatFile(["--batch"]));
    },
  };
}

interface BatchRecord {
  /** the object id, or the name asked for when it was not found */
  id: string;
  /** the object type, or "missing" / "ambiguous" */
  type: string;
  /** the object's bytes; absent for "missing" and "ambiguous" */
  content?: Buffer;
}

/** Reads `git cat-file --batch` output in order: `<id> <type> <size>\n<content>\n`, or `<id> missing\n`. */
function* batchRecords(out: Buffer): Generator<BatchRecord> {
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    if (eol === -1) return;
    const [id = "", type = "", size = ""] = out.subarray(at, eol).toString("utf8").split(" ");
    at = eol + 1;
    if (type === "missing" || type === "ambiguous") {
      yield { id, type };
      continue;
    }
    const length = Number(size);
    yield { id, type, content: out.subarray(at, at + length) };
    at += length + 1;
  }
}

/** The objects of `git cat-file --batch` output by id; missing ones are left out. */
export function parseCatFileBatch(out: Buffer): Map<string, Buffer> {
  const objects = new Map<string, Buffer>();
  for (const r of batchRecords(out)) if (r.content) objects.set(r.id, r.content);
  return objects;
}

/**
 * The answers of `git cat-file --batch` to `<name>^{commit}` lines, one per
 * name in order: the commit's sha and raw object, "missing" or "ambiguous".
 */
export function parseCommitBatch(names: readonly string[], out: Buffer): Map<string, CommitLookup> {
  const result = new Map<string, CommitLookup>();
  const records = batchRecords(out);
  for (const name of names) {
    const r = records.next().value;
    result.set(
      name,
      r?.type === "commit" && r.content && /^[0-9a-f]{40,64}$/.test(r.id)
        ? { found: true, sha: r.id, raw: r.content }
        : { found: false, why: r?.type === "ambiguous" ? "ambiguous" : "missing" },
    );
  }
  return result;
}

function hardenedSimpleGit(cwd: string, input?: () => string): SimpleGit {
  const sshFromOperator =
    process.env.GIT_SSH_COMMAND !== undefined || process.env.GIT_SSH !== undefined;
  return simpleGit({
    baseDir: cwd,
    ...(input ? { input } : {}),
    config: HARDENING_CONFIG,
    timeout: { block: SILENCE_TIMEOUT_MS },
    unsafe: {
      allowUnsafeHooksPath: true,
      allowUnsafeFsMonitor: true,
      // GIT_SSH_COMMAND is either the operator's own or our BatchMode constant.
      allowUnsafeSshCommand: true,
    },
    allowEnvironment: [
      "GIT_DIR",
      "GIT_TERMINAL_PROMPT",
      "GIT_SSH_COMMAND",
      ...(sshFromOperator ? ["GIT_SSH"] : []),
      ...PASSTHROUGH_ENV,
    ],
  });
}

function buildEnv(gitDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    const lower = key.toLowerCase();
    if (lower.startsWith("git_") || GUARDED_NON_GIT.has(lower)) continue;
    env[key] = value;
  }
  for (const key of PASSTHROUGH_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  const { GIT_SSH_COMMAND, GIT_SSH } = process.env;
  if (GIT_SSH_COMMAND !== undefined) env.GIT_SSH_COMMAND = GIT_SSH_COMMAND;
  else if (GIT_SSH !== undefined) env.GIT_SSH = GIT_SSH;
  // Without the operator's own ssh command: fail instead of asking for a passphrase or host key.
  else env.GIT_SSH_COMMAND = "ssh -o BatchMode=yes";
  env.GIT_TERMINAL_PROMPT = "0";
  env.GIT_DIR = gitDir;
  return env;
}

/**
 * A git failure as a SourceFailed error: `<context>: <git's last lines>`, with
 * credentials removed by `redact`.
 */
export function sourceFailure(
  context: string,
  err: unknown,
  redact: (text: string) => string,
): SnapgateError {
  const detail = lastLines(messageOf(err), 4);
  const message = detail ? `${context}: ${detail}` : context;
  return new SnapgateError("SourceFailed", redact(message));
}

function lastLines(text: string, count: number): string {
  const lines = text
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter(
      (line) =>
        line !== "" &&
        !/^(remote: )?(Counting|Compressing|Receiving|Resolving|Enumerating|Total) /.test(line),
    );
  return lines.slice(-count).join("; ");
}
