import type { Engine } from "../engine.js";
import type { ArnContext } from "../records.js";
import type { RegionStore } from "../store.js";
import type { Input } from "../validate.js";

/** What every operation handler gets: the engine, the caller's region and principal. */
export interface OpContext {
  engine: Engine;
  region: RegionStore;
  regionName: string;
  principal: string;
  arn: ArnContext;
}

export interface OperationHandler {
  /** the resource the call names, for the call log and scripted faults */
  target?: (input: Input) => string | undefined;
  handle: (ctx: OpContext, input: Input) => Record<string, unknown>;
}

export const field = (name: string) => (input: Input) => {
  const v = input[name];
  return typeof v === "string" ? v : undefined;
};
