/**
 * The plan file's format version, apart from its schema: writing a plan needs only this
 * number, and building the schema (zod) costs every `plan` run its start-up time.
 */
export const PLAN_FORMAT_VERSION = 1 as const;
