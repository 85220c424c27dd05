/** The repository's IAM policy file is untrusted input: read strictly, never repaired. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SnapgateError } from "../../src/core/errors.js";
import { loadDesiredFromDir } from "../../src/reconcile/load-desired.js";
import { loadGateDeps } from "../../src/reconcile/load-gate-deps.js";
import { RECONCILER } from "../helpers/scenario.js";

const POLICY = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "lightsail:DeleteDiskSnapshot", Resource: "*" }],
};

async function stagesFor(policyBytes: Buffer) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "snapgate-iam-"));
  writeFileSync(
    path.join(dir, "snapgate.yaml"),
    RECONCILER.replace("  policy:", "  access:\n    iamPolicy: iam/reconciler.json\n  policy:"),
  );
  mkdirSync(path.join(dir, "iam"));
  writeFileSync(path.join(dir, "iam", "reconciler.json"), policyBytes);
  return loadGateDeps(await loadDesiredFromDir(dir), dir);
}

describe("spec.access.iamPolicy file", () => {
  it("loads a valid UTF-8 policy", async () => {
    const stages = await stagesFor(Buffer.from(JSON.stringify(POLICY, null, 2)));
    expect(typeof stages.gate.access).toBe("function");
  });

  it("refuses invalid UTF-8 with its line and column instead of replacing the byte", async () => {
    const text = JSON.stringify(POLICY, null, 2).replace('"*"', '"arn:*\u0000"');
    const bytes = Buffer.from(text);
    bytes[bytes.indexOf(0)] = 0xff; // one invalid byte inside the Resource string
    const err = await stagesFor(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapgateError);
    expect((err as SnapgateError).code).toBe("BadInput");
    expect((err as SnapgateError).issues).toEqual([
      expect.objectContaining({
        file: "iam/reconciler.json",
        line: 7,
        message: "is not valid UTF-8",
      }),
    ]);
  });
});
