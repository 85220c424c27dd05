/** The apply lock's name for an account, the same on S3 as on disk. */
export function applyLockName(account: string): string {
  return `apply-${account}`;
}
