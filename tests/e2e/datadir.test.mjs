// End-to-end: one data directory for the app and the `kuvert` command.
// Both run with the same XDG_DATA_HOME (and no KUVERT_DATA_DIR) against the
// same test environment, run as its own process by `kuvert sandbox`: the app
// through KUVERT_PROFILE, the command through --profile. Before the app
// first starts, a message is sent into the app's old folder
// ($XDG_DATA_HOME/se.kuvert.desktop, where the app kept its store before);
// the app moves it into the shared store on start.
//
// Env: KUVERT_CLI (the `kuvert` binary; required) besides the harness's.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { compose, kuvertCli, sendAndClose, startApp, startSandbox, workDir } from "./harness.mjs";

const work = workDir("datadir");
const dataHome = join(work, "share");
const configHome = join(work, "config");
const oldAppDir = join(dataHome, "se.kuvert.desktop");
const dataDir = join(dataHome, "kuvert");
const cliEnv = { ...process.env, XDG_DATA_HOME: dataHome, XDG_CONFIG_HOME: configHome };
delete cliEnv.KUVERT_DATA_DIR;
delete cliEnv.KUVERT_TEST_ABORT_AT;

let sandbox;
let profile;
let driver;
let stop;

/** `kuvert --json ARGS` with the shared folders; its output as JSON. */
function kuvert(args) {
  const stdout = execFileSync(kuvertCli(), ["--json", ...args], { env: cliEnv, encoding: "utf8" });
  return JSON.parse(stdout);
}

/** `kuvert send` of a message with `subject` to a Kivra recipient. */
function sendWithCli(subject, extra = []) {
  const sent = kuvert([
    ...extra, "--profile", profile, "send", "--to", "19850101-2382", "--subject", subject,
    "--body", "Hej!", "--class", "1", "--case", "KS 2026/0700",
  ]);
  assert.equal(sent.state, "submitted");
  return sent.message_id;
}

/** Waits until the app's Sent folder lists `subject` (re-opening the folder between looks). */
async function inSentFolder(subject) {
  await driver.click(await driver.find("#nav-mailbox"));
  return driver.until(`"${subject}" in the Sent folder`, async () => {
    for (const row of await driver.findAll("#message-list button[data-message-id]")) {
      if ((await driver.text(row)).includes(subject)) return row;
    }
    await driver.click(await driver.find("#folder-outbox"));
    await driver.click(await driver.find("#folder-sent"));
    return null;
  }, 30_000);
}

before(async () => {
  mkdirSync(configHome, { recursive: true });
  const stateDir = join(work, "testmiljo");
  let started;
  ({ sandbox, started } = await startSandbox(stateDir));
  profile = started.profile;
  // As the app before this change kept it: a store of its own.
  sendWithCli("Skickat innan mapparna blev en", ["--data-dir", oldAppDir]);
  ({ driver, stop } = await startApp({
    env: {
      XDG_DATA_HOME: dataHome,
      XDG_CONFIG_HOME: configHome,
      KUVERT_PROFILE: profile,
      KUVERT_DATA_DIR: undefined,
      KUVERT_TEST_ENVIRONMENT: undefined,
    },
  }));
});

after(async () => {
  try {
    await stop?.("kuvert-e2e-datadir");
  } finally {
    sandbox?.kill();
  }
});

test("the app's Settings and kuvert paths name the same data directory", async () => {
  await driver.waitFor("#new-message", 60_000);
  const paths = kuvert(["--profile", profile, "paths"]);
  assert.equal(paths.data_dir, dataDir);
  await driver.click(await driver.find("#nav-settings"));
  const shown = await driver.text(await driver.waitFor("#settings-data-dir"));
  assert.equal(shown, paths.data_dir);
  assert.equal(await driver.text(await driver.find("#settings-database")), paths.database);
  assert.equal(await driver.text(await driver.find("#settings-log-file")), paths.log_file);
  assert.match(await driver.text(await driver.find("#settings-profile-files")), new RegExp(`${profile} \\(angiven fil, läst\\)`));
  // The old folder was moved on start, and both say so.
  assert.equal(paths.legacy_dir.state, "moved");
  assert.match(await driver.text(await driver.find("#settings-legacy")), /har flyttats till datamappen/);
  assert.equal(existsSync(join(oldAppDir, "kuvert.sqlite")), false);
  assert.equal(existsSync(join(dataDir, "kuvert.log")), true);
});

test("what the app's old folder held is in the shared Sent folder", async () => {
  await inSentFolder("Skickat innan mapparna blev en");
});

test("a message sent with kuvert appears in the app's Sent folder", async () => {
  const id = sendWithCli("Skickat med kommandot");
  const row = await inSentFolder("Skickat med kommandot");
  assert.equal(await driver.attribute(row, "data-message-id"), id);
});

test("a message sent from the app appears in kuvert log", async () => {
  await driver.click(await driver.find("#nav-mailbox"));
  await compose(driver, {
    recipient: "198501012382",
    operator: "Kivra (testmiljö)",
    subject: "Skickat från appen",
    body: "Hej!",
    caseNumber: "KS 2026/0701",
    protectionClass: 1,
  });
  await driver.click(await driver.find("#compose-review"));
  await driver.waitFor("#compose-summary", 30_000);
  await sendAndClose(driver, "submitted");
  const logged = await driver.until("the app's message in kuvert log", async () =>
    kuvert(["--profile", profile, "log", "--text", "Skickat från appen"]).find((m) => m.subject === "Skickat från appen"), 30_000);
  assert.equal(logged.case_number, "KS 2026/0701");
  // All three in the one store.
  const subjects = kuvert(["--profile", profile, "log"]).map((m) => m.subject).sort();
  assert.deepEqual(subjects, ["Skickat från appen", "Skickat innan mapparna blev en", "Skickat med kommandot"]);
});
