import {
  AccessDeniedException,
  AccountSetupInProgressException,
  DeleteDiskSnapshotCommand,
  GetRegionsCommand,
  InvalidInputException,
  LightsailServiceException,
  NotFoundException,
  OperationFailureException,
  RegionSetupInProgressException,
  ServiceException,
  UnauthenticatedException,
} from "@aws-sdk/client-lightsail";
import { afterEach, describe, expect, it } from "vitest";
import { type ErrorType, type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { fleet, lightsail, rawCall } from "./helpers.js";

let emu: RunningEmulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error("expected the call to fail");
}

describe("every exception arrives as its SDK class", () => {
  const cases: [ErrorType, new (...args: never[]) => Error, "client" | "server", number][] = [
    ["AccessDeniedException", AccessDeniedException, "client", 403],
    ["AccountSetupInProgressException", AccountSetupInProgressException, "client", 428],
    ["InvalidInputException", InvalidInputException, "client", 400],
    ["NotFoundException", NotFoundException, "client", 404],
    ["OperationFailureException", OperationFailureException, "client", 400],
    ["RegionSetupInProgressException", RegionSetupInProgressException, "client", 428],
    ["ServiceException", ServiceException, "server", 500],
    ["UnauthenticatedException", UnauthenticatedException, "client", 401],
  ];
  it.each(cases)("%s", async (exception, cls, fault, status) => {
    emu = await startEmulator({ seed: fleet(0) });
    emu.faults.script({ operation: "GetRegions", exception, message: `injected ${exception}` });
    const err = await rejection(lightsail(emu, { maxAttempts: 1 }).send(new GetRegionsCommand({})));
    expect(err).toBeInstanceOf(cls);
    expect(err.name).toBe(exception);
    expect(err.$fault).toBe(fault);
    expect(err.$metadata).toMatchObject({ httpStatusCode: status });
    expect(err.message).toBe(`injected ${exception}`);
    expect(typeof err.code).toBe("string");
    expect(typeof err.docs).toBe("string");
    expect(typeof err.tip).toBe("string");
  });

  it("ThrottlingException as the base service exception, 400, Rate exceeded", async () => {
    emu = await startEmulator({ seed: fleet(0) });
    emu.faults.script({ exception: "ThrottlingException" });
    const err = await rejection(lightsail(emu, { maxAttempts: 1 }).send(new GetRegionsCommand({})));
    expect(err).toBeInstanceOf(LightsailServiceException);
    expect(err.name).toBe("ThrottlingException");
    expect(err.message).toBe("Rate exceeded");
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
  });
});

describe("SDK retries", () => {
  it("retries throttling until the call succeeds, visible in the call log", async () => {
    emu = await startEmulator({ seed: fleet(0) });
    emu.faults.script({ operation: "GetRegions", exception: "ThrottlingException", count: 2 });
    const out = await lightsail(emu, { maxAttempts: 3 }).send(new GetRegionsCommand({}));
    expect(out.$metadata.attempts).toBe(3);
    expect(emu.calls().map((c) => c.outcome)).toEqual([
      "ThrottlingException",
      "ThrottlingException",
      "ok",
    ]);
  });

  it("retries a 500 ServiceException until the call succeeds", async () => {
    emu = await startEmulator({ seed: fleet(1) });
    emu.faults.script({ operation: "DeleteDiskSnapshot", exception: "ServiceException", count: 1 });
    const out = await lightsail(emu, { maxAttempts: 3 }).send(
      new DeleteDiskSnapshotCommand({ diskSnapshotName: "web-data-0000" }),
    );
    expect(out.operations![0]!.status).toBe("Succeeded");
    const deletes = emu.calls().filter((c) => c.operation === "DeleteDiskSnapshot");
    expect(deletes.map((c) => c.outcome)).toEqual(["ServiceException", "ok"]);
    expect(emu.deletedSnapshots()).toHaveLength(1);
  });

  it("does not retry modeled client errors", async () => {
    emu = await startEmulator({ seed: fleet(0) });
    await rejection(
      lightsail(emu, { maxAttempts: 3 }).send(
        new DeleteDiskSnapshotCommand({ diskSnapshotName: "nope-1" }),
      ),
    );
    expect(emu.calls()).toHaveLength(1);
  });
});

describe("wire protocol errors", () => {
  const fields = ["__type", "message", "code", "docs", "tip"];

  it("answers an unknown operation with UnknownOperationException", async () => {
    emu = await startEmulator();
    const res = await rawCall(emu, "Lightsail_20161128.DeleteEverything", "{}");
    expect(res.status).toBe(400);
    expect(res.body.__type).toBe("UnknownOperationException");
    expect(Object.keys(res.body)).toEqual(fields);
    expect(res.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(res.headers.get("x-amzn-requestid")).toBeTruthy();
  });

  it("answers a missing target, bad JSON and a non-object body with proper errors", async () => {
    emu = await startEmulator();
    expect((await rawCall(emu, undefined, "{}")).body.__type).toBe("UnknownOperationException");
    const bad = await rawCall(emu, "Lightsail_20161128.GetRegions", "{not json");
    expect([bad.status, bad.body.__type]).toEqual([400, "SerializationException"]);
    const arr = await rawCall(emu, "Lightsail_20161128.GetRegions", "[1]");
    expect([arr.status, arr.body.__type]).toEqual([400, "SerializationException"]);
  });

  it("answers a GET and an unsigned request without crashing", async () => {
    emu = await startEmulator();
    const get = await rawCall(emu, "Lightsail_20161128.GetRegions", "", { method: "GET" });
    expect(get.status).toBe(405);
    expect(Object.keys(get.body)).toEqual(fields);
    const unsigned = await rawCall(emu, "Lightsail_20161128.GetRegions", "{}", { sign: false });
    expect([unsigned.status, unsigned.body.__type]).toEqual([401, "UnauthenticatedException"]);
    // still serving afterwards
    expect((await rawCall(emu, "Lightsail_20161128.GetRegions", "{}")).status).toBe(200);
  });

  it("rejects a body that differs from the signed one", async () => {
    emu = await startEmulator({ seed: fleet(1) });
    const res = await rawCall(
      emu,
      "Lightsail_20161128.DeleteDiskSnapshot",
      '{"diskSnapshotName":"other-1"}',
      {
        sendBody: '{"diskSnapshotName":"web-data-0000"}',
      },
    );
    expect([res.status, res.body.__type]).toEqual([401, "UnauthenticatedException"]);
    expect(emu.snapshots()).toHaveLength(1);
  });

  it("answers a region Lightsail does not serve with InvalidInputException", async () => {
    emu = await startEmulator();
    const res = await rawCall(emu, "Lightsail_20161128.GetRegions", "{}", {
      region: "mars-north-1",
    });
    expect([res.status, res.body.__type]).toEqual([400, "InvalidInputException"]);
  });
});
