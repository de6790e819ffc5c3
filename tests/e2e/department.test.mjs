// Issue 13 in the real window: the app as a department client. `kuvert
// sandbox --department` starts the test environment with a private
// PostgreSQL server and writes the staff's profiles; `kuvert-server` serves
// the department; the app opens officer A's profile. The window says it is
// in department mode; a message is handed to the server (drafts stay on the
// PC), which signs and sends it; its delivery reaches the open window
// without a click; the folders and the reading pane read from the server,
// so officer B's message (sent with the `kuvert` command) is not among A's.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { compose, kuvertCli, startApp, startSandbox, workDir } from "./harness.mjs";

const work = workDir("department");
const state = join(work, "testmiljo");
let sandbox;
let server;
let started;
let driver;
let stop;

/** `kuvert-server` beside the `kuvert` binary (scripts/e2e-app builds both). */
function kuvertServer() {
  return process.env.KUVERT_SERVER ?? join(dirname(kuvertCli()), "kuvert-server");
}

/** Waits until the server prints that it listens. */
function startServer(config) {
  const child = spawn(kuvertServer(), ["--config", config], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kuvert-server did not start: ${output}`)), 60_000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("listening on")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("exit", (code) => reject(new Error(`kuvert-server exited (${code}): ${output}`)));
  });
}

/** The private PostgreSQL cluster `kuvert sandbox --department` keeps (as root under /var/tmp). */
function postgresDir() {
  if (process.getuid?.() !== 0) return join(state, "postgres");
  const tag = createHash("sha256").update(realpathSync(state)).digest().subarray(0, 8).toString("hex");
  return `/var/tmp/kuvert-sandbox-pg-${tag}`;
}

/** `kuvert --profile PROFILE --json ARGS` as a member of staff. */
function kuvert(profile, args) {
  const out = execFileSync(kuvertCli(), ["--profile", profile, "--data-dir", join(work, `cli-${profile.split("/").pop()}`), "--json", ...args], {
    encoding: "utf8",
  });
  return JSON.parse(out);
}

before(async () => {
  ({ sandbox, started } = await startSandbox(state, ["--department"]));
  server = await startServer(started.server_config);
  const officerA = started.staff[0].profile;
  ({ driver, stop } = await startApp({
    env: {
      KUVERT_PROFILE: officerA,
      KUVERT_DATA_DIR: join(work, "data"),
      KUVERT_TEST_ENVIRONMENT: undefined,
    },
  }));
});

after(async () => {
  await stop?.("kuvert-e2e-department");
  server?.kill("SIGTERM");
  sandbox?.kill("SIGTERM");
  // The sandbox keeps its PostgreSQL running for the next start: not here.
  const pid = join(postgresDir(), "data", "postmaster.pid");
  if (existsSync(pid)) {
    try {
      process.kill(Number(readFileSync(pid, "utf8").split("\n")[0]), "SIGQUIT");
    } catch {
      // already gone
    }
  }
  rmSync(postgresDir(), { recursive: true, force: true });
});

test("the window says it is in department mode and names the server", async () => {
  const badge = await driver.waitFor("#department-badge", 60_000);
  assert.equal(await driver.text(badge), "Avdelningsläge");
  assert.equal(await driver.attribute(badge, "title"), started.server_url);
});

test("officer A's message is handed to the server, and its delivery reaches the open window", async () => {
  // Officer B sends one from the `kuvert` command: it is B's, not A's.
  const fromB = kuvert(started.staff[1].profile, [
    "send", "--to", "19850101-2382", "--subject", "Beslut från handläggare B", "--body", "Hej", "--case", "BN 2026/3001", "--class", "2",
  ]);
  assert.ok(fromB.message_id);

  await driver.click(await driver.find("#folder-sent"));
  await compose(driver, {
    recipient: "198501012382",
    operator: "Kivra (testmiljö)",
    subject: "Beslut via avdelningens server E2E",
    body: "Hej,\nhär kommer beslutet.",
    caseNumber: "BN 2026/3000",
  });
  await driver.click(await driver.find("#compose-review"));
  await driver.waitFor("#compose-summary", 30_000);
  await driver.click(await driver.find("#compose-send"));
  const outcome = await driver.until("the send outcome", async () => driver.attribute(await driver.find("#compose-outcome"), "data-outcome"), 60_000);
  // The server answers once it has stored the message; its worker has
  // usually handed it to the intermediary by the time the window asks.
  assert.ok(["submitted", "handed_over"].includes(outcome), outcome);
  await driver.click(await driver.find("#compose-done"));

  // No click: the status reaches the open Sent folder by itself.
  await driver.until("the message to show as delivered", async () => {
    for (const row of await driver.findAll("#message-list button[data-message-id]")) {
      if ((await driver.text(row)).includes("Beslut via avdelningens server E2E")) {
        return (await driver.findAll("#message-list [data-state='delivered']")).length > 0;
      }
    }
    return false;
  }, 60_000);

  // The folder is the server's view of A's messages: B's is not there.
  const listed = [];
  for (const row of await driver.findAll("#message-list button[data-message-id]")) listed.push(await driver.attribute(row, "data-message-id"));
  assert.ok(!listed.includes(fromB.message_id), `B's message ${fromB.message_id} is in A's folder`);

  // The reading pane reads the message and its history from the server.
  for (const row of await driver.findAll("#message-list button[data-message-id]")) {
    if ((await driver.text(row)).includes("Beslut via avdelningens server E2E")) await driver.click(row);
  }
  const pane = await driver.waitForText("#reading-pane", "här kommer beslutet", 30_000);
  assert.match(pane, /BN 2026\/3000/);
  assert.match(pane, /Levererat/);

  // The registrar sees it on the server, sent by officer A.
  const log = kuvert(started.staff[2].profile, ["log", "--text", "avdelningens server E2E"]);
  const entries = log;
  assert.equal(entries.length, 1, JSON.stringify(log));
  assert.equal(entries[0].officer, started.staff[0].identity);
  assert.equal(entries[0].state, "delivered");
});

test("a message officer A sends from elsewhere appears in the open window, delivered, by the server's push alone", async () => {
  // The window has nothing to do with this send: only the server's event
  // stream can tell it (the window has no timer of its own).
  await driver.click(await driver.find("#folder-sent"));
  const sent = kuvert(started.staff[0].profile, [
    "send", "--to", "19850101-2382", "--subject", "Skickat från kommandoraden E2E", "--body", "Hej", "--case", "BN 2026/3003", "--class", "2",
  ]);
  await driver.until("the pushed message to show as delivered", async () => {
    const state = await driver.execute(
      "const row = document.querySelector(`#message-list button[data-message-id='${arguments[0]}']`); return row ? row.querySelector('[data-state]')?.dataset.state ?? 'listed' : null",
      [sent.message_id],
    );
    return state === "delivered";
  }, 30_000);
});
