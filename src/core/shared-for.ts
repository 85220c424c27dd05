/**
 * `read`, called at most once per `maxAgeMs` by `now`: callers in between share its answer
 * (also while it is still being read). For answers anyone may ask for often, such as serve's
 * /status, whose lock read costs S3 requests.
 */
export function sharedFor<T>(
  maxAgeMs: number,
  read: () => Promise<T>,
  now: () => number = () => performance.now(),
): () => Promise<T> {
  let last: { at: number; answer: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (last === undefined || at - last.at >= maxAgeMs) last = { at, answer: read() };
    return last.answer;
  };
}
