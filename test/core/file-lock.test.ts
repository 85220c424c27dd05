import { utimesSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tryLock } from "../../src/core/file-lock.js";
import { tempDir } from "../helpers/git-repo.js";

const lockIn = () => path.join(tempDir("snapgate-lock-"), "x.lock");
const owner = (over: Record<string, unknown>) =>
  JSON.stringify({
    pid: process.pid,
    host: os.hostname(),
    createdAt: "",
    purpose: "t",
    token: "t0",
    ...over,
  });

describe("file locks", () => {
  it("is exclusive, and a released lock can be taken again", async () => {
    const p = lockIn();
    const a = await tryLock(p, "a");
    expect(a.ok).toBe(true);
    const b = await tryLock(p, "b");
    expect(b).toMatchObject({ ok: false, holder: { purpose: "a", pid: process.pid } });
    if (a.ok) await a.lock.release();
    expect((await tryLock(p, "c")).ok).toBe(true);
  });

  it("never leaves an empty lock file: the owner is in the file the moment it exists", async () => {
    const p = lockIn();
    const a = await tryLock(p, "a");
    expect(a.ok).toBe(true);
    expect(JSON.parse(await readFile(p, "utf8"))).toMatchObject({ purpose: "a" });
  });

  it("breaks a lock whose pid is dead on this host", async () => {
    const p = lockIn();
    writeFileSync(p, owner({ pid: 2 ** 22 - 7 }));
    expect((await tryLock(p, "next")).ok).toBe(true);
  });

  it("breaks a lock with our pid from an earlier process instance (containers reuse pid 1)", async () => {
    const p = lockIn();
    writeFileSync(p, owner({ instance: "an-earlier-incarnation" }));
    expect((await tryLock(p, "next")).ok).toBe(true);
  });

  it("never steals a live lock, nor one from another host", async () => {
    const live = lockIn();
    writeFileSync(live, owner({ pid: 1, host: os.hostname() }));
    expect((await tryLock(live, "x")).ok).toBe(false);
    const remote = lockIn();
    writeFileSync(remote, owner({ pid: 2 ** 22 - 7, host: "another-host" }));
    expect((await tryLock(remote, "x")).ok).toBe(false);
  });

  it("treats an unreadable lock as held while it is fresh and as stale once old", async () => {
    const p = lockIn();
    writeFileSync(p, "");
    expect((await tryLock(p, "x")).ok).toBe(false);
    const old = Date.now() / 1000 - 120;
    utimesSync(p, old, old);
    expect((await tryLock(p, "x")).ok).toBe(true);
  });
});
