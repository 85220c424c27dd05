import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadDesiredState, readDesiredFiles } from "../../src/desired/index.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/desired-state", import.meta.url));
const DAY = 86_400_000;

describe("examples/desired-state", () => {
  it("loads without errors into the state the demo relies on", async () => {
    const state = loadDesiredState(await readDesiredFiles(EXAMPLE));
    expect(state.name).toBe("demo-lightsail");
    expect(state.spec.account).toBe("111122223333");
    expect(state.spec.regions).toStrictEqual(["us-east-1", "eu-west-2"]);
    expect(state.spec.scope).toStrictEqual({ matchTags: { "managed-by": "snapgate" } });
    expect(state.spec.protect).toStrictEqual({ matchTags: { "legal-hold": "*" } });
    expect(state.spec.access).toStrictEqual({
      allow: [{ matchTags: { team: "storage" } }],
      deny: [{ matchTags: { env: "prod" } }],
    });
    expect(state.sets).toStrictEqual([
      {
        name: "db",
        region: "eu-west-2",
        keep: ["db-data-before-migration"],
        retain: [
          { fromDisk: "db-data", newest: 5 },
          { fromDisk: "db-data", maxAgeMs: 365 * DAY, matchTags: { tier: "yearly" } },
        ],
        file: "snapshots/db.yaml",
      },
      {
        name: "db-replica",
        region: "eu-west-2",
        keep: [],
        retain: [{ fromDisk: "db-replica-data", newest: 2 }],
        file: "snapshots/db.yaml",
      },
      {
        name: "web",
        region: "us-east-1",
        keep: ["web-data-release-2-0", "web-data-pre-freeze"],
        retain: [
          {
            fromDisk: "web-data",
            calendar: { timezone: "America/New_York", daily: 7, weekly: 4, monthly: 6 },
          },
          { fromInstance: "web-1", calendar: { timezone: "UTC", daily: 3 } },
        ],
        file: "snapshots/web.yaml",
      },
    ]);
  });
});
