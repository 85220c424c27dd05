import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { journalKey, S3Journal } from "../../src/apply/s3-journal.js";
import { type S3Gateway, startS3Gateway } from "../helpers/s3-gateway.js";

let gw: S3Gateway;
beforeAll(async () => {
  gw = await startS3Gateway();
  await gw.createBucket("journals");
});
afterAll(async () => {
  await gw?.stop();
});

const DIGEST = "sha256:abc123";
const arn = (n: string) => `arn:aws:lightsail:us-east-1:111122223333:DiskSnapshot/${n}`;

async function parts(prefix: string): Promise<number> {
  const out = await gw.client.send(
    new ListObjectsV2Command({ Bucket: "journals", Prefix: `${prefix}/${journalKey(DIGEST)}/` }),
  );
  return out.KeyCount ?? 0;
}

describe("the apply journal on S3", () => {
  it("round trip: what one run wrote, a run on another machine reads back", async () => {
    const journal = await S3Journal.open(gw.store("journals", "rt"), DIGEST);
    await journal.intent("us-east-1/a", arn("a"));
    await journal.result("us-east-1/a", "deleted", "deleted", [
      { id: "op-1", status: "Succeeded" },
    ]);
    await journal.intent("us-east-1/b", arn("b"));
    await journal.result("us-east-1/b", "failed", "throttled");
    await journal.intent("us-east-1/b", arn("b"));

    const other = await S3Journal.open(gw.store("journals", "rt", gw.newClient()), DIGEST);
    expect(other.state("us-east-1/a")).toMatchObject({
      intents: 1,
      arn: arn("a"),
      result: { outcome: "deleted", operations: [{ id: "op-1", status: "Succeeded" }] },
    });
    expect(other.state("us-east-1/b")?.intents).toBe(2);
    expect(other.state("us-east-1/c")).toBeUndefined();
  });

  it("resume: an intent without a result is in flight, and settling it closes it", async () => {
    const store = gw.store("journals", "resume");
    const crashed = await S3Journal.open(store, DIGEST);
    await crashed.intent("us-east-1/x", arn("x"));
    await crashed.intent("us-east-1/y", arn("y"));
    await crashed.result("us-east-1/y", "deleted", "deleted");

    const rerun = await S3Journal.open(gw.store("journals", "resume", gw.newClient()), DIGEST);
    expect(rerun.inFlight("us-east-1/x")).toBe(true);
    expect(rerun.inFlight("us-east-1/y")).toBe(false);
    expect(rerun.interrupted()).toEqual([{ key: "us-east-1/x", arn: arn("x") }]);
    await rerun.result("us-east-1/x", "absent", "gone after a delete interrupted by a crash");
    const third = await S3Journal.open(store, DIGEST);
    expect(third.interrupted()).toEqual([]);
    expect(third.state("us-east-1/x")?.result?.outcome).toBe("absent");
  });

  it("entries written in one tick share one object (group commit), each durable when it resolves", async () => {
    const journal = await S3Journal.open(gw.store("journals", "group"), DIGEST);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => journal.intent(`us-east-1/s${i}`, arn(`s${i}`))),
    );
    expect(await parts("group")).toBe(1);
    const reread = await S3Journal.open(gw.store("journals", "group", gw.newClient()), DIGEST);
    expect(reread.interrupted()).toHaveLength(20);
  });

  it("an intent is stored before intent() resolves", async () => {
    const store = gw.store("journals", "wal");
    const journal = await S3Journal.open(store, DIGEST);
    await journal.intent("us-east-1/z", arn("z"));
    // read by an independent client right away, as a process taking over after a crash would
    const seen = await S3Journal.open(gw.store("journals", "wal", gw.newClient()), DIGEST);
    expect(seen.inFlight("us-east-1/z")).toBe(true);
  });
});
