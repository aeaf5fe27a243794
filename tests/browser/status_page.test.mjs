// The status page in a real browser: Debian's chromium, headless, driven by
// playwright-core. tests/integration/test_status_page.sh starts blackstart in
// a network namespace and runs this inside it; real clients take leases
// while the page is open. The script loads the page, signals the shell to
// start the clients, waits for their leases to appear live, searches for one
// of them, opens its history, checks the events panel, and saves screenshots.
//
// Environment: BS_URL (the daemon's API), BS_ARTIFACTS (screenshot dir),
// BS_READY_FILE (created once the page is up), BS_LEASES (how many leases to
// wait for), BS_POOL_LEASES (how many of them are pool addresses), BS_SEARCH_MAC (the client to search for), BS_SEARCH_HOSTNAME
// (its hostname), BS_NAK_ADDRESS (an address some client was refused),
// BS_HOSTILE_MAC (the client whose hostname is HOSTILE_SHOWN below).
// Prints one PASS/FAIL line per check and exits non-zero on any FAIL.
import { chromium } from "playwright-core";
import { check, env, expect, finish } from "./check.mjs";
import { mkdirSync, writeFileSync } from "node:fs";

const url = env("BS_URL");
const artifacts = env("BS_ARTIFACTS");
const wantLeases = Number(env("BS_LEASES"));
const poolLeases = Number(env("BS_POOL_LEASES"));
const searchMac = env("BS_SEARCH_MAC");
const searchHostname = env("BS_SEARCH_HOSTNAME");
const nakAddress = env("BS_NAK_ADDRESS");
const hostileMac = env("BS_HOSTILE_MAC");
// test_status_page.sh's hostile hostname as the page must show it: markup as
// text, bytes that are not UTF-8 and control characters as \xNN.
const HOSTILE_SHOWN = "<i>reception-pc</i>\\xff\\xfe\\x1b]0;pwn\\x07";
const LIVE_TIMEOUT_MS = 60_000;


mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  // Root in a container: chromium's sandbox needs user namespaces it may not get.
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const consoleErrors = [];
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });

  await check("the page loads and fills in from the API", async () => {
    await page.goto(url, { waitUntil: "load", timeout: 15_000 });
    await page.waitForSelector("body[data-loaded=true]", { timeout: 10_000 });
    return await page.title();
  });
  writeFileSync(env("BS_READY_FILE"), "ready\n");

  await check("the header shows version, recovery mode and store health", async () => {
    const version = await page.textContent("#version");
    expect(/version \d+\.\d+/.test(version), `version text is "${version}"`);
    const recovery = await page.textContent("#recovery-badge");
    expect(recovery === "recovery mode: off", `recovery badge says "${recovery}"`);
    const store = await page.textContent("#store-badge");
    expect(store === "lease store: healthy", `store badge says "${store}"`);
    return `${recovery}; ${store}`;
  });

  await check(`the lease table fills live as clients take ${wantLeases} leases`, async () => {
    await page.waitForFunction(
      (want) => document.querySelectorAll("#leases tbody tr[data-address]").length >= want,
      wantLeases, { timeout: LIVE_TIMEOUT_MS, polling: 500 });
    return `${await page.locator("#leases tbody tr").count()} rows`;
  });

  await check("the pool bar counts the assigned addresses", async () => {
    await page.waitForFunction((want) => {
      const legend = document.querySelector(".pool[data-subnet='1'] .legend");
      const match = /assigned (\d+)/.exec(legend ? legend.textContent : "");
      return match !== null && Number(match[1]) >= want;
    }, poolLeases, { timeout: 10_000 });
    const legend = await page.textContent(".pool[data-subnet='1'] .legend");
    const bars = await page.locator(".pool[data-subnet='1'] .bar span").count();
    expect(bars >= 1, "no coloured segment in the bar");
    return legend.trim();
  });

  await check(`the events panel shows the NAK for ${nakAddress}`, async () => {
    await page.waitForFunction(
      (address) => [...document.querySelectorAll("#events tbody tr")].some(
        (row) => row.textContent.includes("nak") && row.textContent.includes(address)),
      nakAddress, { timeout: LIVE_TIMEOUT_MS, polling: 500 });
    return "nak row present";
  });

  await check("the traffic cards count packets", async () => {
    const cards = await page.locator("#cards .card").allTextContents();
    const received = cards.find((text) => text.startsWith("received"));
    expect(received && Number(received.replace("received", "")) > 0, `cards: ${cards.join(" | ")}`);
    return received;
  });

  await page.screenshot({ path: `${artifacts}/status-page.png`, fullPage: true });

  await check("a hostname with markup, invalid UTF-8 and escapes shows as text", async () => {
    await page.fill("#search", hostileMac);
    await page.waitForFunction(
      (mac) => {
        const rows = [...document.querySelectorAll("#leases tbody tr")];
        return rows.length === 1 && rows[0].textContent.includes(mac);
      }, hostileMac, { timeout: 10_000 });
    const hostname = (await page.locator("#leases tbody tr td").allTextContents())[3];
    expect(hostname === HOSTILE_SHOWN, `hostname cell is ${JSON.stringify(hostname)}`);
    const markup = await page.locator("#leases tbody tr td i").count();
    expect(markup === 0, "the hostname's <i> became an element");
    return hostname;
  });

  await check(`searching for ${searchMac} leaves exactly its lease`, async () => {
    await page.fill("#search", searchMac);
    await page.waitForFunction(
      (mac) => {
        const rows = [...document.querySelectorAll("#leases tbody tr")];
        return rows.length === 1 && rows[0].textContent.includes(mac);
      }, searchMac, { timeout: 10_000 });
    const cells = await page.locator("#leases tbody tr td").allTextContents();
    const [address, mac, , hostname, subnet, state] = cells;
    expect(mac === searchMac, `MAC cell is ${mac}`);
    expect(/^198\.18\.1\.1\d\d$/.test(address), `address ${address} is not in the pool`);
    expect(hostname === searchHostname, `hostname is "${hostname}"`);
    expect(subnet === "1" && state === "default", `subnet ${subnet}, state ${state}`);
    return `${address} ${mac} ${hostname}`;
  });

  await check("searching by hostname finds the same lease", async () => {
    await page.fill("#search", searchHostname.toUpperCase());
    await page.waitForFunction(
      (mac) => {
        const rows = [...document.querySelectorAll("#leases tbody tr")];
        return rows.length === 1 && rows[0].textContent.includes(mac);
      }, searchMac, { timeout: 10_000 });
  });

  await check("clicking the lease shows the client's history", async () => {
    await page.click("#leases tbody tr");
    await page.waitForFunction(
      () => [...document.querySelectorAll("#history tbody tr")].some(
        (row) => row.textContent.includes("lease-granted")), null, { timeout: 10_000 });
    const heading = await page.textContent("#history-client");
    expect(heading.includes(searchMac), `history heading is "${heading}"`);
    return heading.trim();
  });

  await page.screenshot({ path: `${artifacts}/status-page-search.png`, fullPage: true });

  await check("the page logged no script errors", async () => {
    expect(consoleErrors.length === 0, consoleErrors.join("; "));
  });
} finally {
  await browser.close();
}
finish("status_page");
