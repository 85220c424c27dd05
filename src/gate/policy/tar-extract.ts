/**
 * tar-stream behind a module of snapgate's own, so that bundle-archive can load it lazily:
 * esbuild gives a CommonJS package imported dynamically only a default export, while a
 * static import keeps its named ones.
 */
export { extract } from "tar-stream";
