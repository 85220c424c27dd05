/** ARN parsing, done in one place. */

/** The account of an ARN: arn:partition:service:region:account:resource. */
export function arnAccount(arn: string): string | undefined {
  // The text between the 4th and 5th colon, found with indexOf: this runs for
  // every live snapshot of every plan.
  let at = -1;
  for (let colon = 0; colon < 4; colon++) {
    at = arn.indexOf(":", at + 1);
    if (at === -1) return undefined;
  }
  const end = arn.indexOf(":", at + 1);
  return end === -1 ? arn.slice(at + 1) : arn.slice(at + 1, end);
}
