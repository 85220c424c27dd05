/**
 * Commit metadata parsed from the raw commit object (`git cat-file commit`),
 * so no log format, mailmap or signature config can change what we record.
 */

export interface CommitInfo {
  /** `Name <email>` */
  author: string;
  /** committer date, ISO 8601 with the committer's offset, e.g. `2026-11-01T10:00:00+02:00` */
  committedAt: string;
  /** the full message, trailing newlines removed */
  message: string;
}

const IDENT = /^(.*) (\d+) ([+-])(\d{2})(\d{2})$/;

export function parseCommitObject(raw: string): CommitInfo {
  const blank = raw.indexOf("\n\n");
  const headerText = blank === -1 ? raw : raw.slice(0, blank);
  const message = blank === -1 ? "" : raw.slice(blank + 2).replace(/\n+$/, "");
  let author = "";
  let committedAt = "";
  for (const line of headerText.split("\n")) {
    // Continuation lines (" …") belong to multi-line headers such as gpgsig.
    if (line.startsWith("author ")) author = identName(line.slice(7));
    else if (line.startsWith("committer ")) committedAt = identDate(line.slice(10));
  }
  return { author, committedAt, message };
}

function identName(ident: string): string {
  const match = IDENT.exec(ident);
  return (match ? match[1] : ident) ?? ident;
}

function identDate(ident: string): string {
  const match = IDENT.exec(ident);
  if (!match) return "";
  const [, , seconds, sign, hh, mm] = match;
  const offsetMinutes = (sign === "-" ? -1 : 1) * (Number(hh) * 60 + Number(mm));
  const local = new Date((Number(seconds) + offsetMinutes * 60) * 1000);
  return `${local.toISOString().slice(0, 19)}${sign}${hh}:${mm}`;
}
