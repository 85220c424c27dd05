/**
 * Which repository a plan is applied against: the one the operator names
 * (--repo, SNAPGATE_REPO, or serve's own --repo), never only the one written
 * in the plan file — anyone can make a self-consistent plan from a repository
 * of their own. The plan must say it came from that same repository.
 */
import { realpathSync } from "node:fs";
import { refused } from "../core/errors.js";
import type { Plan } from "../core/model.js";
import { isRemoteUrl, normaliseRepo, redactUrl } from "../source/index.js";

/** The operator's repository (normalised, credentials kept for git), once the plan is proven to be from it. */
export function bindRepository(plan: Plan, named: string | undefined): string {
  if (named === undefined || named.trim() === "") {
    throw refused(
      `apply needs the repository the plan must come from: pass --repo <url|path> (or set SNAPGATE_REPO); the plan file's own source.repo (${plan.source.repo}) is not trusted on its own`,
    );
  }
  const repo = normaliseRepo(named);
  if (repositoryIdentity(repo) !== repositoryIdentity(plan.source.repo)) {
    throw refused(
      `the plan was made from ${plan.source.repo}, not from the repository you named (${redactUrl(repo)}); refusing: a plan applies only to the repository it came from`,
    );
  }
  return repo;
}

/**
 * What two spellings of one repository share: the normalised location without
 * credentials (plan files hold them redacted, operators pass them in full); a
 * local path by its real path, so a symlinked spelling is the same repository.
 */
export function repositoryIdentity(location: string): string {
  const normal = normaliseRepo(location);
  // query-string secrets too: the plan file holds them as `***`
  if (isRemoteUrl(normal))
    return redactUrl(normal.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/i, "$1"));
  try {
    return realpathSync(normal);
  } catch {
    return normal;
  }
}
