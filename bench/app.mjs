// Desktop app benchmark: how soon the window is usable after launch, and
// its idle memory, against WebKitGTK's own MiniBrowser showing the same
// built UI in the same rendering mode (the floor any WebKitGTK window pays)
// — the two in turn, A B A B.
//
// "Usable" = Kuvert's main view (the "Nytt meddelande" button) is in the
// page, polled every 10 ms through WebDriver from the moment the session is
// requested (which is what launches the process). Idle memory = the summed
// PSS (proportional set size, so shared libraries are not counted twice) of
// the window's process and its WebKit helpers, 10 s after it was usable,
// and their USS (unique set size: the pages no other process shares).
//
// Run by bench/app.sh (release build, virtual display). Env: KUVERT_APP,
// MINIBROWSER, ROUNDS (default 5).

import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { descendants } from "../tests/e2e/harness.mjs";
import { WebDriver } from "../tests/e2e/webdriver.mjs";

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const IDLE_MS = 10_000;
const app = process.env.KUVERT_APP;
const miniBrowser = process.env.MINIBROWSER;
const dist = new URL("../ui/dist/", import.meta.url).pathname;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function listening(base) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/status`)).ok) return;
    } catch {
      // not yet
    }
    await sleep(50);
  }
  throw new Error(`${base} did not start`);
}

/** The ui/dist files over HTTP for MiniBrowser (module scripts need an origin). */
function serveUi() {
  const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };
  const server = createServer((request, response) => {
    const path = request.url === "/" ? "/index.html" : request.url.split("?")[0];
    try {
      const body = readFileSync(join(dist, path));
      response.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** `root` and every process below it. */
function tree(root) {
  return [root, ...descendants(root)];
}

function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/**
 * The memory of the process named `name` under `driverPid` and everything
 * under it, in MB: PSS (shared pages split between their users) and USS
 * (pages only these processes use: what quitting the app gives back).
 */
function memoryMb(driverPid, name) {
  const window = tree(driverPid).find((pid) => commandOf(pid).startsWith(name.slice(0, 15)));
  if (!window) throw new Error(`no ${name} process under ${driverPid}`);
  const total = { pss: 0, uss: 0 };
  for (const pid of tree(window)) {
    let rollup;
    try {
      rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    } catch {
      continue; // gone
    }
    const kb = (field) => Number(rollup.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
    const pss = kb("Pss") / 1024;
    const uss = (kb("Private_Clean") + kb("Private_Dirty")) / 1024;
    total.pss += pss;
    total.uss += uss;
    if (process.env.DETAIL) process.stderr.write(`  ${commandOf(pid)}: PSS ${pss.toFixed(0)} MB, USS ${uss.toFixed(0)} MB\n`);
  }
  return total;
}

async function until(driver, css) {
  for (;;) {
    if ((await driver.findAll(css)).length > 0) return;
    await sleep(10);
  }
}

/** One launch: ms until usable, MB after idling. */
async function launch(kind, uiUrl, data) {
  const port = kind === "kuvert" ? 4446 : 4447;
  const base = `http://127.0.0.1:${port}`;
  const driverProcess =
    kind === "kuvert"
      ? spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 100)], {
          env: { ...process.env, KUVERT_TEST_ENVIRONMENT: "1", KUVERT_DATA_DIR: data },
          stdio: "ignore",
        })
      : // The same rendering mode as Kuvert chooses (src-tauri/src/lib.rs).
        spawn("WebKitWebDriver", [`--port=${port}`], {
          env: { ...process.env, WEBKIT_DISABLE_COMPOSITING_MODE: "1" },
          stdio: "ignore",
        });
  await listening(base);
  try {
    const started = performance.now();
    let driver;
    if (kind === "kuvert") {
      driver = await WebDriver.start(base, app, []);
    } else {
      const value = await WebDriver.request(base, "POST", "/session", {
        capabilities: { alwaysMatch: { "webkitgtk:browserOptions": { binary: miniBrowser, args: ["--automation"] } } },
      });
      driver = new WebDriver(base, value.sessionId);
      await driver.call("POST", "/url", { url: uiUrl });
    }
    await until(driver, "#new-message");
    const usableMs = performance.now() - started;
    await sleep(IDLE_MS);
    const memory = memoryMb(driverProcess.pid, kind === "kuvert" ? "kuvert-desktop" : "MiniBrowser");
    await driver.quit().catch(() => {});
    return { usableMs, memory };
  } finally {
    driverProcess.kill();
    await new Promise((resolve) => (driverProcess.exitCode !== null ? resolve() : driverProcess.once("exit", resolve)));
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const range = (values) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;

const server = await serveUi();
const uiUrl = `http://127.0.0.1:${server.address().port}/index.html`;
// Everyday starts: the warm-up is the first start on this data directory
// (it creates the test environment's certificates); the counted rounds
// reopen it, as an officer's daily start does.
const data = mkdtempSync(join(tmpdir(), "kuvert-bench-app-"));
const results = { kuvert: [], minibrowser: [] };
for (let round = 0; round <= ROUNDS; round++) {
  for (const kind of ["kuvert", "minibrowser"]) {
    const result = await launch(kind, uiUrl, data);
    if (round > 0) results[kind].push(result); // round 0 warms the caches
    process.stderr.write(`${round === 0 ? "warm-up" : `round ${round}`} ${kind}: usable ${result.usableMs.toFixed(0)} ms, idle PSS ${result.memory.pss.toFixed(0)} MB, USS ${result.memory.uss.toFixed(0)} MB\n`);
  }
}
server.close();

const row = (label, kuvert, reference, unit) =>
  `| ${label} | ${median(kuvert).toFixed(0)} ${unit} (${range(kuvert)}) | ${median(reference).toFixed(0)} ${unit} (${range(reference)}) | ${(median(kuvert) / median(reference)).toFixed(2)} |`;
const usable = (kind) => results[kind].map((r) => r.usableMs);
const memory = (kind, measure) => results[kind].map((r) => r.memory[measure]);
console.log(`${ROUNDS} rounds after a warm-up; medians (min–max)`);
console.log("| | Kuvert (release) | MiniBrowser, same UI | ratio |");
console.log("|---|---|---|---|");
console.log(row("window usable after launch", usable("kuvert"), usable("minibrowser"), "ms"));
console.log(row("idle memory, PSS (window + WebKit helpers)", memory("kuvert", "pss"), memory("minibrowser", "pss"), "MB"));
console.log(row("idle memory, USS (window + WebKit helpers)", memory("kuvert", "uss"), memory("minibrowser", "uss"), "MB"));
