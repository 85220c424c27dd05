import { randomBytes, randomUUID } from "node:crypto";
import { link, open, rename, rm, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Writes a file so that readers see the old content or the new, never half:
 * write a temp file beside it, flush it, rename it over the target, then
 * flush the directory so the rename survives a crash.
 */
export async function writeFileAtomic(file: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const fh = await open(tmp, "w", mode);
    try {
      await fh.writeFile(text, "utf8");
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dirname(file));
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}

/**
 * Creates `file` holding `content` only if it does not exist yet; false if it
 * does. Written whole beside it, then linked into place: never seen empty or
 * half-written, and exactly one of several racing creators wins.
 */
export async function createFileExclusive(
  file: string,
  content: string,
  opts: { mode: number; durable: boolean },
): Promise<boolean> {
  const tmp = `${file}.${randomUUID()}.tmp`;
  await writeFile(tmp, content, { mode: opts.mode, flush: opts.durable });
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}
