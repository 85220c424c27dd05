/** `snapgate iam-policy --repo <..>`: the least-privilege IAM policy matching the repo's access rules. */
import type { Command } from "commander";
import { generateIamPolicy } from "../iam/generate-policy.js";
import { loadDesiredFromDir } from "../reconcile/load-desired.js";
import { checkoutSource } from "../source/index.js";
import { cacheDirFor } from "./options.js";

export function registerIamPolicyCommand(program: Command): void {
  program
    .command("iam-policy")
    .description(
      "print the least-privilege IAM policy that matches the repo's scope, protect and access rules",
    )
    .requiredOption("--repo <path-or-url>", "desired-state git repository")
    .option("--ref <ref>", "branch, tag or commit")
    .option("--cache-dir <dir>", "git cache directory")
    .action(async (flags: { repo: string; ref?: string; cacheDir?: string }) => {
      const checkout = await checkoutSource({
        repo: flags.repo,
        ref: flags.ref,
        cacheDir: cacheDirFor(flags),
      });
      try {
        const { spec, sets } = await loadDesiredFromDir(checkout.dir);
        const policy = generateIamPolicy({
          account: spec.account,
          regions: spec.regions,
          scope: spec.scope,
          protect: spec.protect,
          access: spec.access,
          listsInstances: spec.freshness !== undefined || sets.some((s) => s.freshness),
        });
        process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
        if (spec.scope.namePattern !== undefined) {
          process.stderr.write(
            "note: scope.namePattern cannot be expressed in IAM (ARNs end in a UUID); snapgate enforces it locally\n",
          );
        }
      } finally {
        await checkout.release();
      }
    });
}
