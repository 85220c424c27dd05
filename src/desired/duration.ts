/**
 * Durations in the desired state (`maxAge: 90d`, `maxPlanAge: 1h`): a positive
 * whole number and one unit. Deliberately small: no fractions, no compound
 * forms, no bare numbers (is `90` days or seconds?), so a typo cannot silently
 * widen a retention window.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^([1-9]\d{0,8})([mhdw])$/;

/** Milliseconds for `30m`, `12h`, `90d`, `2w`; null for anything else (including `0d`). */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text);
  if (!match) return null;
  const [, amount, unit] = match;
  const perUnit = UNIT_MS[unit ?? ""];
  if (amount === undefined || perUnit === undefined) return null;
  const ms = Number(amount) * perUnit;
  return Number.isSafeInteger(ms) ? ms : null;
}

export const DURATION_HINT = "use a positive whole number followed by m, h, d or w (e.g. 90d)";

/**
 * A text parseDuration reads back as `ms`, for keep reasons: days first (`7d`,
 * `90d`, `2w` → `14d`), as retention windows are mostly written in days.
 */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m"] as const) {
    const perUnit = UNIT_MS[unit] as number;
    if (ms % perUnit === 0) return `${ms / perUnit}${unit}`;
  }
  return `${ms}ms`;
}
