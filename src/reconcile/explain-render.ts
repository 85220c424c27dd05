/** The text of `snapgate explain`: the verdict first, then every fact it rests on. */
import type { SnapshotSource } from "../core/model.js";
import type { Explanation } from "./explain.js";

const LABEL_WIDTH = 11;

function line(label: string, text: string): string {
  return `  ${label.padEnd(LABEL_WIDTH)}${text}`;
}

function more(text: string): string {
  return `  ${" ".repeat(LABEL_WIDTH)}${text}`;
}

function describeSource(source: SnapshotSource | null): string {
  if (!source) return "no source disk or instance";
  return `from ${source.kind} ${source.name}`;
}

export function renderExplanation(e: Explanation): string {
  const s = e.snapshot;
  const out: string[] = [`${e.region}/${e.name}: ${e.summary}`];
  out.push(
    line(
      "snapshot",
      `${s.createdAt} · ${s.state} · ${s.sizeInGb} GB · ${describeSource(s.source)}`,
    ),
  );
  const tags = Object.entries(s.tags).map(([k, v]) => `${k}=${v}`);
  out.push(line("tags", tags.length > 0 ? tags.join(", ") : "(none)"));
  if (e.outOfScope.length > 0) {
    out.push(line("scope", e.outOfScope[0]!));
    for (const m of e.outOfScope.slice(1)) out.push(more(m));
  }
  if (e.keepReasons.length > 0) {
    out.push(line("kept by", e.keepReasons[0]!));
    for (const r of e.keepReasons.slice(1)) out.push(more(r));
  }
  if (e.candidateReason !== null) out.push(line("candidate", e.candidateReason));
  if (e.verdict !== "out-of-scope") {
    if (e.rules.length === 0) {
      out.push(line("rules", `no retain rule of its source in ${e.region}`));
    } else {
      const noneKeeps = e.verdict === "deletion" || e.verdict === "blocked";
      e.rules.forEach((r, i) => {
        const text = `${r.rule}  (${r.file}, set ${r.set})`;
        out.push(i === 0 ? line("rules", text) : more(text));
      });
      if (noneKeeps) out.push(more("none of them keeps it"));
    }
  }
  // a candidate's protect verdict is one of its stages below
  if (e.protected && e.stages.length === 0)
    out.push(line("protect", "matches spec.protect: never deleted"));
  if (e.stages.length > 0) {
    for (const st of e.stages) {
      if (st.verdict === "pass") out.push(line(st.stage, "pass"));
      else {
        out.push(line(st.stage, `BLOCK ${st.messages[0]}`));
        for (const m of st.messages.slice(1)) out.push(more(`BLOCK ${m}`));
      }
    }
    for (const w of e.warnings) out.push(line("warning", w));
  } else if (e.verdict === "kept") {
    out.push(line("gate", "not a deletion candidate: guards, policy and access are not asked"));
  }
  out.push(
    line(
      "plan",
      `${e.plan.ref} @ ${e.plan.commit.slice(0, 12)} (${e.plan.repo}), ${e.plan.createdAt}`,
    ),
  );
  return `${out.join("\n")}\n`;
}
