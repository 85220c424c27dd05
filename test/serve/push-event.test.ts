import { describe, expect, it } from "vitest";
import { parsePushEvent, sameRepository } from "../../src/serve/push-event.js";
import { delivery, HEAD } from "./helpers.js";

const lower = (h: Record<string, string>) => h;

describe("parsePushEvent", () => {
  it("reads a GitHub push: ref, after, repository URLs and delivery id", () => {
    const { body, headers } = delivery("github", { id: "72d3162e-cc78-11e3-81ab-4c9367dc0958" });
    const result = parsePushEvent("github", lower(headers), Buffer.from(body));
    expect(result).toEqual({
      ok: true,
      event: {
        kind: "push",
        event: "push",
        ref: "refs/heads/main",
        after: HEAD,
        repoUrls: ["https://github.com/acme/snapshots.git", "git@github.com:acme/x.git"],
        deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      },
    });
  });

  it("reads a GitHub form-encoded payload= body", () => {
    const { body, headers } = delivery("github");
    const form = `payload=${encodeURIComponent(body)}`;
    const result = parsePushEvent(
      "github",
      headers,
      Buffer.from(form),
      "application/x-www-form-urlencoded",
    );
    expect(result.ok && result.event.after).toBe(HEAD);
  });

  it("classifies a GitHub ping and other events without requiring push fields", () => {
    const ping = parsePushEvent("github", { "x-github-event": "ping" }, Buffer.from('{"zen":"x"}'));
    expect(ping.ok && ping.event.kind).toBe("ping");
    const issue = parsePushEvent("github", { "x-github-event": "issues" }, Buffer.from("{}"));
    expect(issue.ok && issue.event.kind).toBe("other");
  });

  it("reads a GitLab Push Hook with its event UUID, falling back to checkout_sha", () => {
    const body = JSON.stringify({
      object_kind: "push",
      ref: "refs/heads/main",
      checkout_sha: HEAD,
      project: {
        git_http_url: "https://gitlab.com/a/b.git",
        git_ssh_url: "git@gitlab.com:a/b.git",
        web_url: "https://gitlab.com/a/b",
      },
    });
    const result = parsePushEvent(
      "gitlab",
      { "x-gitlab-event": "Push Hook", "x-gitlab-event-uuid": "u-1" },
      Buffer.from(body),
    );
    expect(result.ok && result.event).toMatchObject({
      kind: "push",
      after: HEAD,
      deliveryId: "u-1",
    });
    expect(result.ok && result.event.repoUrls).toHaveLength(3);
    const tag = parsePushEvent("gitlab", { "x-gitlab-event": "Tag Push Hook" }, Buffer.from(body));
    expect(tag.ok && tag.event.kind).toBe("other");
  });

  it("reads Gitea and Forgejo headers", () => {
    const { body } = delivery("gitea");
    const gitea = parsePushEvent(
      "gitea",
      { "x-gitea-event": "push", "x-gitea-delivery": "d1" },
      Buffer.from(body),
    );
    expect(gitea.ok && gitea.event).toMatchObject({ kind: "push", deliveryId: "d1" });
    const forgejo = parsePushEvent(
      "gitea",
      { "x-forgejo-event": "push", "x-forgejo-delivery": "d2" },
      Buffer.from(body),
    );
    expect(forgejo.ok && forgejo.event).toMatchObject({ kind: "push", deliveryId: "d2" });
  });

  it("reads a generic event: repo and after optional, id from the body or X-Delivery-Id", () => {
    const minimal = parsePushEvent("generic", {}, Buffer.from('{"ref":"refs/heads/main"}'));
    expect(minimal).toEqual({
      ok: true,
      event: {
        kind: "push",
        event: "push",
        ref: "refs/heads/main",
        after: null,
        repoUrls: [],
        deliveryId: null,
      },
    });
    const withId = parsePushEvent(
      "generic",
      { "x-delivery-id": "hdr" },
      Buffer.from(`{"ref":"main","id":"body"}`),
    );
    expect(withId.ok && withId.event.deliveryId).toBe("hdr");
    const bodyId = parsePushEvent("generic", {}, Buffer.from(`{"ref":"main","id":"body"}`));
    expect(bodyId.ok && bodyId.event.deliveryId).toBe("body");
  });

  it("locates a JSON syntax error by line and column", () => {
    const result = parsePushEvent("generic", {}, Buffer.from('{\n  "ref": "main",\n}'));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("BadInput");
      expect(result.error.message).toMatch(/^POST \/webhooks\/generic:3:1: invalid JSON/);
    }
  });

  it.each([
    ["not UTF-8", Buffer.from([0x7b, 0xff, 0x7d]), /not valid UTF-8/],
    ["an array", Buffer.from("[]"), /expected a JSON object/],
    ["ref of the wrong type", Buffer.from('{"ref":42}'), /ref: expected a non-empty string/],
    [
      "after not an object id",
      Buffer.from('{"ref":"main","after":"HEAD"}'),
      /after: expected a 40 or 64/,
    ],
    ["empty repo", Buffer.from('{"ref":"main","repo":""}'), /repo: expected a non-empty string/],
    ["bad delivery id", Buffer.from('{"ref":"main","id":"a b"}'), /id: delivery id must be/],
  ])("returns a BadInput value (not a throw) for %s", (_name, body, message) => {
    const result = parsePushEvent("generic", {}, body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.describe()).toMatch(message);
  });

  it("reports every problem of a GitHub push at once, with field names", () => {
    const result = parsePushEvent(
      "github",
      { "x-github-event": "push" },
      Buffer.from('{"ref":"refs/heads/main"}'),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const text = result.error.describe();
      // a missing member is located at its parent: the object at 1:1
      expect(text).toContain("POST /webhooks/github:1:1: after: is missing");
      expect(text).toContain(
        "POST /webhooks/github:1:1: repository: expected an object with one of clone_url",
      );
    }
  });

  it("requires the event header for GitHub", () => {
    const result = parsePushEvent("github", {}, Buffer.from("{}"));
    expect(!result.ok && result.error.message).toMatch(/x-github-event: header is missing/);
  });
});

describe("sameRepository", () => {
  it.each([
    ["https://github.com/acme/app.git", "https://github.com/acme/app"],
    ["https://github.com/acme/app/", "git@github.com:acme/app.git"],
    ["ssh://git@github.com/acme/app.git", "https://user:token@github.com/acme/app"],
    ["https://GitHub.com/Acme/App", "git://github.com/acme/app.git"],
    ["http://localhost:3000/org/repo.git", "ssh://git@localhost:2222/org/repo"],
    ["/srv/git/snap.git", "file:///srv/git/snap.git"],
    ["/srv/git/snap.git/", "/srv/git/snap"],
    ["/srv/git/work/.git", "/srv/git/work"],
    ["/srv/git/../git/snap.git", "/srv/git/snap.git"],
  ])("%s is the same repository as %s", (a, b) => {
    expect(sameRepository(a, b)).toBe(true);
    expect(sameRepository(b, a)).toBe(true);
  });

  it.each([
    ["https://github.com/acme/app", "https://github.com/acme/app2"],
    ["https://github.com/acme/app", "https://gitlab.com/acme/app"],
    ["https://github.com/acme/app", "https://github.com/other/app"],
    ["/srv/git/a.git", "/srv/git/b.git"],
    ["/srv/git/App", "/srv/git/app"],
    ["https://github.com/acme/app", "/acme/app"],
    ["", ""],
    ["not a url\u0000", "not a url\u0000"],
  ])("%s is not the same repository as %s", (a, b) => {
    expect(sameRepository(a, b)).toBe(false);
  });
});
