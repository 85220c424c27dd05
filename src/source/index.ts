/** The git source of the desired state: see checkout.ts. */
export {
  branchesContaining,
  type CheckoutOptions,
  checkoutSource,
  MATERIALISED_PATHS,
  MAX_CHECKOUT_FILE_BYTES,
  MAX_TOTAL_BYTES,
  resolveRef,
  type SourceCheckout,
  type SourceOptions,
} from "./checkout.js";
export { defaultCacheDir, defaultStateDir } from "./paths.js";
export { isRemoteUrl, normaliseRepo, redactorFor, redactUrl } from "./repo-url.js";
export {
  type TreeDifference,
  workingTreeDifferences,
  workingTreeWarning,
} from "./working-tree.js";
