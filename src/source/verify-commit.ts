/**
 * `serve --verify-commits`: before applying, the reconciled commit's signature
 * must verify against a trusted keyring (`git verify-commit` with GNUPGHOME set
 * to the keyring dir), in the same hardened cache the plan was made from.
 */
import { execFile } from "node:child_process";
import { withCacheRepo } from "./checkout.js";
import { normaliseRepo } from "./repo-url.js";

export interface VerifyCommitOptions {
  repo: string;
  commit: string;
  cacheDir: string;
  /** GnuPG home holding only the trusted public keys */
  keyringDir: string;
}

/** null when the signature verifies; otherwise why not. */
export async function verifyCommitSignature(opts: VerifyCommitOptions): Promise<string | null> {
  if (!/^[0-9a-f]{40,64}$/.test(opts.commit)) return `not a full commit sha: ${opts.commit}`;
  return withCacheRepo(
    normaliseRepo(opts.repo),
    { repo: opts.repo, cacheDir: opts.cacheDir },
    (repo) =>
      new Promise<string | null>((resolve) => {
        execFile(
          "git",
          [
            "--git-dir",
            repo.gitDir,
            "-c",
            "core.hooksPath=/dev/null",
            "verify-commit",
            "--raw",
            opts.commit,
          ],
          {
            env: {
              PATH: process.env.PATH ?? "/usr/bin:/bin",
              GNUPGHOME: opts.keyringDir,
              HOME: opts.keyringDir,
            },
            timeout: 30_000,
          },
          (err, _stdout, stderr) => {
            if (!err) return resolve(null);
            const status = stderr
              .split("\n")
              .find((l) => /GOODSIG|BADSIG|ERRSIG|NO_PUBKEY|EXPKEYSIG|REVKEYSIG/.test(l));
            resolve(
              status
                ? `git verify-commit: ${status.replace("[GNUPG:] ", "")}`
                : "the commit is not signed by a trusted key",
            );
          },
        );
      }),
  );
}
