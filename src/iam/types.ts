/**
 * IAM identity-policy evaluation, as AWS does it for Lightsail's tag-based
 * access control. Used by the emulator (to enforce) and by snapgate's access
 * gate (to predict), so both sides agree by construction.
 */

export interface IamStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  /** operator → condition key → value(s) */
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface IamPolicyDocument {
  Version?: string;
  Statement: IamStatement | IamStatement[];
}

/** One authorisation question: may this principal do `action` on `resource`? */
export interface IamRequest {
  /** e.g. "lightsail:DeleteDiskSnapshot" */
  action: string;
  /** the resource ARN, or "*" for actions without resource types */
  resource: string;
  /** the resource's current tags (aws:ResourceTag/*) */
  resourceTags?: Readonly<Record<string, string>>;
  /** tags in the request (aws:RequestTag/*, and aws:TagKeys from their keys) */
  requestTags?: Readonly<Record<string, string>>;
  /** aws:TagKeys when not derived from requestTags (e.g. UntagResource's tagKeys) */
  tagKeys?: readonly string[];
}

export type IamDecision =
  | { effect: "allow"; statement: string }
  | { effect: "explicit-deny"; statement: string }
  | { effect: "implicit-deny" };
