/**
 * IANA time zone names for calendar retention. Intl decides what exists (it
 * ships the tz database); on top of that the name must be spelled as IANA
 * spells it, since Intl also accepts `europe/berlin` or `utc` and a
 * misspelling in a reviewed file should not pass silently.
 */

const IANA_SHAPE = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Z0-9][A-Za-z0-9_+-]*)*$/;

/** The zone Intl resolves `name` to, or null when Intl does not know it. */
function resolvedZone(name: string): string | null {
  try {
    return new Intl.DateTimeFormat("en", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** null when `name` is an IANA time zone; otherwise why not. */
export function timeZoneProblem(name: string): string | null {
  const resolved = resolvedZone(name);
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 77)}...` : name);
  if (resolved !== null && IANA_SHAPE.test(name)) return null;
  const hint =
    // Only a real zone name is suggested: Node 24's Intl also resolves UTC offsets like "+01:00".
    resolved !== null &&
    resolved !== name &&
    IANA_SHAPE.test(resolved) &&
    resolved.toLowerCase() === name.toLowerCase()
      ? ` (did you mean "${resolved}"?)`
      : "";
  return `${shown} is not an IANA time zone${hint}`;
}
