import { gunzipSync } from "node:zlib";
import { PROTOTYPE_KEYS, protoKeyPath } from "../../core/unsafe-keys.js";
import { isPlainObject } from "./data-merge.js";
import { type BundleFiles, POLICY_ENTRYPOINT } from "./types.js";

/** A policy bundle is a few hundred KiB; refuse anything absurd before inflating it. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** Thrown for a bundle that is not what `opa build -t wasm` produces; the caller adds context. */
export class BundleFormatError extends Error {}

/** Every regular file of a .tar.gz, by path without the leading "/". */
export async function readTarGz(bytes: Uint8Array): Promise<Map<string, Buffer>> {
  // loaded here: only a bundle shipped as a tarball needs it, not every plan's start-up
  const { extract } = await import("./tar-extract.js");
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(bytes, { maxOutputLength: MAX_BUNDLE_BYTES });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === "ERR_BUFFER_TOO_LARGE") {
      throw new BundleFormatError(
        `it inflates to more than ${MAX_BUNDLE_BYTES / 1024 / 1024} MiB (a gzip bomb, or not a policy bundle)`,
      );
    }
    throw new BundleFormatError(`not a gzip file: ${e.message}`);
  }
  const files = new Map<string, Buffer>();
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on("end", () => {
        if (header.type === "file")
          files.set(header.name.replace(/^\/+/, ""), Buffer.concat(chunks));
        next();
      });
      stream.on("error", reject);
    });
    reader.on("finish", resolve);
    reader.on("error", (err: Error) =>
      reject(new BundleFormatError(`not a tar file: ${err.message}`)),
    );
  });
  reader.end(tarBytes);
  await done;
  return files;
}

function parseJson(name: string, bytes: Buffer): unknown {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new BundleFormatError(`${name} is not valid JSON: ${(err as Error).message}`);
  }
  // JSON.parse keeps "__proto__" as a plain key, but merging it would set a prototype
  const path = protoKeyPath(value);
  if (path) {
    throw new BundleFormatError(
      `${name}: the key "__proto__" (at ${path.join(".")}) is not allowed`,
    );
  }
  return value;
}

/** A data.json's directory segments, refusing any that would walk into a prototype. */
function dataSegments(path: string): string[] {
  const segments = path.split("/").slice(0, -1);
  const bad = segments.find((s) => PROTOTYPE_KEYS.has(s) || s === "" || s === "." || s === "..");
  if (bad !== undefined) {
    throw new BundleFormatError(
      `${path}: a data path may not contain the segment ${JSON.stringify(bad)}`,
    );
  }
  return segments;
}

/**
 * The wasm module to load: the one .manifest maps to the snapgate/deletion entrypoint, or
 * policy.wasm when the bundle has no .manifest (the module's own entrypoint table is checked
 * at instantiation either way).
 */
function wasmModulePath(manifest: unknown): string {
  if (manifest === undefined) return "policy.wasm";
  const wasm = isPlainObject(manifest) ? manifest.wasm : undefined;
  if (!Array.isArray(wasm)) throw new BundleFormatError(".manifest lists no wasm modules");
  const entry = wasm.find((w) => isPlainObject(w) && w.entrypoint === POLICY_ENTRYPOINT);
  if (!entry || typeof entry.module !== "string") {
    const listed = wasm.map((w) => (isPlainObject(w) ? String(w.entrypoint) : "?")).join(", ");
    throw new BundleFormatError(
      `.manifest has no wasm module for entrypoint ${POLICY_ENTRYPOINT} (it lists: ${listed || "none"}); build with -e ${POLICY_ENTRYPOINT}`,
    );
  }
  return entry.module.replace(/^\/+/, "");
}

/**
 * Bundle data: every data.json, placed at its directory's path (as OPA does); the root
 * data.json at the top.
 */
function bundleData(files: Map<string, Buffer>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const dataFiles = [...files.keys()].filter((p) => p === "data.json" || p.endsWith("/data.json"));
  for (const path of dataFiles.sort((a, b) => a.length - b.length)) {
    const segments = dataSegments(path);
    const value = parseJson(path, files.get(path)!);
    if (segments.length === 0) {
      if (!isPlainObject(value)) throw new BundleFormatError("data.json must hold an object");
      for (const [key, v] of Object.entries(value)) defineData(data, key, v);
      continue;
    }
    let node = data;
    for (const segment of segments.slice(0, -1)) {
      const child = Object.hasOwn(node, segment) ? node[segment] : undefined;
      const next = isPlainObject(child) ? child : {};
      defineData(node, segment, next);
      node = next;
    }
    defineData(node, segments.at(-1)!, value);
  }
  return data;
}

/** An own data property, whatever the key: never a setter such as `__proto__`. */
function defineData(node: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

/** policy.wasm and data from an OPA wasm bundle (`opa build -t wasm`), as files by path. */
export function bundleFilesFrom(files: Map<string, Buffer>): BundleFiles {
  const manifestBytes = files.get(".manifest");
  const manifest = manifestBytes ? parseJson(".manifest", manifestBytes) : undefined;
  const modulePath = wasmModulePath(manifest);
  const wasm = files.get(modulePath);
  if (!wasm) {
    throw new BundleFormatError(`no ${modulePath} in the bundle: build it with opa build -t wasm`);
  }
  return { wasm, data: bundleData(files) };
}
