import { describe, expect, it } from "vitest";
import { NOTIFY_EVENT_KINDS } from "../../src/core/model.js";
import { load, loadProblems, reconcilerYaml } from "./helpers.js";

// reconcilerYaml(extra) puts `extra` at line 9, indented under `spec:`.
const withTargets = (yaml: string) => reconcilerYaml(`  notifications:\n${yaml}`);

describe("spec.notifications", () => {
  it("is absent by default: nobody is told", () => {
    expect(load(reconcilerYaml()).spec.notifications).toBeUndefined();
  });

  it("reads targets whose secrets live on the host, with defaults", () => {
    const spec = load(
      withTargets(`    - type: slack
      urlEnv: SNAPGATE_SLACK_URL
      events: [failed, stale, failed]
    - name: pager
      type: webhook
      url: https://hooks.example.com/snapgate
      secretFile: /etc/snapgate/hook-key
      timeout: 2s
      retries: 0
`),
    ).spec;
    expect(spec.notifications).toEqual([
      {
        name: "slack-1",
        type: "slack",
        url: { env: "SNAPGATE_SLACK_URL" },
        events: ["failed", "stale"],
        timeoutMs: 5000,
        retries: 3,
      },
      {
        name: "pager",
        type: "webhook",
        url: { literal: "https://hooks.example.com/snapgate" },
        secret: { file: "/etc/snapgate/hook-key" },
        events: NOTIFY_EVENT_KINDS,
        timeoutMs: 2000,
        retries: 0,
      },
    ]);
  });

  it("refuses a Slack URL written into the repository, and says where it belongs", () => {
    expect(
      loadProblems(
        withTargets(`    - type: slack
      url: https://hooks.slack.com/services/T000/B000/XXXX
`),
      ),
    ).toEqual([
      "snapgate.yaml:11:12: spec.notifications[0].url: a Slack incoming-webhook URL carries its token: give it with urlFile or urlEnv, not in the repository",
    ]);
  });

  it("refuses an unsigned webhook, a key in a relative path, a foreign env var and credentials in a URL", () => {
    const problems = loadProblems(
      withTargets(`    - type: webhook
      url: https://hooks.example.com/a
    - type: webhook
      url: https://hooks.example.com/b
      secretFile: secrets/key
    - type: webhook
      urlEnv: AWS_SECRET_ACCESS_KEY
      secretEnv: SNAPGATE_KEY
    - type: webhook
      url: https://user:pass@hooks.example.com/c
      secretEnv: SNAPGATE_KEY
`),
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(
      /^snapgate\.yaml:10:7: spec\.notifications\[0\]: a webhook target is signed with HMAC-SHA256: give its key with secretFile or secretEnv$/,
    );
    expect(problems[1]).toMatch(
      /spec\.notifications\[1\]\.secretFile: "secrets\/key" must be an absolute path on the host running snapgate/,
    );
    expect(problems[2]).toMatch(
      /spec\.notifications\[2\]\.urlEnv: "AWS_SECRET_ACCESS_KEY" is not a SNAPGATE_\* environment variable name/,
    );
    expect(problems[3]).toMatch(/spec\.notifications\[3\]\.url: must not carry credentials/);
  });

  it("refuses an unknown event and a timeout beyond a minute", () => {
    expect(
      loadProblems(
        withTargets(`    - type: slack
      urlFile: /run/secrets/slack
      events: [apply, everything]
      timeout: 5m
`),
      ),
    ).toEqual([
      "snapgate.yaml:12:23: spec.notifications[0].events[1]: must be one of apply, blocked, failed, stale, deleted-outside, non-compliant",
      'snapgate.yaml:13:16: spec.notifications[0].timeout: "5m" is not a timeout between 1ms and 60s (e.g. 5s, 500ms)',
    ]);
  });

  it("refuses a target without a URL, and two targets of one name", () => {
    expect(
      loadProblems(
        withTargets(`    - name: ops
      type: slack
    - name: ops
      type: slack
      urlFile: /run/secrets/slack
    - name: ops
      type: slack
      urlFile: /run/secrets/slack
`),
      ),
    ).toEqual([
      "snapgate.yaml:10:7: spec.notifications[0]: a slack target needs its URL: urlFile or urlEnv",
      'snapgate.yaml:12:13: spec.notifications[1].name: "ops" names two notification targets: names must be unique',
      'snapgate.yaml:15:13: spec.notifications[2].name: "ops" names two notification targets: names must be unique',
    ]);
    expect(
      loadProblems(
        withTargets(`    - name: ops
      type: slack
      urlFile: /run/secrets/slack
    - name: ops
      type: slack
      urlEnv: SNAPGATE_OPS_URL
`),
      ),
    ).toEqual([
      'snapgate.yaml:13:13: spec.notifications[1].name: "ops" names two notification targets: names must be unique',
    ]);
  });
});
