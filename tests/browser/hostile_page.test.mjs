// A hostile web page against the control API, in a real browser: Debian's
// chromium, headless, driven by playwright-core. It plays the two attacks a
// page the administrator happens to open can make on a daemon listening on
// 127.0.0.1 (docs/SECURITY.md):
//   - cross-site requests (CSRF): a page served from another local port
//     sends commands with no-cors fetches and a text/plain form, which need
//     no CORS preflight; without a Content-Type and Origin check they would
//     wipe, add and shut down;
//   - DNS rebinding: a page whose own name resolves to 127.0.0.1 (here by
//     chromium's --host-resolver-rules) reads the API as same-origin; only
//     the Host check stops it.
// This script only makes the attempts and reports what the browser saw;
// tests/integration/test_hostile_api.sh checks afterwards that the daemon
// changed nothing and kept serving.
//
// Environment: BS_API_PORT (the daemon's port on 127.0.0.1), BS_ATTACK_PORT
// (a free local port for the attacker's page), BS_VICTIM_MAC (a MAC for the
// lease the attacker tries to add), BS_VICTIM_IP (its address).
// Prints one PASS/FAIL line per check and exits non-zero on any FAIL.
import { chromium } from "playwright-core";
import { check, env, expect, finish } from "./check.mjs";
import { createServer } from "node:http";

const apiPort = Number(env("BS_API_PORT"));
const attackPort = Number(env("BS_ATTACK_PORT"));
const victimMac = env("BS_VICTIM_MAC");
const victimIp = env("BS_VICTIM_IP");
const api = `http://127.0.0.1:${apiPort}/`;
const REBIND_NAME = "rebind.test";


// The attacker's page: plain HTML, with a text/plain form whose one field
// spells a JSON command (the classic form-CSRF trick: name + "=" + value).
const addCommand = JSON.stringify({
  command: "lease4-add",
  arguments: { "ip-address": victimIp, "hw-address": victimMac, pad: "" },
});
const formName = addCommand.slice(0, -3); // ends inside "pad": "
const attackHtml = `<!doctype html><title>cute cats</title>
<iframe name="sink"></iframe>
<form id="csrf" method="POST" action="${api}" enctype="text/plain" target="sink">
<input type="hidden" name='${formName}' value='"}}'></form>`;
const attacker = createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
  res.end(attackHtml);
});
await new Promise((resolve) => attacker.listen(attackPort, "127.0.0.1", resolve));

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  // Root in a container: chromium's sandbox needs user namespaces it may not
  // get. The resolver rule is the rebinding attacker's DNS answer.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    `--host-resolver-rules=MAP ${REBIND_NAME} 127.0.0.1`,
  ],
});
try {
  const page = await browser.newPage();
  await check("the attacker's page loads from another local port", async () => {
    await page.goto(`http://127.0.0.1:${attackPort}/`, { waitUntil: "load", timeout: 15_000 });
    return await page.title();
  });

  // no-cors fetches: the browser sends them without a preflight and hides
  // the answer, so the page cannot tell what happened; the daemon must not
  // act on them. Each is sent; the shell checks the effects.
  await check("no-cors text/plain lease4-wipe, form-encoded lease4-del sent", async () => {
    return await page.evaluate(async (target) => {
      const sent = [];
      const attempts = [
        ["text/plain", { command: "lease4-wipe", arguments: { "subnet-id": 1 } }],
        ["application/x-www-form-urlencoded", { command: "lease4-wipe", arguments: {} }],
        ["multipart/form-data; boundary=x", { command: "lease4-wipe", arguments: {} }],
      ];
      for (const [type, body] of attempts) {
        try {
          await fetch(target, {
            method: "POST",
            mode: "no-cors",
            headers: { "Content-Type": type },
            body: JSON.stringify(body),
          });
          sent.push(type.split(";")[0]);
        } catch (error) {
          sent.push(`${type}: ${error.message}`);
        }
      }
      return sent.join(", ");
    }, api);
  });

  await check("a text/plain form posts lease4-add", async () => {
    await page.evaluate(() => document.getElementById("csrf").submit());
    await page.waitForTimeout(1500);
    return "submitted into an iframe";
  });

  await check("a cross-origin JSON POST cannot pass the preflight", async () => {
    const outcome = await page.evaluate(async (target) => {
      try {
        const response = await fetch(target, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ command: "config-get" }),
        });
        return `answered ${response.status}: ${(await response.text()).slice(0, 80)}`;
      } catch (error) {
        return `blocked: ${error.message}`;
      }
    }, api);
    expect(outcome.startsWith("blocked"), outcome);
    return outcome;
  });

  await check("the attacker cannot read leases cross-origin", async () => {
    const outcome = await page.evaluate(async (target) => {
      try {
        const response = await fetch(`${target}api/leases`);
        return `read ${response.status}: ${(await response.text()).slice(0, 80)}`;
      } catch (error) {
        return `blocked: ${error.message}`;
      }
    }, api);
    expect(outcome.startsWith("blocked"), outcome);
    return outcome;
  });

  await check("a no-cors shutdown is sent last", async () => {
    return await page.evaluate(async (target) => {
      await fetch(target, {
        method: "POST",
        mode: "no-cors",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({ command: "shutdown" }),
      });
      return "sent";
    }, api);
  });

  // DNS rebinding: the page's own origin is http://rebind.test:PORT, which
  // now resolves to 127.0.0.1, so everything below is same-origin for the
  // browser. Only the daemon's Host check stands between it and the leases.
  const rebound = await browser.newPage();
  const origin = `http://${REBIND_NAME}:${apiPort}`;
  await check("the rebound name does not get the status page", async () => {
    const response = await rebound.goto(`${origin}/`, { timeout: 15_000 });
    const status = response ? response.status() : 0;
    expect(status >= 400, `GET / under ${origin} answered ${status}`);
    return `HTTP ${status}`;
  });

  for (const [what, path, init] of [
    ["leases (/api/leases)", "/api/leases", undefined],
    ["metrics (/metrics)", "/metrics", undefined],
    ["status (/api/status)", "/api/status", undefined],
    [
      "config-get (POST /)",
      "/",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: '{"command": "config-get"}',
      },
    ],
    [
      "lease4-get-all (POST /)",
      "/",
      {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: '{"command": "lease4-get-all"}',
      },
    ],
  ]) {
    await check(`a rebinding page cannot read ${what}`, async () => {
      const outcome = await rebound.evaluate(
        async ([target, options]) => {
          try {
            const response = await fetch(target, options);
            return { status: response.status, body: (await response.text()).slice(0, 200) };
          } catch (error) {
            return { status: 0, body: `blocked: ${error.message}` };
          }
        },
        [`${origin}${path}`, init],
      );
      expect(outcome.status >= 400 || outcome.status === 0, `answered ${outcome.status}: ${outcome.body}`);
      expect(!/hw-address|"leases"|blackstart_/.test(outcome.body), `leaked: ${outcome.body}`);
      return `HTTP ${outcome.status}`;
    });
  }
} finally {
  await browser.close();
  attacker.close();
}
finish("browser");
