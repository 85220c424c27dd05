/** True for `{…}` objects (not arrays, not null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The policy data snapgate sets: the bundle's data.json with spec.policy.data merged over it.
 * Objects merge key by key, recursively; anything else (numbers, lists, null) in the override
 * replaces the bundle's value. Same semantics as Rego's object.union.
 */
export function mergePolicyData(
  base: Readonly<Record<string, unknown>>,
  override: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = Object.hasOwn(merged, key) ? merged[key] : undefined;
    // defined, not assigned: a `__proto__` key (refused earlier) could never set a prototype
    Object.defineProperty(merged, key, {
      value:
        isPlainObject(current) && isPlainObject(value) ? mergePolicyData(current, value) : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return merged;
}
