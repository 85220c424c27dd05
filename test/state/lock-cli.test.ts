import { mkdir, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tryLock } from "../../src/core/file-lock.js";
import { tryS3Lock } from "../../src/state/s3-lock.js";
import { runCli } from "../helpers/cli.js";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";

let gw: S3Gateway;
beforeAll(async () => {
  gw = await startS3Gateway();
  await gw.createBucket("cli-locks");
});
afterAll(async () => {
  await gw?.stop();
});

describe("snapgate lock list|release", () => {
  it("on S3: lists the holder, refuses a wrong id, releases the right one", async () => {
    const a = await tryS3Lock(
      gw.store("cli-locks", "prod"),
      "apply-111122223333",
      "apply sha256:x",
    );
    if (!a.ok) throw new Error("no lock");
    const env = gw.env();
    const list = await runCli(["lock", "list", "--state", "s3://cli-locks/prod"], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${a.lock.lockId}  apply-111122223333  pid ${process.pid}`);
    const wrong = await runCli(["lock", "release", "nope", "--state", "s3://cli-locks/prod"], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("s3://cli-locks/prod: no lock has the id nope");
    // the holder (this process) is alive and its lease runs: refused without --force
    const early = await runCli(["lock", "release", a.lock.lockId], {
      ...env,
      SNAPGATE_STATE: "s3://cli-locks/prod",
    });
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /apply-111122223333 .* its lease runs for another \d+ s; releasing it now could let a second apply delete beside the first/,
    );
    expect(a.lock.isValid()).toBe(true);
    const right = await runCli(["lock", "release", a.lock.lockId, "--force"], {
      ...env,
      SNAPGATE_STATE: "s3://cli-locks/prod",
    });
    expect(right.code).toBe(0);
    expect(right.stdout).toContain(`released apply-111122223333 (${a.lock.lockId})`);
    expect((await runCli(["lock", "list", "--state", "s3://cli-locks/prod"], env)).stdout).toBe(
      "s3://cli-locks/prod: no locks\n",
    );
    await a.lock.release();
  });

  it("on a state directory: the lock files, released by token", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sg-cli-locks-"));
    await mkdir(path.join(dir, "locks"));
    const a = await tryLock(path.join(dir, "locks", "apply-111122223333.lock"), "apply sha256:y");
    if (!a.ok) throw new Error("no lock");
    const list = await runCli(["lock", "list", "--state-dir", dir]);
    expect(list.stdout).toContain(`${a.lock.owner.token}  apply-111122223333`);
    const right = await runCli(["lock", "release", a.lock.owner.token, "--state", dir]);
    expect(right.code).toBe(0);
    expect((await runCli(["lock", "list", "--state", dir])).stdout).toBe(`${dir}: no locks\n`);
  });

  it("a bad location is a located error", async () => {
    const r = await runCli(["lock", "list", "--state", "s3://Bad_Bucket/x"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^snapgate: --state: "s3:\/\/Bad_Bucket\/x": "Bad_Bucket" is not a valid S3 bucket name/,
    );
  });
});
