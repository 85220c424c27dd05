/** `snapgate iam-policy --repo <..>`: the least-privilege IAM policy matching the repo's access rules. */
import type { Command } from "commander";
import { badInput } from "../core/errors.js";
import { generateIamPolicy } from "../iam/generate-policy.js";
import { s3StateStatements } from "../iam/s3-state-policy.js";
import type { IamStatement } from "../iam/types.js";
import { loadDesiredFromDir } from "../reconcile/load-desired.js";
import { checkoutSource } from "../source/index.js";
import { parseStateLocation } from "../state/store.js";
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
    .option(
      "--state <s3://bucket/prefix>",
      "also the S3 statements for state at this location (the lock, journals, audit log)",
    )
    .action(async (flags: { repo: string; ref?: string; cacheDir?: string; state?: string }) => {
      const location = flags.state ? parseStateLocation(flags.state, "--state") : undefined;
      if (location && location.kind !== "s3")
        throw badInput([
          {
            file: "--state",
            message: `${JSON.stringify(flags.state)}: a state directory needs no IAM policy; give s3://bucket/prefix`,
          },
        ]);
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
        // One document for the role: the Lightsail statements, then the state bucket's.
        const statements: IamStatement[] = [
          ...(Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement]),
          ...(location?.kind === "s3" ? s3StateStatements(location.bucket, location.prefix) : []),
        ];
        process.stdout.write(`${JSON.stringify({ ...policy, Statement: statements }, null, 2)}\n`);
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
