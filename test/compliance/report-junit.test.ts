import { describe, expect, it } from "vitest";
import { renderJunit, xmlEscape } from "../../src/compliance/report-junit.js";
import type { GateDeps } from "../../src/gate/gate.js";
import { desired, set, snap } from "../helpers/fleet.js";
import { mixedFleet, reportFor } from "./report-fixture.js";
import { childrenNamed, parseXml, type XmlElement } from "./xml-check.js";

const num = (el: XmlElement, attr: string) => Number(el.attrs[attr]);

describe("xml checker (the test's own parser)", () => {
  it("rejects what is not well-formed", () => {
    expect(() => parseXml("<a><b></a>")).toThrow(/closes/);
    expect(() => parseXml('<a x="1 & 2"/>')).toThrow(/entity/);
    expect(() => parseXml("<a>x < y</a>")).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow(/duplicate/);
    expect(() => parseXml("<a/><b/>")).toThrow(/after the root/);
    expect(() => parseXml("<a>\u0001</a>")).toThrow(/control/);
    expect(
      parseXml('<?xml version="1.0"?>\n<a k="&lt;&amp;&quot;"><b>t&#x41;</b></a>').children[0]!
        .text,
    ).toBe("tA");
  });
});

describe("renderJunit", () => {
  it("is well-formed with one suite per configured region and consistent counts", () => {
    const { report } = mixedFleet();
    const root = parseXml(renderJunit(report));
    expect(root.name).toBe("testsuites");
    const suites = childrenNamed(root, "testsuite");
    expect(suites.map((s) => s.attrs.name)).toEqual(["eu-west-2", "us-east-1"]);
    for (const suite of suites) {
      const cases = childrenNamed(suite, "testcase");
      expect(num(suite, "tests")).toBe(cases.length);
      expect(num(suite, "failures")).toBe(
        cases.filter((c) => childrenNamed(c, "failure").length > 0).length,
      );
      expect([num(suite, "errors"), num(suite, "skipped")]).toEqual([0, 0]);
    }
    const inScope = report.summary.inScope;
    const failing =
      report.summary.classes["would-delete"] +
      report.summary.classes.blocked +
      report.missing.length;
    expect(num(root, "tests")).toBe(inScope + report.missing.length);
    expect(num(root, "failures")).toBe(failing);
    expect(num(root, "tests")).toBe(suites.reduce((n, s) => n + num(s, "tests"), 0));
  });

  it("names each testcase region/name with the disk as classname, failing drift, violations and missing", () => {
    const { report } = mixedFleet();
    const root = parseXml(renderJunit(report));
    const cases = childrenNamed(root, "testsuite").flatMap((s) => childrenNamed(s, "testcase"));
    const byName = Object.fromEntries(cases.map((c) => [c.attrs.name, c]));
    const failureOf = (name: string) => childrenNamed(byName[name]!, "failure")[0];

    expect(Object.keys(byName).sort()).toEqual([
      "eu-west-2/eu-keep",
      "eu-west-2/eu-stray",
      "us-east-1/db-new",
      "us-east-1/db-old",
      "us-east-1/web-gone",
      "us-east-1/web-held",
      "us-east-1/web-held-prod",
      "us-east-1/web-keep",
      "us-east-1/web-old",
      "us-east-1/web-prod",
      "us-east-1/web-young",
    ]);
    expect(byName["us-east-1/db-old"]!.attrs.classname).toBe("db-data");
    expect(byName["eu-west-2/eu-stray"]!.attrs.classname).toBe("(no disk)");
    expect(failureOf("us-east-1/db-old")!.attrs.type).toBe("drift");
    expect(failureOf("us-east-1/web-prod")!.attrs).toMatchObject({ type: "violation" });
    expect(failureOf("us-east-1/web-prod")!.attrs.message).toMatch(
      /^deletion blocked: access: deny rule #1 \(env=prod\) matches/,
    );
    // held on purpose (protect), even though access would also deny it: not a failure
    expect(failureOf("us-east-1/web-held-prod")).toBeUndefined();
    expect(failureOf("us-east-1/web-gone")!.attrs.type).toBe("missing");
    expect(failureOf("us-east-1/web-keep")).toBeUndefined();
    expect(failureOf("us-east-1/web-held")).toBeUndefined();
    expect(childrenNamed(byName["us-east-1/web-held"]!, "system-out")[0]!.text).toMatch(
      /^protected: /,
    );
    expect(failureOf("us-east-1/db-old")!.text).toContain("warning: large snapshot (120 GiB)");
  });

  it("escapes hostile messages so the document stays well-formed and round-trips", () => {
    const hostile = `bad <b>&amp; "quoted" 'single' ]]> \u0001 </testcase>\nline two\ttabbed`;
    const deps: GateDeps = {
      policy: { evaluate: () => ({ deny: [hostile], warn: [] }) },
      access: () => ({ allowed: true }),
    };
    const { report } = reportFor(desired({}, [set()]), [snap({ name: "x" })], deps);
    const xml = renderJunit(report);
    const failure = childrenNamed(
      childrenNamed(childrenNamed(parseXml(xml), "testsuite")[1]!, "testcase")[0]!,
      "failure",
    )[0]!;
    const expected = hostile.replace("\u0001", "\uFFFD");
    expect(failure.attrs.message).toBe(`deletion blocked: policy: ${expected}`);
    expect(failure.text).toContain(`policy: ${expected}`);
  });

  it("xmlEscape replaces characters XML 1.0 cannot carry", () => {
    expect(xmlEscape("a\u0000b\u001fc\tD\uFFFE")).toBe("a\uFFFDb\uFFFDc\tD\uFFFD");
    expect(xmlEscape("😀")).toBe("😀");
  });

  it("a compliant fleet gives passing testcases only", () => {
    const { report } = reportFor(desired({}, [set({ keep: ["a"] })]), [snap({ name: "a" })]);
    const root = parseXml(renderJunit(report));
    expect([num(root, "tests"), num(root, "failures")]).toEqual([1, 0]);
  });
});
