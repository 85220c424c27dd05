import { digestOf } from "./canonical-json.js";
import type { LiveSnapshot } from "./model.js";

/**
 * What apply compares before deleting: if any of these changed since the plan
 * was made, the snapshot is skipped ("changed since plan").
 */
export function fingerprint(s: LiveSnapshot): string {
  return digestOf({
    arn: s.arn,
    state: s.state,
    createdAt: s.createdAt,
    sizeInGb: s.sizeInGb,
    tags: s.tags,
  });
}
