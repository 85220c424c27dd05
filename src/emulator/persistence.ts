/**
 * Atomic, coalesced persistence of the emulator state: a mutation schedules a
 * write within a few milliseconds; writes go to a temp file, are fsynced and
 * renamed over the state file, so a reader never sees half a file.
 */
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../core/atomic-write.js";
import { badInput } from "../core/errors.js";
import type { StoreData } from "./store.js";

export async function readStateFile(path: string): Promise<StoreData | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw badInput([
      { file: path, message: `cannot read the state file: ${(err as Error).message}` },
    ]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw badInput([
      { file: path, message: `the state file is not valid JSON: ${(err as Error).message}` },
    ]);
  }
  const d = data as Partial<StoreData> | null;
  const looksRight =
    d?.formatVersion === 1 &&
    typeof d.account === "string" &&
    typeof d.regions === "object" &&
    d.regions !== null;
  if (!looksRight) {
    throw badInput([{ file: path, message: "not an emulator state file (formatVersion 1)" }]);
  }
  return d as StoreData;
}

/** A write that failed is retried after this long (a full disk should not be hammered). */
const RETRY_AFTER_FAILED_WRITE_MS = 1000;

export class StateWriter {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;
  /** Writes are spaced by the last write's cost so a big state cannot hog the loop. */
  private lastWriteMs = 0;
  /** mutations seen, and mutations known to be on disk */
  private version = 0;
  private persisted = 0;
  private waiters: { version: number; resolve: () => void; reject: (err: unknown) => void }[] = [];

  constructor(
    private readonly path: string,
    private readonly snapshot: () => StoreData,
    private readonly flushDelayMs = 2,
  ) {}

  changed(): void {
    this.version++;
    this.dirty = true;
    this.schedule();
  }

  private schedule(delayMs = Math.max(this.flushDelayMs, Math.min(this.lastWriteMs, 50))): void {
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch((err: unknown) => {
        // Keep serving and try again shortly: callers waiting in settled() must not hang
        // until some later mutation happens to schedule a write.
        this.dirty = true;
        process.stderr.write(`emulator: cannot write ${this.path}: ${(err as Error).message}\n`);
        this.schedule(RETRY_AFTER_FAILED_WRITE_MS);
      });
    }, delayMs);
  }

  /**
   * Resolves once every mutation made so far is on disk, riding on the coalesced
   * writes rather than forcing one per caller: concurrent requests share a write.
   */
  settled(): Promise<void> {
    if (this.persisted >= this.version) return Promise.resolve();
    const version = this.version;
    return new Promise((resolve, reject) => this.waiters.push({ version, resolve, reject }));
  }

  /** Writes now if anything changed; resolves once the file on disk is current. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.writing) await this.writing;
    if (!this.dirty) return;
    this.dirty = false;
    this.writing = this.write().finally(() => {
      this.writing = undefined;
      if (this.dirty) this.schedule();
    });
    await this.writing;
  }

  private async write(): Promise<void> {
    const started = performance.now();
    const version = this.version;
    try {
      await writeFileAtomic(this.path, JSON.stringify(this.snapshot()), 0o600);
    } catch (err) {
      // Never acknowledge what is not on disk: the waiting requests fail instead.
      for (const w of this.waiters.splice(0)) w.reject(err);
      throw err;
    }
    this.lastWriteMs = performance.now() - started;
    this.persisted = version;
    const done = this.waiters.filter((w) => w.version <= version);
    this.waiters = this.waiters.filter((w) => w.version > version);
    for (const w of done) w.resolve();
  }
}
