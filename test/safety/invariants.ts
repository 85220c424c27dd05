/**
 * The safety invariant, checked after one world ran. Returns every violation
 * (an empty list when the run was safe), each prefixed with the number of the
 * clause it breaks, so a shrunk counterexample says exactly what went wrong.
 *
 *  P  the plan: approved ∪ blocked = the reference candidates, protected and
 *     access-denied ones blocked with their kind, near misses of a keep name
 *     that is not live blocked by a guard, guards and policy respected
 *  1  every deleted snapshot was a legal, planned deletion (same ARN)
 *  2  nothing outside the plan was the target of DeleteDiskSnapshot
 *  3  nothing deleted twice; after any delete call that was not definitely
 *     refused (throttled), the snapshot is re-read before the next delete
 *  4  every approved snapshot is gone or has a recorded non-deleted outcome,
 *     in the apply result and in the journal
 *  5  the audit log verifies, with an intent before every delete
 */
import type { EmulatorSnapshot } from "../../src/emulator/index.js";
import { DAY_MS, NOW_MS, type WorldModel } from "./model.js";
import { keyOf, predicates, type Reference, reference } from "./reference.js";
import type { Observation } from "./world.js";

const DELETE = "DeleteDiskSnapshot";

function checkPlan(model: WorldModel, obs: Observation, ref: Reference, out: string[]) {
  const { plan } = obs;
  const approved = plan.deletions.map(keyOf);
  const blocked = plan.blocked.map(keyOf);
  const listed = [...approved, ...blocked];
  if (new Set(listed).size !== listed.length)
    out.push(`P: a snapshot is listed twice in deletions/blocked: ${listed.join(", ")}`);
  for (const k of listed)
    if (!ref.candidates.has(k))
      out.push(`P: ${k} is in the plan but is not a candidate (out of scope or desired)`);
  for (const k of ref.candidates)
    if (!listed.includes(k)) out.push(`P: candidate ${k} is neither approved nor blocked`);

  const blocks = new Map(plan.blocked.map((b) => [keyOf(b), b.blockedBy.map((x) => x.kind)]));
  for (const k of ref.protected)
    if (!blocks.get(k)?.includes("protect"))
      out.push(`P: protected ${k} is not blocked with kind "protect"`);
  for (const k of ref.accessDenied)
    if (!blocks.get(k)?.includes("access"))
      out.push(`P: access-denied ${k} is not blocked with kind "access"`);
  for (const k of ref.nearMiss)
    if (!blocks.get(k)?.includes("guard"))
      out.push(`P: ${k} looks like a keep name that is not live, yet is not blocked by a guard`);

  const live = new Map(obs.beforePlan.map((s) => [keyOf(s), s]));
  const { guards, minAgeDays } = model.reconciler;
  for (const d of plan.deletions) {
    const k = keyOf(d);
    const s = live.get(k);
    if (!ref.mayDelete.has(k))
      out.push(`P: ${k} is approved but the reference forbids deleting it`);
    if (s && s.arn !== d.arn)
      out.push(`P: ${k} is approved with ARN ${d.arn} but the live one is ${s.arn}`);
    if (s && s.state !== "completed") out.push(`P: ${k} is approved in state ${s.state}`);
    if (s && NOW_MS - s.createdAt.getTime() < minAgeDays * DAY_MS)
      out.push(`P: ${k} is approved but younger than minAgeDays ${minAgeDays}`);
  }
  const n = plan.deletions.length;
  if (n > guards.maxDeletions)
    out.push(`P: ${n} approved deletions exceed maxDeletions ${guards.maxDeletions}`);
  if (n > 0 && (n / ref.inScope.size) * 100 > guards.maxDeletionPercent) {
    out.push(
      `P: ${n}/${ref.inScope.size} approved exceeds maxDeletionPercent ${guards.maxDeletionPercent}`,
    );
  }
  if (!guards.allowEmpty && ref.desired.size === 0 && n > 0)
    out.push(`P: desired set is empty, allowEmpty is false, yet ${n} approved`);

  // minSnapshotsPerDisk: what remains of each touched disk, counting every live completed snapshot
  const deleting = new Set(approved);
  for (const d of plan.deletions) {
    if (d.fromDisk === null) continue;
    const left = obs.beforePlan.filter(
      (s) =>
        s.region === d.region &&
        s.fromDiskName === d.fromDisk &&
        s.state === "completed" &&
        !deleting.has(keyOf(s)),
    ).length;
    if (left < guards.minSnapshotsPerDisk) {
      out.push(
        `P: deleting ${keyOf(d)} leaves ${d.region}/${d.fromDisk} with ${left} completed snapshots < minSnapshotsPerDisk ${guards.minSnapshotsPerDisk}`,
      );
    }
  }
}

function checkDeletes(model: WorldModel, obs: Observation, ref: Reference, out: string[]) {
  const planned = new Map(obs.plan.deletions.map((d) => [keyOf(d), d]));
  const atApply = new Map(obs.beforeApply.map((s) => [s.arn, s]));
  // every delete call comes after the during-apply mutations: the snapshot must still pass then too
  const duringApply = new Map((obs.duringApply ?? []).map((s) => [s.arn, s]));
  const { inScope, isProtected, accessAllowed } = predicates(model);

  const arns = new Set<string>();
  for (const d of obs.deleted) {
    const k = keyOf(d);
    if (arns.has(d.arn)) out.push(`3: ${k} (${d.arn}) was deleted twice`);
    arns.add(d.arn);
    const p = planned.get(k);
    if (!p) out.push(`1: ${k} was deleted but is not in plan.deletions`);
    else if (p.arn !== d.arn)
      out.push(
        `1: ${k} was deleted with ARN ${d.arn}, but the plan approved ${p.arn} (re-created snapshot deleted)`,
      );
    if (!ref.mayDelete.has(k))
      out.push(`1: ${k} was deleted but the reference forbids it at plan time`);
    const now: EmulatorSnapshot | undefined = atApply.get(d.arn);
    if (!now) out.push(`1: ${k} (${d.arn}) was deleted but did not exist when apply started`);
    else {
      if (!inScope(now))
        out.push(
          `1: ${k} was deleted although it was out of scope when apply started (tags ${JSON.stringify(now.tags)})`,
        );
      if (isProtected(now))
        out.push(
          `1: ${k} was deleted although it was protected when apply started (tags ${JSON.stringify(now.tags)})`,
        );
      if (!accessAllowed(now))
        out.push(
          `1: ${k} was deleted although access denied it when apply started (tags ${JSON.stringify(now.tags)})`,
        );
    }
    const later = duringApply.get(d.arn);
    if (later && (!inScope(later) || isProtected(later) || !accessAllowed(later))) {
      out.push(
        `1: ${k} was deleted although it was retagged out of bounds before any delete was sent (tags ${JSON.stringify(later.tags)})`,
      );
    }
  }

  const calls = obs.calls.map((c, i) => ({ ...c, i, key: `${c.region}/${c.target}` }));
  const deletes = calls.filter((c) => c.operation === DELETE);
  for (const c of deletes)
    if (!planned.has(c.key))
      out.push(`2: DeleteDiskSnapshot was called for ${c.key}, which is not in the plan`);

  const byKey = new Map<string, typeof deletes>();
  for (const c of deletes) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c]);
  for (const [k, list] of byKey) {
    // A later call after the snapshot was removed is allowed only after a re-read (checked below):
    // an in-progress async delete still lists the snapshot, so the executor may legitimately try again.
    for (let j = 1; j < list.length; j++) {
      const prev = list[j - 1]!;
      const next = list[j]!;
      // a throttled call was definitely not performed; anything else may have been
      const definitive = prev.outcome === "ThrottlingException";
      const reread = calls.some(
        (c) =>
          c.operation === "GetDiskSnapshot" &&
          c.key === k &&
          c.i > prev.i &&
          c.i < next.i &&
          c.outcome !== "ServiceException" &&
          c.outcome !== "ThrottlingException",
      );
      if (!definitive && !reread)
        out.push(
          `3: DeleteDiskSnapshot for ${k} was called again after ${prev.outcome} without re-reading the snapshot first`,
        );
    }
  }
}

function checkOutcomes(obs: Observation, out: string[]) {
  const { plan, result } = obs;
  if (plan.deletions.length === 0) return;
  const stillThere = new Set(obs.after.map((s) => s.arn));
  const deletedArns = new Set(obs.deleted.map((d) => d.arn));
  const scriptedNotFound = new Set(
    obs.armed.scripted.filter((s) => s.startsWith("NotFoundException")).map((s) => s.split(" ")[1]),
  );
  const journal = new Map<string, string>();
  for (const e of obs.journal) if (e.type === "result") journal.set(e.key, e.outcome);

  if (!result) {
    // apply refused or errored as a whole: whatever it did delete must still be journaled
    for (const d of obs.deleted)
      if (!journal.has(keyOf(d)))
        out.push(
          `4: apply failed (${obs.applyError}) after deleting ${keyOf(d)}, and the journal has no result for it`,
        );
    return;
  }
  const items = new Map<string, string>();
  for (const item of result.items) {
    const k = keyOf(item);
    if (items.has(k)) out.push(`4: ${k} has two items in the apply result`);
    items.set(k, item.outcome);
  }
  for (const d of plan.deletions) {
    const k = keyOf(d);
    const outcome = items.get(k);
    if (outcome === undefined) {
      out.push(
        `4: approved ${k} has no outcome in the apply result${result.aborted ? ` (run aborted: ${result.aborted})` : ""}`,
      );
      continue;
    }
    if (journal.get(k) !== outcome)
      out.push(
        `4: ${k} is ${outcome} in the apply result but ${journal.get(k) ?? "missing"} in the journal`,
      );
    if (stillThere.has(d.arn)) {
      if (outcome === "deleted") out.push(`4: ${k} is reported deleted but is still there`);
      if (outcome === "absent" && !scriptedNotFound.has(d.name))
        out.push(`4: ${k} is reported absent but is still there`);
    } else if (outcome === "deleted" && !deletedArns.has(d.arn)) {
      out.push(`4: ${k} is reported deleted but the emulator never deleted ${d.arn}`);
    }
  }
}

function checkAudit(obs: Observation, out: string[]) {
  if (obs.plan.deletions.length === 0 || obs.audit.length === 0) {
    if (obs.calls.some((c) => c.operation === DELETE))
      out.push("5: DeleteDiskSnapshot was called but the audit log is empty");
    return;
  }
  if (!obs.verify?.ok) out.push(`5: the audit log does not verify: ${JSON.stringify(obs.verify)}`);
  const intents = obs.audit.filter((r) => r.type === "delete-intent");
  const results = obs.audit.filter((r) => r.type === "delete-result");
  for (const d of obs.deleted) {
    const k = keyOf(d);
    const firstIntent = intents.find((r) => `${r.region}/${r.name}` === k && r.arn === d.arn);
    const res = results.find((r) => `${r.region}/${r.name}` === k);
    if (!firstIntent) out.push(`5: ${k} was deleted without a delete-intent record for ${d.arn}`);
    else if (res && res.seq < firstIntent.seq)
      out.push(`5: ${k}'s delete-result precedes its delete-intent`);
    if (!res) out.push(`5: ${k} was deleted without a delete-result record`);
  }
  for (const c of obs.calls.filter((x) => x.operation === DELETE)) {
    const k = `${c.region}/${c.target}`;
    const before = intents.some((r) => `${r.region}/${r.name}` === k && Date.parse(r.time) <= c.at);
    if (!before)
      out.push(
        `5: DeleteDiskSnapshot for ${k} at ${new Date(c.at).toISOString()} has no delete-intent written before it`,
      );
  }
  if (obs.result) {
    for (const item of obs.result.items) {
      const recorded = results
        .filter((r) => r.region === item.region && r.name === item.name)
        .at(-1);
      if (recorded && recorded.outcome !== item.outcome) {
        out.push(
          `5: ${keyOf(item)} is ${item.outcome} in the result but ${String(recorded.outcome)} in the audit log`,
        );
      }
    }
  }
}

export function checkInvariant(model: WorldModel, obs: Observation): string[] {
  const out: string[] = [];
  const ref = reference(model, obs.beforePlan, NOW_MS);
  checkPlan(model, obs, ref, out);
  checkDeletes(model, obs, ref, out);
  checkOutcomes(obs, out);
  checkAudit(obs, out);
  return out;
}
