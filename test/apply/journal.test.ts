import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Journal } from "../../src/apply/journal.js";

describe("journal", () => {
  it("cuts a torn last line on open, so the next entry is not glued onto it and lost", async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), "snapgate-journal-")), "j.jsonl");
    const first = JSON.stringify({
      type: "intent",
      key: "us-east-1/a",
      arn: "arn:a",
      attempt: 1,
      at: "2026-11-27T00:00:00Z",
    });
    writeFileSync(file, `${first}\n{"type":"intent","key":"us-east-1/b","ar`);
    const journal = await Journal.open(file);
    expect(journal.inFlight("us-east-1/a")).toBe(true);
    expect(journal.state("us-east-1/b")).toBeUndefined();
    await journal.intent("us-east-1/c", "arn:c");
    expect(
      readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l !== ""),
    ).toHaveLength(2);
    const reopened = await Journal.open(file);
    expect(reopened.interrupted().map((i) => i.key)).toEqual(["us-east-1/a", "us-east-1/c"]);
  });
});
