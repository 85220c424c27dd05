/**
 * The S3 lock's expiry arithmetic, as pure functions of whole-second server
 * stamps (no S3, no timing): a takeover is never allowed before the holder
 * has provably stopped, and is allowed as soon as the stamps can show it.
 */
import { describe, expect, it } from "vitest";
import {
  holderStopsAfterMs,
  leaseSafetyMs,
  mayTakeOver,
  takeoverAfterMs,
  takeoverPossibleInMs,
} from "../../src/state/s3-lock.js";

/** HTTP dates (Date, Last-Modified) carry whole seconds. */
const second = (ms: number) => Math.floor(ms / 1000) * 1000;
/** a realistic epoch, on a second boundary */
const T0 = 1_764_640_000_000;
const LEASES = [1000, 1200, 2000, 3000, 4000, 5000, 7000, 10_000, 20_000, 30_000, 60_000, 120_000];

describe("the S3 lock's takeover rule at the whole-second boundaries", () => {
  it("a 5 s lease: a 4 s difference is not enough, 5 s is (no longer lease + 1 s)", () => {
    expect(takeoverAfterMs(5000)).toBe(5000);
    expect(mayTakeOver(T0, T0 + 4000, 5000)).toBe(false);
    expect(mayTakeOver(T0, T0 + 4999, 5000)).toBe(false);
    expect(mayTakeOver(T0, T0 + 5000, 5000)).toBe(true);
  });

  it("other leases: the threshold is a whole second, never later than the old lease + 1 s", () => {
    const expected: Record<number, number> = {
      1000: 2000,
      2000: 3000,
      4000: 5000,
      10000: 9000,
      30000: 27_000,
      120000: 118_000,
    };
    for (const [lease, threshold] of Object.entries(expected)) {
      expect(takeoverAfterMs(Number(lease)), `lease ${lease}`).toBe(threshold);
      expect(mayTakeOver(T0, T0 + threshold - 1000, Number(lease))).toBe(false);
      expect(mayTakeOver(T0, T0 + threshold, Number(lease))).toBe(true);
    }
    for (const lease of LEASES) {
      expect(takeoverAfterMs(lease) % 1000).toBe(0);
      expect(takeoverAfterMs(lease)).toBeLessThanOrEqual(Math.ceil((lease + 1000) / 1000) * 1000);
    }
  });

  it("holder and contender share one safety margin: a quarter of the lease, at most 5 s", () => {
    expect(leaseSafetyMs(5000)).toBe(1250);
    expect(leaseSafetyMs(30_000)).toBe(5000);
    expect(leaseSafetyMs(1200)).toBe(300);
    for (const lease of LEASES)
      expect(holderStopsAfterMs(lease)).toBe(lease - Math.min(5000, Math.floor(lease / 4)));
  });

  it("never allowed before the holder stopped, whatever the sub-second phase of the write and the read", () => {
    for (const lease of LEASES) {
      const stops = holderStopsAfterMs(lease);
      // w: the true time the server stamped the holder's write (its sentAt is no later)
      for (let w = T0; w < T0 + 1000; w++) {
        const lastModified = second(w);
        // r: the true time of the contender's read; for each Date value the earliest r
        // (the second's start) is the worst case, the latest the best
        for (let s = second(w); s <= w + lease + 3000; s += 1000) {
          for (const r of [s, s + 999]) {
            if (r < w || !mayTakeOver(lastModified, second(r), lease)) continue;
            // the holder started no deletion after w + stops; 100 ms of clock allowance on top
            expect(
              r - w,
              `lease ${lease}, write at +${w - T0}, read at +${r - T0}`,
            ).toBeGreaterThan(stops + 100);
          }
        }
      }
    }
  });

  it("allowed at the latest takeoverAfterMs after the holder's last write, whatever the phase", () => {
    for (const lease of LEASES) {
      const after = takeoverAfterMs(lease);
      for (let w = T0; w < T0 + 1000; w++) {
        expect(mayTakeOver(second(w), second(w + after), lease)).toBe(true);
        // and not a second earlier, when the write came at the start of its second
        if (w === T0) expect(mayTakeOver(second(w), second(w + after - 1), lease)).toBe(false);
      }
    }
  });

  it("the retry hint never sleeps past the first moment a takeover can be proven", () => {
    for (const lease of LEASES) {
      const first = T0 + takeoverAfterMs(lease); // the earliest true time whose Date allows it
      for (let now = T0; now < first + 2000; now += 1000) {
        // the read's true time is anywhere in the second its Date names
        for (const phase of [0, 1, 500, 999]) {
          const wait = takeoverPossibleInMs(T0, now, lease);
          expect(wait).toBeGreaterThanOrEqual(0);
          if (mayTakeOver(T0, now, lease)) expect(wait).toBe(0);
          else expect(now + phase + wait).toBeLessThan(first);
          // and it is a real wait when the takeover is still more than a second away
          if (first - now > 1000) expect(wait).toBe(first - now - 1000);
        }
      }
    }
  });
});
