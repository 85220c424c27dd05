/**
 * Keys that reach an object's prototype machinery when assigned (`obj[key] = v`): `__proto__`
 * replaces the prototype, `constructor` and `prototype` lead to it. Untrusted data (a
 * repository's policy data, a bundle's data paths) is refused when it holds one, rather than
 * losing it silently or writing through it.
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set([
  "__proto__",
  "constructor",
  "prototype",
]);

/** The path to the first own `__proto__` key at any depth of a JSON-like value, or null. */
export function protoKeyPath(
  value: unknown,
  at: (string | number)[] = [],
): (string | number)[] | null {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = protoKeyPath(item, [...at, i]);
      if (found) return found;
    }
    return null;
  }
  if (value === null || typeof value !== "object") return null;
  for (const key of Object.keys(value)) {
    if (key === "__proto__") return [...at, key];
    const found = protoKeyPath((value as Record<string, unknown>)[key], [...at, key]);
    if (found) return found;
  }
  return null;
}
