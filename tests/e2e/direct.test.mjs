// Issue 14 in the real window: a profile in direct mode (own förmedling,
// `profile-direct.toml` of `kuvert sandbox`, run as its own process). The
// app says which mode it uses and which certificate seals (Settings); a
// message to a reachable recipient is sealed by Kuvert and handed to the
// recipient's operator, and shows as delivered with the seal's date and
// the operator's address in its history; one whose operator cannot take it stays in the
// Outbox with the reason.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { compose, sendAndClose, startApp, startSandbox, workDir } from "./harness.mjs";

const work = workDir("direct");
const state = join(work, "testmiljo");
let sandbox;
let driver;
let stop;

before(async () => {
  ({ sandbox } = await startSandbox(state));
  ({ driver, stop } = await startApp({
    env: {
      KUVERT_PROFILE: join(state, "profile-direct.toml"),
      KUVERT_DATA_DIR: join(work, "data"),
      KUVERT_TEST_ENVIRONMENT: undefined,
    },
  }));
});

after(async () => {
  await stop?.("kuvert-e2e-direct");
  sandbox?.kill("SIGTERM");
});

test("Settings names the profile's mode: own förmedling", async () => {
  await driver.waitFor("#new-message", 60_000);
  await driver.click(await driver.find("#nav-settings"));
  const mode = await driver.waitFor("#settings-mode");
  assert.equal(await driver.attribute(mode, "data-mode"), "direct");
  assert.match(await driver.text(mode), /^Egen förmedling/);
  // The förmedlare certificate of its own ([seal]) that seals.
  assert.match(await driver.text(await driver.find("#settings-seal-file")), /formedlare-cert\.pem/);
  await driver.click(await driver.find("#nav-mailbox"));
});

test("a message to a reachable recipient is sealed, handed to Kivra and shows as delivered", async () => {
  await compose(driver, {
    recipient: "198501012382",
    operator: "Kivra (testmiljö)",
    subject: "Beslut egen förmedling E2E",
    body: "Hej,\nhär kommer beslutet.",
    caseNumber: "KS 2026/1500",
  });
  await driver.click(await driver.find("#compose-review"));
  await driver.waitForText("#compose-summary", "via Kivra (testmiljö)", 30_000);
  await sendAndClose(driver, "submitted");
  await driver.click(await driver.find("#folder-sent"));
  await driver.until("the message to be delivered", async () => {
    for (const row of await driver.findAll("#message-list button[data-message-id]")) {
      if ((await driver.text(row)).includes("Beslut egen förmedling E2E")) {
        return (await driver.findAll("#message-list [data-state='delivered']")).length > 0;
      }
    }
    await driver.click(await driver.find("#folder-outbox"));
    await driver.click(await driver.find("#folder-sent"));
    return false;
  }, 30_000);
  // The history says when it was sealed and to whom, where, it was handed.
  for (const row of await driver.findAll("#message-list button[data-message-id]")) {
    if ((await driver.text(row)).includes("Beslut egen förmedling E2E")) await driver.click(row);
  }
  const pane = await driver.waitForText("#reading-pane", "lämnat direkt till Kivra", 30_000);
  assert.match(pane, /Förseglat \d{4}-\d{2}-\d{2} och lämnat direkt till Kivra \(testmiljö\) \(https:\/\/[^)]+\), transaktions-id \S+/);
});

test("a message the operator cannot take stays in the Outbox with the reason", async () => {
  await compose(driver, {
    recipient: "197001012389",
    operator: "Kivra (testmiljö)",
    subject: "Beslut till brevlåda som inte tar emot",
    body: "Hej!",
    caseNumber: "KS 2026/1501",
  });
  await driver.click(await driver.find("#compose-review"));
  await driver.waitForText("#compose-summary", "via Kivra (testmiljö)", 30_000);
  const text = await sendAndClose(driver, "retrying");
  assert.ok(text.length > 0);
});
