// End-to-end: an officer whose per-user profile points at an intermediary
// (the test environment run as its own process by `kuvert sandbox`) imports
// the organisation's PKCS#12 certificate in Settings, the password goes
// into the real Secret Service (scripts/e2e-app runs the tests inside
// scripts/with-secret-service), and a message signed and sent with that
// certificate is delivered. KUVERT_CERT_PASSWORD is removed from the app's
// environment, so the password can only come from the keyring.
//
// Env: KUVERT_CLI (the `kuvert` binary; required) besides the harness's.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { compose, sendAndClose, startApp, startSandbox, valueOf, workDir } from "./harness.mjs";

const work = workDir("certificate");
const configHome = join(work, "config");
const userDir = join(configHome, "kuvert");
const p12 = join(work, "usb", "kommunb.p12");
const PASSWORD = "Kuvert-E2E-2026";

let sandbox;
let driver;
let stop;

before(async () => {
  mkdirSync(userDir, { recursive: true });
  mkdirSync(join(work, "usb"));
  // Its state (and so profile.toml) in the per-user folder.
  let started;
  ({ sandbox, started } = await startSandbox(userDir));
  assert.equal(started.profile, join(userDir, "profile.toml"));
  // The organisation's certificate as IT hands it out: a password-protected
  // PKCS#12 file with the key, the certificate and the issuing CA.
  execFileSync("openssl", [
    "pkcs12", "-export",
    "-in", join(userDir, "sender-cert.pem"),
    "-inkey", join(userDir, "sender-key.pem"),
    "-certfile", join(userDir, "ca.pem"),
    "-name", "Kommun B",
    "-out", p12,
    "-passout", `pass:${PASSWORD}`,
  ]);
  ({ driver, stop } = await startApp({
    env: {
      XDG_CONFIG_HOME: configHome,
      KUVERT_DATA_DIR: join(work, "data"),
      KUVERT_OPEN_FILES: p12,
      KUVERT_TEST_ENVIRONMENT: undefined,
      KUVERT_PROFILE: undefined,
      KUVERT_CERT_PASSWORD: undefined,
    },
  }));
});

after(async () => {
  try {
    await stop?.("kuvert-e2e-certificate");
  } finally {
    sandbox?.kill();
  }
});

test("the app opens the per-user profile", async () => {
  await driver.waitFor("#new-message", 60_000);
  // The profile says environment = "test": the window says so too.
  assert.match(await driver.text(await driver.find("#test-environment-badge")), /Testmiljö/);
  await driver.click(await driver.find("#nav-settings"));
  const name = await driver.text(await driver.waitFor("#settings-profile-name"));
  assert.equal(name, "Testmiljö");
  assert.match(await driver.text(await driver.find("#settings-certificate-file")), /sender-cert\.pem$/);
});

test("a wrong password is said so and changes nothing", async () => {
  await driver.click(await driver.find("#cert-choose"));
  await driver.until("the chosen file", async () => (await valueOf(driver, "#cert-file")) === p12);
  await driver.type(await driver.find("#cert-password"), "fel-lösenord");
  await driver.click(await driver.find("#cert-import"));
  const error = await driver.waitForText(".certificate-import [role='alert']", "Lösenordet öppnar inte certifikatfilen");
  assert.ok(error.length > 0);
  assert.equal(existsSync(join(userDir, "certificates")), false);
  assert.match(readFileSync(join(userDir, "profile.toml"), "utf8"), /cert_pem/);
});

test("importing puts the certificate in the profile and the password in the Secret Service", async () => {
  await driver.type(await driver.find("#cert-password"), PASSWORD);
  await driver.click(await driver.find("#cert-import"));
  const result = await driver.waitForText("#cert-result", "är importerat", 30_000);
  assert.match(result, /Kommun B/);
  assert.match(result, /lösenordet är sparat i nyckelringen/i);

  const installed = await driver.until("the new certificate in Settings", async () => {
    const file = await driver.text(await driver.find("#settings-certificate-file"));
    return /certificates\/kommunb-[0-9a-f]{12}\.p12$/.test(file) ? file : null;
  });
  assert.deepEqual(readFileSync(installed), readFileSync(p12));
  const profile = readFileSync(join(userDir, "profile.toml"), "utf8");
  assert.match(profile, /pkcs12 = "certificates\/kommunb-[0-9a-f]{12}\.p12"/);
  assert.doesNotMatch(profile, /cert_pem|key_pem/);
  assert.doesNotMatch(profile, new RegExp(PASSWORD));

  // Independently of Kuvert: the Secret Service holds it under the profile's account.
  const stored = execFileSync("secret-tool", ["lookup", "service", "kuvert", "username", `Testmiljö — ${installed}`], {
    encoding: "utf8",
  });
  assert.equal(stored, PASSWORD);
});

test("a message sent with the imported certificate is delivered", async () => {
  await driver.click(await driver.find("#nav-mailbox"));
  await compose(driver, {
    recipient: "198501012382",
    operator: "Kivra (testmiljö)",
    subject: "Skickat med importerat certifikat",
    body: "Hej!",
    caseNumber: "KS 2026/0999",
    protectionClass: 1,
  });
  await driver.click(await driver.find("#compose-review"));
  await driver.waitFor("#compose-summary", 30_000);
  await sendAndClose(driver, "submitted");
  await driver.click(await driver.find("#folder-sent"));
  await driver.until("the message to be delivered", async () =>
    (await driver.findAll("#message-list [data-state='delivered']")).length === 1, 120_000);
});
