/** Layout warnings: every YAML file snapgate would not read is named, known files are not. */
import { describe, expect, it } from "vitest";
import {
  MAX_LAYOUT_WARNINGS,
  referencedPaths,
  unreadYamlWarnings,
} from "../../src/desired/layout.js";

const NOT_READ =
  "YAML file not read by snapgate, which reads only snapgate.yaml (or .yml) and snapshots/**/*.yaml (or .yml)";

describe("unreadYamlWarnings", () => {
  it("names each ignored YAML file, sorted, with a hint for misspelled desired-state paths", () => {
    expect(
      unreadYamlWarnings([
        "snapshot/db.yaml",
        "Snapshots/x.yaml",
        "db.yaml",
        "Snapgate.yaml",
        "SNAPGATE.YML",
        "config/app.YML",
        "README.md",
        "snapshots.yaml.bak",
      ]),
    ).toStrictEqual([
      `SNAPGATE.YML: ${NOT_READ}: names are case-sensitive, rename it to snapgate.yml`,
      `Snapgate.yaml: ${NOT_READ}: names are case-sensitive, rename it to snapgate.yaml`,
      `Snapshots/x.yaml: ${NOT_READ}: snapshot sets belong under snapshots/ (lower case), move it there`,
      `config/app.YML: ${NOT_READ}; if it declares snapshots, move it under snapshots/`,
      `db.yaml: ${NOT_READ}; if it declares snapshots, move it under snapshots/`,
      `snapshot/db.yaml: ${NOT_READ}: snapshot sets belong under snapshots/ (lower case), move it there`,
    ]);
  });

  it("is silent about hidden tool configuration, policies/, iam/ and the files the config refers to", () => {
    const known = [
      ".github/workflows/ci.yml",
      ".gitlab-ci.yml",
      ".pre-commit-config.yaml",
      "policies/data.yaml",
      "iam/role.yaml",
      "rego/bundle/data.yaml",
      "config/iam-policy.yaml",
    ];
    expect(
      unreadYamlWarnings(known, { bundle: "rego/bundle/", iamPolicy: "./config/iam-policy.yaml" }),
    ).toStrictEqual([]);
    // without the references, the last two are ignored files like any other
    expect(unreadYamlWarnings(known).map((w) => w.split(":")[0])).toStrictEqual([
      "config/iam-policy.yaml",
      "rego/bundle/data.yaml",
    ]);
    // a directory named like the bundle is not the bundle
    expect(unreadYamlWarnings(["rego/bundle-old/x.yaml"], { bundle: "rego/bundle" })).toHaveLength(
      1,
    );
  });

  it("takes the references from a reconciler spec, builtin bundle meaning none", () => {
    const spec = {
      policy: { bundle: "builtin", data: {} },
      access: { allow: [], deny: [], iamPolicy: "conf/iam.yaml" },
    } as unknown as Parameters<typeof referencedPaths>[0];
    expect(referencedPaths(spec)).toStrictEqual({ iamPolicy: "conf/iam.yaml" });
  });

  it("lists at most the limit one by one and counts the rest", () => {
    const many = Array.from({ length: MAX_LAYOUT_WARNINGS + 5 }, (_, i) => `x/f${i}.yaml`);
    const warnings = unreadYamlWarnings(many);
    expect(warnings).toHaveLength(MAX_LAYOUT_WARNINGS + 1);
    expect(warnings.at(-1)).toBe("and 5 more YAML files that snapgate does not read");
  });

  it("shows control characters in a path escaped, so a file name cannot rewrite the terminal", () => {
    const [warning] = unreadYamlWarnings(["evil\u001b[2K.yaml"]);
    expect(warning).toMatch(/^evil\\x1b\[2K\.yaml: /);
    expect(warning).not.toContain("\u001b");
  });
});
