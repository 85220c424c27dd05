/**
 * Webhook secrets come from a file (`--webhook-secret-file`) or the env var
 * `SNAPGATE_WEBHOOK_SECRET` — never from a command-line argument, which any
 * local user can read in the process list. A file holds one secret per line;
 * several lines are several valid secrets, for rotation. Blank lines and
 * lines starting with `#` are skipped; surrounding whitespace is trimmed.
 */
import { badInput, type InputIssue } from "../core/errors.js";
import { readBoundedText } from "../core/untrusted-file.js";

export const SECRET_ENV = "SNAPGATE_WEBHOOK_SECRET";
/** Shorter secrets are guessable offline from one captured signed request. */
const MIN_SECRET_LENGTH = 16;

export function parseSecrets(text: string, source: string): string[] {
  const secrets: string[] = [];
  const issues: InputIssue[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (line.length < MIN_SECRET_LENGTH) {
      issues.push({
        file: source,
        line: index + 1,
        message: `secret is shorter than ${MIN_SECRET_LENGTH} characters`,
      });
      return;
    }
    secrets.push(line);
  });
  if (issues.length > 0) throw badInput(issues);
  if (secrets.length === 0) throw badInput([{ file: source, message: "no secret found" }]);
  return secrets;
}

/** A few secrets fit in far less; a bigger file is not a secret file. */
const MAX_SECRETS_FILE_BYTES = 64 * 1024;

export async function readSecretsFile(file: string): Promise<string[]> {
  // bounded: a FIFO (whose open would block for ever) or /dev/zero is refused before a read
  const read = await readBoundedText(file, { maxBytes: MAX_SECRETS_FILE_BYTES });
  if (!read.ok) {
    const { kind, message } = read.problem;
    throw badInput([
      {
        file,
        message:
          kind === "missing"
            ? "cannot read the webhook secret file (ENOENT)"
            : `the webhook secret file ${message}`,
      },
    ]);
  }
  return parseSecrets(read.text, file);
}

/** The file wins over the env var; neither → [] (webhooks disabled, fail closed). */
export async function secretsFrom(options: {
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}): Promise<string[]> {
  if (options.file !== undefined) return readSecretsFile(options.file);
  const value = (options.env ?? process.env)[SECRET_ENV];
  if (value === undefined || value.trim() === "") return [];
  return parseSecrets(value, `env ${SECRET_ENV}`);
}
