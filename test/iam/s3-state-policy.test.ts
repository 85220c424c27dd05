import { describe, expect, it } from "vitest";
import { s3StateStatements } from "../../src/iam/s3-state-policy.js";

describe("the S3 state policy", () => {
  it("reaches only the prefix, and can neither delete versions nor lift retention", () => {
    const st = s3StateStatements("acme-snapgate", "prod/eu");
    expect(st.map((s) => s.Sid)).toEqual(["StateBucket", "StateList", "StateObjects"]);
    expect(st[1]?.Condition).toEqual({ StringLike: { "s3:prefix": ["prod/eu/*"] } });
    // the bucket checks carry no s3:prefix: a prefix condition on them would deny them
    expect(st[0]?.Condition).toBeUndefined();
    expect(st[2]?.Resource).toBe("arn:aws:s3:::acme-snapgate/prod/eu/*");
    const actions = st.flatMap((s) => [s.Action ?? []].flat());
    for (const forbidden of [
      "s3:DeleteObjectVersion",
      "s3:BypassGovernanceRetention",
      "s3:PutObjectLegalHold",
      "s3:PutBucketVersioning",
      "s3:PutBucketObjectLockConfiguration",
      "s3:*",
    ])
      expect(actions).not.toContain(forbidden);
  });

  it("a bucket without a prefix: every object of the bucket, listing unconditioned", () => {
    const st = s3StateStatements("b-1", "");
    expect(st[1]?.Condition).toBeUndefined();
    expect(st[2]?.Resource).toBe("arn:aws:s3:::b-1/*");
  });
});
