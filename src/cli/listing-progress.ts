/**
 * `plan` on a terminal: one line on stderr, redrawn as pages arrive, so a listing of 16
 * regions does not look like a hang. Nothing when stderr is not a TTY (CI logs, pipes).
 */
import type { ListingProgress } from "../lightsail/inventory.js";

const CLEAR_LINE = "\r\u001b[2K";

export function listingProgress(
  tty: boolean,
  write: (text: string) => void = (t) => process.stderr.write(t),
): { update?: (p: ListingProgress) => void; finish(): void } {
  if (!tty) return { finish() {} };
  let drawn = false;
  return {
    update(p) {
      const regions = `${p.regionsDone}/${p.regionsTotal} region(s)`;
      write(
        `${CLEAR_LINE}listing live snapshots: ${regions} done, ${p.snapshots} snapshot(s) so far`,
      );
      drawn = true;
    },
    finish() {
      if (drawn) write(CLEAR_LINE);
      drawn = false;
    },
  };
}
