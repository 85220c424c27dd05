/**
 * The layering of src/, as data: each top-level folder has a rank, and a file
 * may import only from its own folder or from folders of a lower rank. Equal
 * ranks are peers that never import each other (stages talk through core's
 * types), so no import cycle between folders can exist.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const RANKS: Readonly<Record<string, number>> = {
  // the shared vocabulary: types, keys, ARNs, tag matching, scope, ordering, errors
  core: 0,
  // edges and libraries that need only the vocabulary
  iam: 1,
  lightsail: 1,
  source: 1,
  desired: 1,
  state: 1,
  // stages
  diff: 2,
  gate: 2,
  plan: 2,
  "audit-log": 2,
  compliance: 2,
  emulator: 2,
  // the executor: lock, journal, delete, settle
  apply: 3,
  // derive once, approve, reconcile
  reconcile: 4,
  notify: 4,
  serve: 5,
  cli: 6,
  demo: 6,
  index: 7,
};

export interface Import {
  from: string;
  to: string;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g;

/** Every relative import between files under `srcDir`, as paths relative to it. */
export function importsOf(srcDir: string): Import[] {
  const out: Import[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".ts")) {
        const text = readFileSync(full, "utf8");
        for (const m of text.matchAll(IMPORT)) {
          const spec = m[1] ?? m[2];
          if (spec === undefined || !spec.startsWith(".")) continue;
          const target = path.resolve(path.dirname(full), spec).replace(/\.js$/, ".ts");
          out.push({ from: path.relative(srcDir, full), to: path.relative(srcDir, target) });
        }
      }
    }
  };
  walk(srcDir);
  return out;
}

/** The top-level folder of a path under src/ ("index" for src/index.ts). */
export function folderOf(rel: string): string {
  const first = rel.split(path.sep)[0] ?? rel;
  return first.endsWith(".ts") ? first.slice(0, -3) : first;
}

/** Each import that breaks the layering, described; empty when the layering holds. */
export function layeringProblems(imports: readonly Import[], ranks = RANKS): string[] {
  const problems: string[] = [];
  for (const { from, to } of imports) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b) continue;
    const ra = ranks[a];
    const rb = ranks[b];
    if (ra === undefined) problems.push(`${from}: folder ${a}/ has no rank`);
    else if (rb === undefined) problems.push(`${from} imports ${to}: folder ${b}/ has no rank`);
    else if (rb >= ra)
      problems.push(
        `${from} imports ${to}: ${a}/ (rank ${ra}) may import only lower ranks, ${b}/ is ${rb}`,
      );
  }
  return problems;
}

/** Folder-level import cycles (as "a → b → a"), found by depth-first search. */
export function folderCycles(imports: readonly Import[]): string[] {
  const edges = new Map<string, Set<string>>();
  for (const { from, to } of imports) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a)?.add(b);
  }
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, "open");
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === "open") cycles.push([...stack.slice(stack.indexOf(m)), m].join(" → "));
      else if (state.get(m) === undefined) visit(m);
    }
    stack.pop();
    state.set(n, "done");
  };
  for (const n of edges.keys()) if (state.get(n) === undefined) visit(n);
  return cycles;
}
