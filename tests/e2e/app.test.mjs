// End-to-end: the real Kuvert window (release or debug binary) driven
// through tauri-driver + WebKitWebDriver, started on the built-in test
// environment. Run under a display, e.g.
//   xvfb-run -a -s '-screen 0 1280x800x24' node --test tests/e2e/app.test.mjs
// Env: KUVERT_APP (the binary; required), TAURI_DRIVER (default: on PATH),
// KUVERT_E2E_SHOTS (a directory for a screenshot on failure).
//
// The native save dialog cannot be driven through WebDriver: the app's
// test-only KUVERT_SAVE_DIR answers it with a directory (see
// src-tauri/src/dialogs.rs); everything else is the real UI and backend.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebDriver } from "./webdriver.mjs";

const application = process.env.KUVERT_APP;
const PORT = 4444;
const BASE = `http://127.0.0.1:${PORT}`;
const work = mkdtempSync(join(tmpdir(), "kuvert-e2e-"));
const saveDir = join(work, "saved");
mkdirSync(saveDir);

let driverProcess;
let driver;

async function driverReady() {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${BASE}/status`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("tauri-driver did not start");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

before(async () => {
  assert.ok(application, "set KUVERT_APP to the kuvert-desktop binary");
  driverProcess = spawn(process.env.TAURI_DRIVER ?? "tauri-driver", ["--port", String(PORT)], {
    // The app inherits this environment from the driver.
    env: {
      ...process.env,
      KUVERT_TEST_ENVIRONMENT: "1",
      KUVERT_DATA_DIR: join(work, "data"),
      KUVERT_SAVE_DIR: saveDir,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  await driverReady();
  driver = await WebDriver.start(BASE, application, ["--test-environment"]);
});

after(async () => {
  try {
    if (driver && process.env.KUVERT_E2E_SHOTS) {
      const png = await driver.screenshot();
      writeFileSync(join(process.env.KUVERT_E2E_SHOTS, "kuvert-e2e-last.png"), Buffer.from(png, "base64"));
    }
  } catch {
    // no screenshot
  }
  await driver?.quit().catch(() => {});
  driverProcess?.kill();
});

test("the real app window opens on the test environment", async () => {
  // Not about:blank or a stray browser: Kuvert's own page, inside Tauri.
  await driver.waitFor("#new-message", 60_000);
  assert.equal(await driver.title(), "Kuvert");
  assert.notEqual(await driver.url(), "about:blank");
  assert.equal(await driver.execute("return '__TAURI_INTERNALS__' in window"), true);
  assert.match(await driver.text(await driver.find("#test-environment-badge")), /Testmiljö/);
});

test("compose to 198501012382, see Kivra, send, and see it delivered in Sent", async () => {
  await driver.click(await driver.find("#new-message"));
  await driver.type(await driver.waitFor("#compose-recipient"), "198501012382");
  await driver.waitForText("#recipient-status", "Kivra (testmiljö)", 30_000);

  await driver.type(await driver.find("#compose-subject"), "Beslut om bygglov E2E");
  await driver.type(await driver.find("#compose-body"), "Hej,\nhär kommer beslutet.");
  await driver.type(await driver.find("#compose-case-number"), "KS 2026/0123");
  await driver.click(await driver.find("#compose-class option[value='2']"));

  await driver.click(await driver.find("#compose-review"));
  const summary = await driver.waitForText("#compose-summary", "via Kivra (testmiljö)", 30_000);
  assert.match(summary, /^Klass 2-meddelande till 19850101-2382 via Kivra \(testmiljö\), inga bilagor, .*ärende KS 2026\/0123$/);

  await driver.click(await driver.find("#compose-send"));
  const outcome = await driver.until("the send outcome", async () => {
    const element = await driver.find("#compose-outcome");
    return driver.attribute(element, "data-outcome");
  }, 60_000);
  assert.equal(outcome, "submitted");
  await driver.click(await driver.find("#compose-done"));

  await driver.click(await driver.find("#folder-sent"));
  // The background loop follows the intermediary; the list updates by itself.
  await driver.until("the message to be delivered", async () => {
    const badges = await driver.findAll("#message-list [data-state='delivered']");
    return badges.length === 1;
  }, 90_000);
  const row = await driver.find("#message-list button[data-message-id]");
  assert.match(await driver.text(row), /Beslut om bygglov E2E/);
  await driver.click(row);
  const pane = await driver.waitForText("#reading-pane", "Levererad");
  assert.match(pane, /KS 2026\/0123/);
  assert.match(pane, /19850101-2382/);
});

test("keyboard: Ctrl+N opens the compose form, Esc closes it, Ctrl+F goes to search", async () => {
  const ESCAPE = "\uE00C";
  await driver.press("n", { ctrl: true });
  await driver.waitFor("#compose");
  assert.equal(await driver.execute("return document.activeElement.id"), "compose-recipient");
  await driver.press(ESCAPE);
  await driver.until("the compose form to close", async () => (await driver.findAll("#compose")).length === 0);
  await driver.press("f", { ctrl: true });
  await driver.until("the search field to have focus", async () =>
    (await driver.execute("return document.activeElement.id")) === "f-text");
});

test("the registrar exports the sent log as CSV", async () => {
  await driver.click(await driver.find("#nav-registrar"));
  await driver.waitForText("#log-table", "Beslut om bygglov E2E");
  await driver.click(await driver.find("#export-csv"));
  const notice = await driver.waitForText("#registrar-notice", "Exporterade 1 meddelanden");
  assert.match(notice, new RegExp(saveDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
  const files = readdirSync(saveDir).filter((f) => f.endsWith(".csv"));
  assert.equal(files.length, 1);
  const csv = readFileSync(join(saveDir, files[0]), "utf8");
  assert.match(csv, /Beslut om bygglov E2E/);
  assert.match(csv, /KS 2026\/0123/);
  assert.match(csv, /delivered/);
});
