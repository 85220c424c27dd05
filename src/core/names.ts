/** Lightsail's ResourceName: at least two of [A-Za-z0-9_-], starting and ending with a word character. */
export const RESOURCE_NAME = /^\w[\w-]*\w$/;

export function isResourceName(name: string): boolean {
  return RESOURCE_NAME.test(name);
}

export const ACCOUNT_ID = /^\d{12}$/;
