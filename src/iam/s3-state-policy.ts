/**
 * The least-privilege S3 statements for state on S3 (`--state
 * s3://bucket/prefix`), printed by `snapgate iam-policy --state` beside the
 * Lightsail ones:
 *
 *   StateBucket    the bucket checks made before anything else: versioning, the
 *                  default Object Lock retention
 *   StateList      listing, only under the prefix
 *   StateObjects   reading and writing the lock, journals, open markers and audit
 *                  segments under the prefix; PutObjectRetention because each audit
 *                  segment is written with its retention; Get*Retention/LegalHold so
 *                  `audit-log verify` can report it. DeleteObject only adds a delete
 *                  marker on a versioned bucket (an open marker's removal).
 *
 * Deliberately absent: s3:DeleteObjectVersion, s3:PutObjectLegalHold,
 * s3:BypassGovernanceRetention and any bucket configuration change — the
 * credentials that apply can neither destroy history nor lift its protection.
 */
import type { IamStatement } from "./types.js";

export const STATE_BUCKET_ACTIONS = [
  "s3:GetBucketVersioning",
  "s3:GetBucketObjectLockConfiguration",
] as const;

export const STATE_OBJECT_ACTIONS = [
  "s3:GetObject",
  "s3:PutObject",
  "s3:DeleteObject",
  "s3:PutObjectRetention",
  "s3:GetObjectRetention",
  "s3:GetObjectLegalHold",
] as const;

export function s3StateStatements(bucket: string, prefix: string): IamStatement[] {
  const bucketArn = `arn:aws:s3:::${bucket}`;
  return [
    { Sid: "StateBucket", Effect: "Allow", Action: [...STATE_BUCKET_ACTIONS], Resource: bucketArn },
    {
      // a condition of its own: the bucket checks above carry no s3:prefix
      Sid: "StateList",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: bucketArn,
      ...(prefix ? { Condition: { StringLike: { "s3:prefix": [`${prefix}/*`] } } } : {}),
    },
    {
      Sid: "StateObjects",
      Effect: "Allow",
      Action: [...STATE_OBJECT_ACTIONS],
      Resource: prefix ? `${bucketArn}/${prefix}/*` : `${bucketArn}/*`,
    },
  ];
}
