import { describe, expect, it } from "vitest";
import { flagTargets } from "../../src/cli/notify-options.js";

describe("command-line notification targets", () => {
  it("come from files and the environment; none is configured by default", () => {
    expect(flagTargets({}, {})).toEqual([]);
    const targets = flagTargets(
      {
        notifySlackUrlFile: "/etc/snapgate/slack-url",
        notifyWebhookUrl: "https://hooks.example.com/x",
      },
      { SNAPGATE_NOTIFY_WEBHOOK_SECRET: "k".repeat(32) },
    );
    expect(targets.map((t) => [t.name, t.type, t.url, t.secret])).toEqual([
      ["cli-slack", "slack", { file: "/etc/snapgate/slack-url" }, undefined],
      [
        "cli-webhook",
        "webhook",
        { literal: "https://hooks.example.com/x" },
        { env: "SNAPGATE_NOTIFY_WEBHOOK_SECRET" },
      ],
    ]);
    expect(
      flagTargets({}, { SNAPGATE_NOTIFY_SLACK_URL: "https://hooks.slack.com/services/T/B/x" }),
    ).toEqual([
      expect.objectContaining({ name: "cli-slack", url: { env: "SNAPGATE_NOTIFY_SLACK_URL" } }),
    ]);
  });

  it("refuse an unsigned webhook and a URL carrying credentials, without echoing it", () => {
    expect(() => flagTargets({ notifyWebhookUrl: "https://hooks.example.com/x" }, {})).toThrow(
      /a webhook notification target is signed: give its key with --notify-webhook-secret-file or env SNAPGATE_NOTIFY_WEBHOOK_SECRET/,
    );
    let message = "";
    try {
      flagTargets(
        { notifyWebhookUrl: "https://user:hunter2-password@hooks.example.com/x" },
        { SNAPGATE_NOTIFY_WEBHOOK_SECRET: "k".repeat(32) },
      );
    } catch (err) {
      message = String(err);
    }
    expect(message).toMatch(/--notify-webhook-url must be an http\(s\) URL without credentials/);
    expect(message).not.toContain("hunter2");
  });
});
