/** The human log format: one readable line per pino record, with the same redaction as JSON. */
import { describe, expect, it } from "vitest";
import { prettyLine } from "../../src/core/logger.js";

describe("prettyLine", () => {
  it("puts time, level and message first, then the fields", () => {
    const line = prettyLine(
      `${JSON.stringify({
        level: 40,
        time: Date.parse("2026-12-02T00:50:01.123Z"),
        pid: 1,
        hostname: "h",
        name: "snapgate",
        region: "us-east-1",
        snapshot: "web-old",
        outcome: "skipped",
        detail: "changed since plan: tags",
        counts: { deleted: 1 },
        msg: "skipped us-east-1/web-old",
      })}\n`,
    );
    expect(line).toBe(
      '2026-12-02T00:50:01.123Z WARN  skipped us-east-1/web-old  region=us-east-1 snapshot=web-old outcome=skipped detail="changed since plan: tags" counts={"deleted":1}\n',
    );
  });

  it("shows an error by its type and message, and passes a non-JSON line through", () => {
    const line = prettyLine(
      JSON.stringify({
        level: 50,
        time: 0,
        msg: "reconcile failed",
        err: { type: "Error", message: "boom", stack: "…" },
      }),
    );
    expect(line).toBe('1970-01-01T00:00:00.000Z ERROR reconcile failed  err="Error: boom"\n');
    expect(prettyLine("not json")).toBe("not json\n");
  });
});
