import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { environmentProblem } from "../../src/cli/exit-codes.js";
import { tempDir } from "../helpers/git-repo.js";

describe("errors of the environment are not internal errors", () => {
  it("names the path and syscall of a state directory that cannot be made", async () => {
    const dir = tempDir("snapgate-env-");
    await writeFile(path.join(dir, "afile"), "");
    const err = await mkdir(path.join(dir, "afile", "state"), { recursive: true }).catch((e) => e);
    expect(environmentProblem(err)).toBe(
      `cannot mkdir ${path.join(dir, "afile", "state")}: ENOTDIR (check --state-dir / --audit-log and their permissions)`,
    );
  });

  it("calls a dropped or refused connection a network or endpoint failure", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
      code: "ECONNREFUSED",
    });
    expect(environmentProblem(refused)).toBe("network error: connect ECONNREFUSED 127.0.0.1:9");
    const hangUp = Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    expect(environmentProblem(hangUp)).toBe("the endpoint failed: TimeoutError: socket hang up");
    expect(environmentProblem(new TypeError("x is undefined"))).toBeNull();
  });
});
