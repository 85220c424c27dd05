// The bare AWS SDK listing that the plan rows are measured against: the same pages plan
// lists, with snapgate's client settings, nothing done with them. Imported by plan.mjs (warm,
// in its process); run as a script it lists once in a fresh process (cold: Node's start, the
// SDK's loading and its first calls), which the cold-plan row reports beside the cold CLI.
//   node bench/bare-listing.mjs <endpoint> <expected-snapshot-count>
import module from "node:module";
import { fileURLToPath } from "node:url";

/**
 * One client per region with snapgate's client settings (src/lightsail/client.ts), every
 * region's snapshot and disk pages walked at once; resolves to the number of snapshots.
 */
export async function bareListing(endpoint, regions) {
  const { GetDiskSnapshotsCommand, GetDisksCommand, LightsailClient } = await import(
    "@aws-sdk/client-lightsail"
  );
  const clients = regions.map(
    (region) =>
      new LightsailClient({
        region,
        endpoint,
        retryMode: "adaptive",
        cacheMiddleware: true,
        maxAttempts: 6,
      }),
  );
  const walk = async (client, Command, key) => {
    let pageToken;
    let n = 0;
    do {
      const page = await client.send(new Command({ pageToken }));
      n += page[key].length;
      pageToken = page.nextPageToken;
    } while (pageToken);
    return n;
  };
  return async () => {
    const counts = await Promise.all(
      clients.flatMap((c) => [
        walk(c, GetDiskSnapshotsCommand, "diskSnapshots"),
        walk(c, GetDisksCommand, "disks"),
      ]),
    );
    return counts.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0);
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // as the CLI does: later runs skip compiling the SDK
  module.enableCompileCache?.();
  const [endpoint, expected] = process.argv.slice(2);
  const { REGION_NAMES } = await import("../dist/core/regions.js");
  const listed = await (await bareListing(endpoint, REGION_NAMES))();
  if (listed !== Number(expected)) {
    throw new Error(`bare listing: ${listed} snapshots, expected ${expected}`);
  }
}
