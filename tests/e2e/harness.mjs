// Starting the real Kuvert window for a test file: tauri-driver (which
// hands the session to WebKitWebDriver and the app binary) with the
// environment the app should see, and a screenshot of the last state when
// the file is done; the test environment as its own process (`kuvert
// sandbox`). Env: KUVERT_APP (the binary, built with the test-hooks feature
// so that the file dialogs can be answered; required), TAURI_DRIVER
// (default: on PATH), KUVERT_E2E_SHOTS (a directory for the screenshots),
// KUVERT_CLI (the `kuvert` binary; for the files that run it).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebDriver } from "./webdriver.mjs";

const PORT = 4444;
const BASE = `http://127.0.0.1:${PORT}`;

/** The `kuvert` binary (KUVERT_CLI). */
export function kuvertCli() {
  const cli = process.env.KUVERT_CLI;
  assert.ok(cli, "set KUVERT_CLI to the kuvert binary");
  return cli;
}

/**
 * Starts `kuvert sandbox --state DIR` (the test environment, writing
 * DIR/profile.toml) as its own process; resolves with the process and what
 * it printed (`profile`, its URLs) once it serves.
 */
export function startSandbox(stateDir, extraArgs = []) {
  const sandbox = spawn(kuvertCli(), ["--json", "sandbox", "--state", stateDir, ...extraArgs], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kuvert sandbox did not start: ${output}`)), 60_000);
    sandbox.stdout.on("data", (chunk) => {
      output += chunk;
      try {
        const started = JSON.parse(output);
        clearTimeout(timer);
        resolve({ sandbox, started });
      } catch {
        // not all of it yet
      }
    });
    sandbox.once("exit", (code) => reject(new Error(`kuvert sandbox exited (${code}): ${output}`)));
  });
}

/** A fresh temporary directory for one test file. */
export function workDir(prefix) {
  return mkdtempSync(join(tmpdir(), `kuvert-e2e-${prefix}-`));
}

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

/**
 * Starts the app with `env` added to this process's environment (names
 * mapped to `undefined` are removed) and `args`; returns the WebDriver
 * session and a `stop(name)` that screenshots and ends everything.
 */
export async function startApp({ env = {}, args = [] } = {}) {
  const application = process.env.KUVERT_APP;
  assert.ok(application, "set KUVERT_APP to the kuvert-desktop binary");
  const environment = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete environment[name];
  }
  const driverProcess = spawn(process.env.TAURI_DRIVER ?? "tauri-driver", ["--port", String(PORT)], {
    // The app inherits this environment from the driver.
    env: environment,
    stdio: ["ignore", "inherit", "inherit"],
  });
  await driverReady();
  const driver = await WebDriver.start(BASE, application, args);
  const exited = new Promise((resolve) => driverProcess.once("exit", resolve));
  async function stop(name) {
    try {
      if (process.env.KUVERT_E2E_SHOTS) {
        const png = await within(10_000, driver.screenshot());
        writeFileSync(join(process.env.KUVERT_E2E_SHOTS, `${name}.png`), Buffer.from(png, "base64"));
      }
    } catch {
      // no screenshot
    }
    await within(10_000, driver.quit()).catch(() => {});
    // Whatever the session left running (the app, its WebKit helpers, the
    // driver's own WebKitWebDriver) ends with the driver.
    for (const pid of descendants(driverProcess.pid)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    driverProcess.kill("SIGKILL");
    await exited;
  }
  return { driver, stop };
}

/** `promise`, or a rejection after `ms`. */
function within(ms, promise) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref()),
  ]);
}

/** Every process below `root` (children, their children, …). */
export function descendants(root) {
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone
    }
  }
  return [...parents.keys()].filter((pid) => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
    return false;
  });
}

/**
 * Opens the compose form and fills it in; waits until the recipient status
 * shows `operator` (the lookup's answer).
 */
export async function compose(driver, { recipient, operator, subject, body, caseNumber, protectionClass = 2 }) {
  await driver.click(await driver.find("#new-message"));
  await driver.type(await driver.waitFor("#compose-recipient"), recipient);
  await driver.waitForText("#recipient-status", operator, 30_000);
  await driver.type(await driver.find("#compose-subject"), subject);
  await driver.type(await driver.find("#compose-body"), body);
  await driver.type(await driver.find("#compose-case-number"), caseNumber);
  await driver.click(await driver.find(`#compose-class option[value='${protectionClass}']`));
}

/** Sends from the summary, expects `expectedOutcome`, closes; returns the outcome's text. */
export async function sendAndClose(driver, expectedOutcome) {
  await driver.click(await driver.find("#compose-send"));
  const outcome = await driver.until("the send outcome", async () => {
    const element = await driver.find("#compose-outcome");
    return driver.attribute(element, "data-outcome");
  }, 60_000);
  assert.equal(outcome, expectedOutcome);
  const text = await driver.text(await driver.find("#compose-outcome"));
  await driver.click(await driver.find("#compose-done"));
  return text;
}

/** The value of an input element (WebDriver's text is empty for inputs). */
export function valueOf(driver, css) {
  return driver.execute("return document.querySelector(arguments[0]).value", [css]);
}
