/**
 * Runs one world: a fresh emulator seeded from the model, a real git repo with
 * the desired state, plan through the real pipeline, the model's mutations
 * between plan and apply, the model's faults armed, apply through the real
 * executor — then everything the invariant needs is collected.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  DeleteDiskSnapshotCommand,
  GetDiskSnapshotCommand,
  type LightsailClient,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-lightsail";
import type { ApplyResult } from "../../src/apply/execute.js";
import { type JournalEntry, journalPath } from "../../src/apply/journal.js";
import { journalKey } from "../../src/apply/s3-journal.js";
import { type AuditAppender, AuditLog, type AuditRecord } from "../../src/audit-log/log.js";
import { S3AuditLog, segmentKey, verifyS3AuditLog } from "../../src/audit-log/s3-audit.js";
import { type VerifyResult, verifyAuditLog } from "../../src/audit-log/verify.js";
import type { Plan } from "../../src/core/model.js";
import {
  type CallRecord,
  type DeletedSnapshot,
  type EmulatorSnapshot,
  type RunningEmulator,
  startEmulator,
} from "../../src/emulator/index.js";
import { lightsailClientFactory } from "../../src/lightsail/client.js";
import { stsIdentityProbe } from "../../src/lightsail/sts.js";
import { runApply } from "../../src/reconcile/apply-plan.js";
import { makePlan } from "../../src/reconcile/plan-pipeline.js";
import type { S3StateStore } from "../../src/state/s3-store.js";
import { DirStateStore, type StateStore } from "../../src/state/store.js";
import { makeRepo, tempDir } from "../helpers/git-repo.js";
import { HOUR_MS, type Mutation, NOW_MS, type TargetRef, type WorldModel } from "./model.js";
import { fleetOf, repoFilesOf } from "./repo-files.js";

export const APPLY_NOW_MS = NOW_MS + 60_000;

export interface Observation {
  plan: Plan;
  /** live snapshots when the plan was made, and right before apply (after the mutations) */
  beforePlan: EmulatorSnapshot[];
  beforeApply: EmulatorSnapshot[];
  /** live snapshots right after the during-apply mutations, when there were any */
  duringApply?: EmulatorSnapshot[];
  after: EmulatorSnapshot[];
  calls: CallRecord[];
  deleted: DeletedSnapshot[];
  result?: ApplyResult;
  applyError?: string;
  journal: JournalEntry[];
  audit: AuditRecord[];
  verify?: VerifyResult;
  /** what the fault schedule resolved to, for the stats and for messages */
  armed: {
    mutations: string[];
    duringApply: string[];
    scripted: string[];
    failDeleteOps: string[];
    lostResponses: string[];
  };
}

interface Resolved {
  region: string;
  name: string;
}

function resolveTarget(
  t: TargetRef,
  plan: Plan,
  live: readonly EmulatorSnapshot[],
): Resolved | undefined {
  if ("name" in t) return { region: t.region, name: t.name };
  const pool = t.from === "plan" ? plan.deletions : live;
  const hit = pool.length === 0 ? undefined : pool[t.index % pool.length];
  return hit ? { region: hit.region, name: hit.name } : undefined;
}

/**
 * The clients apply uses, with two test-side faults a real network has: a
 * DeleteDiskSnapshot whose response is lost (the delete happens, the caller
 * sees a connection reset), and a hook that runs once, right before the first
 * DeleteDiskSnapshot is sent. The hook is told which snapshots are between
 * apply's fresh read and their delete: Lightsail has no conditional delete, so
 * a change inside that one round-trip cannot be seen by any client, and the
 * invariant is only claimed outside it.
 */
function faultyClients(
  clients: (region: string) => LightsailClient,
  lost: Set<string>,
  beforeFirstDelete: (inWindow: ReadonlySet<string>) => Promise<void>,
): (region: string) => Pick<LightsailClient, "send"> {
  let hooked: Promise<void> | undefined;
  const inWindow = new Set<string>();
  return (region) => {
    const client = clients(region);
    const send = client.send.bind(client) as (c: unknown, ...r: unknown[]) => Promise<unknown>;
    return {
      send: (async (command: unknown, ...rest: unknown[]) => {
        const isDelete = command instanceof DeleteDiskSnapshotCommand;
        const name = isDelete ? String(command.input.diskSnapshotName) : "";
        if (command instanceof GetDiskSnapshotCommand) {
          inWindow.add(`${region}/${String(command.input.diskSnapshotName)}`);
        }
        if (isDelete) {
          hooked ??= beforeFirstDelete(new Set(inWindow));
          await hooked;
        }
        const out = await send(command, ...rest).finally(() => {
          if (isDelete) inWindow.delete(`${region}/${name}`);
        });
        if (isDelete && lost.delete(`${region}/${name}`)) {
          throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        }
        return out;
      }) as LightsailClient["send"],
    };
  };
}

/** Admin calls run while faults are armed: retry them until they get through. */
async function persist(fn: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function mutate(
  emulator: RunningEmulator,
  mutations: readonly Mutation[],
  plan: Plan,
  log: string[],
  exclude: ReadonlySet<string> = new Set(),
) {
  const admin = lightsailClientFactory({ endpoint: emulator.url, maxAttempts: 1 });
  for (const m of mutations) {
    const t = resolveTarget(m.target, plan, emulator.snapshots());
    if (!t || exclude.has(`${t.region}/${t.name}`)) continue;
    const current = emulator.snapshots(t.region).find((s) => s.name === t.name);
    if (!current) continue;
    log.push(`${m.kind} ${t.region}/${t.name}`);
    if (m.kind === "vanish") emulator.faults.vanish(t.region, t.name);
    else if (m.kind === "recreate") {
      emulator.faults.vanish(t.region, t.name);
      emulator.addSnapshot(t.region, {
        name: t.name,
        ...(current.fromDiskName ? { fromDisk: current.fromDiskName } : {}),
        createdAt: NOW_MS - HOUR_MS,
        sizeInGb: current.sizeInGb,
        state: "completed",
        tags: current.tags,
      });
    } else {
      const client = admin(t.region);
      const tags = Object.entries(m.set).map(([key, value]) => ({ key, value }));
      if (tags.length > 0) {
        await persist(() => client.send(new TagResourceCommand({ resourceName: t.name, tags })));
      }
      if (m.remove.length > 0) {
        await persist(() =>
          client.send(new UntagResourceCommand({ resourceName: t.name, tagKeys: m.remove })),
        );
      }
    }
  }
}

function armFaults(
  emulator: RunningEmulator,
  model: WorldModel,
  plan: Plan,
  armed: Observation["armed"],
): Set<string> {
  const { faults } = model;
  const live = emulator.snapshots();
  for (const f of faults.scripted) {
    const t = resolveTarget(f.target, plan, live);
    if (!t) continue;
    armed.scripted.push(`${f.exception}×${f.count} ${t.name}`);
    emulator.faults.script({
      operation: "DeleteDiskSnapshot",
      snapshotName: t.name,
      exception: f.exception,
      count: f.count,
    });
  }
  for (const f of faults.failDeleteOps) {
    const t = resolveTarget(f.target, plan, live);
    if (!t) continue;
    armed.failDeleteOps.push(`${t.region}/${t.name}×${f.count}`);
    emulator.faults.failDeleteOperation(t.name, { region: t.region, count: f.count });
  }
  const lost = new Set<string>();
  for (const ref of faults.lostResponses) {
    const t = resolveTarget(ref, plan, live);
    if (!t) continue;
    armed.lostResponses.push(`${t.region}/${t.name}`);
    lost.add(`${t.region}/${t.name}`);
  }
  if (faults.serviceErrorRate > 0)
    emulator.faults.setServiceErrorRate(faults.serviceErrorRate, faults.seed);
  if (faults.throttle)
    emulator.faults.setRate(faults.throttle.ratePerSecond, faults.throttle.burst);
  return lost;
}

async function readJsonLines<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

/**
 * Where the world's state lives: a fresh directory (the default), or a fresh
 * prefix of a real S3 (versitygw) — the same invariant must hold for both.
 */
export type WorldState = { kind: "dir" } | { kind: "s3"; store: () => S3StateStore };

interface WorldStore {
  store: StateStore;
  audit: AuditAppender;
  journal(planDigest: string): Promise<JournalEntry[]>;
  auditRecords(): Promise<AuditRecord[]>;
  verify(): Promise<VerifyResult>;
}

function dirWorldStore(stateDir: string): WorldStore {
  const audit = new AuditLog(path.join(stateDir, "audit.jsonl"));
  return {
    store: new DirStateStore(stateDir),
    audit,
    journal: (digest) => readJsonLines<JournalEntry>(journalPath(stateDir, digest)),
    auditRecords: () => readJsonLines<AuditRecord>(audit.file),
    verify: () => verifyAuditLog(audit.file),
  };
}

function jsonLines<T>(text: string): T[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

function s3WorldStore(store: S3StateStore): WorldStore {
  return {
    store,
    audit: new S3AuditLog(store, null),
    journal: async (digest) => jsonLines<JournalEntry>(await store.readLog(journalKey(digest))),
    auditRecords: async () => {
      const records: AuditRecord[] = [];
      for (let n = 1; ; n++) {
        const text = await store.read(segmentKey(n));
        if (text === null) return records;
        records.push(...jsonLines<AuditRecord>(text));
      }
    },
    // The S3 verify's result, in the shape the invariant reads (ok, openIntents).
    verify: async () => {
      const v = await verifyS3AuditLog(store);
      return v.ok
        ? { ok: true, records: v.records, head: v.head, openIntents: v.openIntents }
        : { ok: false, records: v.records, line: v.segment, problem: `${v.key}: ${v.problem}` };
    },
  };
}

export async function runWorld(
  model: WorldModel,
  state: WorldState = { kind: "dir" },
): Promise<Observation> {
  process.env.AWS_ACCESS_KEY_ID = "test";
  process.env.AWS_SECRET_ACCESS_KEY = "test";
  process.env.AWS_REGION = "us-east-1";
  const emulator = await startEmulator({
    seed: fleetOf(model),
    pageSize: model.run.pageSize,
    deleteMode: model.run.deleteMode,
    deleteDelayMs: model.run.deleteDelayMs,
  });
  try {
    const repo = makeRepo(repoFilesOf(model));
    const root = tempDir("snapgate-safety-");
    const stateDir = path.join(root, "state");
    const cacheDir = path.join(root, "cache");

    const beforePlan = emulator.snapshots();
    const { plan } = await makePlan({
      repo: repo.dir,
      cacheDir,
      clients: lightsailClientFactory({ endpoint: emulator.url }),
      nowMs: NOW_MS,
    });

    const armed: Observation["armed"] = {
      mutations: [],
      duringApply: [],
      scripted: [],
      failDeleteOps: [],
      lostResponses: [],
    };
    await mutate(emulator, model.faults.mutations, plan, armed.mutations);
    const beforeApply = emulator.snapshots();
    const lost = armFaults(emulator, model, plan, armed);

    const world = state.kind === "s3" ? s3WorldStore(state.store()) : dirWorldStore(stateDir);
    const audit = world.audit;
    let duringApply: EmulatorSnapshot[] | undefined;
    const beforeFirstDelete = async (inWindow: ReadonlySet<string>) => {
      const mutations = model.faults.duringApply ?? [];
      if (mutations.length === 0) return;
      await mutate(emulator, mutations, plan, armed.duringApply, inWindow);
      duringApply = emulator.snapshots();
    };
    let result: ApplyResult | undefined;
    let applyError: string | undefined;
    try {
      result = await runApply({
        plan,
        repo: repo.dir,
        identity: stsIdentityProbe({ endpoint: emulator.url }),
        clients: faultyClients(
          lightsailClientFactory({ endpoint: emulator.url, maxAttempts: 1 }),
          lost,
          beforeFirstDelete,
        ),
        audit,
        store: world.store,
        cacheDir,
        nowMs: APPLY_NOW_MS,
        concurrency: model.run.concurrency,
        rate: 200,
        pollIntervalMs: 5,
        operationTimeoutMs: 10_000,
      });
    } catch (err) {
      applyError = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    emulator.faults.clear();
    // async deletes settle on a timer: let them land before looking
    if (model.run.deleteMode === "async")
      await new Promise((r) => setTimeout(r, model.run.deleteDelayMs + 20));

    const auditRecords = await world.auditRecords();
    return {
      plan,
      beforePlan,
      beforeApply,
      ...(duringApply ? { duringApply } : {}),
      after: emulator.snapshots(),
      calls: emulator.calls(),
      deleted: emulator.deletedSnapshots(),
      ...(result ? { result } : {}),
      ...(applyError ? { applyError } : {}),
      journal: await world.journal(plan.digest),
      audit: auditRecords,
      ...(auditRecords.length > 0 ? { verify: await world.verify() } : {}),
      armed,
    };
  } finally {
    await emulator.close();
  }
}
