import { describe, expect, it } from "vitest";
import {
  signHex,
  verifyGenericSignature,
  verifyGiteaSignature,
  verifyGithubSignature,
  verifyGitlabToken,
} from "../../src/serve/verify/index.js";

// GitHub's documented example ("Validating webhook deliveries").
const GH_SECRET = "It's a Secret to Everybody";
const GH_PAYLOAD = Buffer.from("Hello, World!");
const GH_HEX = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

describe("verifyGithubSignature", () => {
  it("verifyGithubSignature(secret, payload, documented signature) returns true", () => {
    expect(signHex(GH_SECRET, GH_PAYLOAD)).toBe(GH_HEX);
    expect(verifyGithubSignature([GH_SECRET], GH_PAYLOAD, `sha256=${GH_HEX}`)).toBe(true);
  });

  it("returns true when the second of several secrets matches (rotation)", () => {
    expect(
      verifyGithubSignature(["old-secret-xxxxxxxx", GH_SECRET], GH_PAYLOAD, `sha256=${GH_HEX}`),
    ).toBe(true);
  });

  it("accepts upper-case hex for the same digest", () => {
    expect(verifyGithubSignature([GH_SECRET], GH_PAYLOAD, `sha256=${GH_HEX.toUpperCase()}`)).toBe(
      true,
    );
  });

  it("returns false for an incorrect secret", () => {
    expect(verifyGithubSignature(["It's a Secret to Nobody"], GH_PAYLOAD, `sha256=${GH_HEX}`)).toBe(
      false,
    );
  });

  it("returns false for a changed payload (one byte)", () => {
    expect(
      verifyGithubSignature([GH_SECRET], Buffer.from("Hello, World?"), `sha256=${GH_HEX}`),
    ).toBe(false);
  });

  it("is computed over raw bytes: special characters and re-serialised JSON differ", () => {
    const raw = Buffer.from('{"msg":"caf\u00e9 \u2603 <\\u0026>"}');
    const sig = `sha256=${signHex(GH_SECRET, raw)}`;
    expect(verifyGithubSignature([GH_SECRET], raw, sig)).toBe(true);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
    expect(verifyGithubSignature([GH_SECRET], reserialised, sig)).toBe(false);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["no prefix", GH_HEX],
    ["sha1 prefix", `sha1=${GH_HEX}`],
    ["too short", `sha256=${GH_HEX.slice(0, 63)}`],
    ["too long", `sha256=${GH_HEX}0`],
    ["non-hex", `sha256=${GH_HEX.slice(0, 63)}z`],
    ["two values joined", `sha256=${GH_HEX}, sha256=${GH_HEX}`],
  ])("returns false (never throws) for a %s header", (_name, header) => {
    expect(verifyGithubSignature([GH_SECRET], GH_PAYLOAD, header)).toBe(false);
  });

  it("never matches an empty secret, even with its own valid HMAC", () => {
    const sig = `sha256=${signHex("", GH_PAYLOAD)}`;
    expect(verifyGithubSignature([""], GH_PAYLOAD, sig)).toBe(false);
  });

  it("throws TypeError on misuse (not on attacker input)", () => {
    expect(() => verifyGithubSignature("secret" as unknown as string[], GH_PAYLOAD, "x")).toThrow(
      TypeError,
    );
    expect(() => verifyGithubSignature([GH_SECRET], "Hello" as unknown as Buffer, "x")).toThrow(
      TypeError,
    );
  });
});

describe("verifyGiteaSignature", () => {
  it("accepts the bare hex HMAC and rejects the prefixed form", () => {
    expect(verifyGiteaSignature([GH_SECRET], GH_PAYLOAD, GH_HEX)).toBe(true);
    expect(verifyGiteaSignature([GH_SECRET], GH_PAYLOAD, `sha256=${GH_HEX}`)).toBe(false);
    expect(verifyGiteaSignature([GH_SECRET], GH_PAYLOAD, undefined)).toBe(false);
    expect(verifyGiteaSignature(["wrong-secret-xxxxxx"], GH_PAYLOAD, GH_HEX)).toBe(false);
  });
});

describe("verifyGenericSignature", () => {
  it("accepts sha256=<hex> and rejects bad ones", () => {
    expect(verifyGenericSignature([GH_SECRET], GH_PAYLOAD, `sha256=${GH_HEX}`)).toBe(true);
    expect(verifyGenericSignature([GH_SECRET], GH_PAYLOAD, GH_HEX)).toBe(false);
    expect(verifyGenericSignature([GH_SECRET], Buffer.from(""), `sha256=${GH_HEX}`)).toBe(false);
  });
});

describe("verifyGitlabToken", () => {
  it("accepts a token equal to one of the secrets", () => {
    expect(verifyGitlabToken(["first-secret-xxxxxx", GH_SECRET], GH_PAYLOAD, GH_SECRET)).toBe(true);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["prefix of the secret", GH_SECRET.slice(0, -1)],
    ["secret plus a byte", `${GH_SECRET}x`],
    ["very long", "x".repeat(100_000)],
  ])("returns false for a %s token", (_name, token) => {
    expect(verifyGitlabToken([GH_SECRET], GH_PAYLOAD, token)).toBe(false);
  });

  it("never matches an empty secret", () => {
    expect(verifyGitlabToken([""], GH_PAYLOAD, "")).toBe(false);
  });
});
