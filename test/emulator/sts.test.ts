/**
 * STS GetCallerIdentity on the emulator's port, through the real SDK client
 * (awsQuery: a form-encoded POST, an XML answer) and as raw HTTP, so the wire
 * format is pinned down too.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

const ACCOUNT = "444455556666";
let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    seed: {
      account: ACCOUNT,
      principals: [
        { accessKeyId: "AKIDOPS", secretAccessKey: "ops-secret", policy: { Statement: [] } },
      ],
      regions: { "us-east-1": { snapshots: [] } },
    },
  });
});
afterAll(() => emu?.close());

function sts(accessKeyId = "test", secretAccessKey = "test"): STSClient {
  return new STSClient({
    endpoint: emu.url,
    region: "eu-west-2",
    credentials: { accessKeyId, secretAccessKey },
    maxAttempts: 1,
  });
}

async function rejection(
  p: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to fail");
}

/** A form POST signed like the SDK signs it, for `service`. */
async function signedForm(form: string, service = "sts", secret = "test") {
  const url = new URL(emu.url);
  const signer = new SignatureV4({
    credentials: { accessKeyId: "test", secretAccessKey: secret },
    region: "us-east-1",
    service,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: "POST",
    protocol: "http:",
    hostname: url.hostname,
    port: Number(url.port),
    path: "/",
    headers: {
      host: url.host,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: form,
  });
  const res = await fetch(emu.url, {
    method: "POST",
    headers: signed.headers as Record<string, string>,
    body: form,
  });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

describe("sts:GetCallerIdentity", () => {
  it("the SDK gets the account, ARN and user id of each key, and a request id", async () => {
    const root = await sts().send(new GetCallerIdentityCommand({}));
    expect(root).toMatchObject({
      Account: ACCOUNT,
      Arn: `arn:aws:iam::${ACCOUNT}:root`,
      UserId: ACCOUNT,
    });
    expect(root.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const ops = await sts("AKIDOPS", "ops-secret").send(new GetCallerIdentityCommand({}));
    expect(ops).toMatchObject({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/AKIDOPS` });
    expect(
      emu
        .calls()
        .filter((c) => c.operation === "GetCallerIdentity")
        .map((c) => c.principal),
    ).toEqual(["test", "AKIDOPS"]);
  });

  it("refuses a wrong secret (SignatureDoesNotMatch) and an unknown key (InvalidClientTokenId), 403", async () => {
    const wrong = await rejection(sts("AKIDOPS", "nope").send(new GetCallerIdentityCommand({})));
    expect(wrong.name).toBe("SignatureDoesNotMatch");
    expect(wrong.$metadata?.httpStatusCode).toBe(403);
    const unknown = await rejection(sts("AKIDGHOST", "x").send(new GetCallerIdentityCommand({})));
    expect(unknown.name).toBe("InvalidClientTokenId");
    expect(unknown.$metadata?.httpStatusCode).toBe(403);
  });

  it("answers in STS's XML namespace; a signature scoped to another service is refused", async () => {
    const ok = await signedForm("Action=GetCallerIdentity&Version=2011-06-15");
    expect(ok.status).toBe(200);
    expect(ok.type).toBe("text/xml");
    expect(ok.text).toContain(
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">',
    );
    expect(ok.text).toMatch(/<Account>444455556666<\/Account>/);
    expect(ok.text).toMatch(/<ResponseMetadata>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>/);

    const lightsailScoped = await signedForm(
      "Action=GetCallerIdentity&Version=2011-06-15",
      "lightsail",
    );
    expect(lightsailScoped.status).toBe(403);
    expect(lightsailScoped.text).toMatch(/<Code>SignatureDoesNotMatch<\/Code>/);
    expect(lightsailScoped.text).toContain("scoped to service 'sts'");
  });

  it("an unknown action or version is InvalidAction; no signature is MissingAuthenticationToken", async () => {
    const action = await signedForm("Action=AssumeRole&Version=2011-06-15");
    expect(action.status).toBe(400);
    expect(action.text).toMatch(/<Code>InvalidAction<\/Code>/);
    const version = await signedForm("Action=GetCallerIdentity&Version=2020-01-01");
    expect(version.text).toMatch(/<Code>InvalidAction<\/Code>/);

    const unsigned = await fetch(emu.url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(unsigned.status).toBe(403);
    const text = await unsigned.text();
    expect(text).toContain('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
    expect(text).toMatch(/<Code>MissingAuthenticationToken<\/Code>/);
  });
});
