import { describe, expect, it } from "vitest";
import { printable, printableDeep, printableLines } from "../../src/core/printable.js";

describe("printable text", () => {
  it("escapes ESC, CR, NUL, C1 and bidirectional controls; keeps ordinary text", () => {
    expect(printable("a\u001b[2Kb\rc\u0000d\u009be\u202ef")).toBe(
      "a\\x1b[2Kb\\x0dc\\x00d\\x9be\\u202ef",
    );
    expect(printable("web-1 ünïcode ✓")).toBe("web-1 ünïcode ✓");
    expect(printable("two\nlines")).toBe("two\\x0alines");
    expect(printableLines("two\nlines\u001b")).toBe("two\nlines\\x1b");
  });

  it("reaches every string of a value, keys included", () => {
    expect(printableDeep({ "k\u001b": ["v\u0007", 1, null, { x: "\r" }] })).toEqual({
      "k\\x1b": ["v\\x07", 1, null, { x: "\\x0d" }],
    });
  });
});
