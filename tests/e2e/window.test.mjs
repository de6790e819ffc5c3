// Issue 16: the window's size and position are kept between starts (the
// Tauri window-state plugin, written a moment after each change by the app).
// The window is resized through WebDriver, kept on disk, and the app ended;
// the next start opens it at that size.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, workDir } from "./harness.mjs";

const work = workDir("window");
const env = {
  KUVERT_TEST_ENVIRONMENT: "1",
  KUVERT_DATA_DIR: join(work, "data"),
  XDG_CONFIG_HOME: join(work, "config"),
};
let running;

after(async () => {
  await running?.stop("kuvert-e2e-window");
});

test("the window opens at the size it was closed at", async () => {
  running = await startApp({ env, args: ["--test-environment"] });
  let { driver } = running;
  await driver.waitFor("#new-message", 60_000);
  const before = await driver.call("GET", "/window/rect");
  assert.notEqual(before.width, 1000, JSON.stringify(before));
  await driver.call("POST", "/window/rect", { width: 1000, height: 640 });
  await driver.until("the window to take the new size", async () => {
    const rect = await driver.call("GET", "/window/rect");
    return rect.width === 1000 && rect.height === 640;
  });
  // Kept a moment after the change, not only when the app ends normally.
  const kept = join(env.XDG_CONFIG_HOME, "se.kuvert.desktop", ".window-state.json");
  await driver.until("the size to be kept on disk", async () => {
    if (!existsSync(kept)) return false;
    const { main } = JSON.parse(readFileSync(kept, "utf8"));
    return main?.width === 1000 && main?.height === 640;
  }, 10_000);
  // Closed as the officer closes it (the last window: the app ends).
  await driver.call("DELETE", "/window").catch(() => {});
  await running.stop("kuvert-e2e-window-first");

  running = await startApp({ env, args: ["--test-environment"] });
  ({ driver } = running);
  await driver.waitFor("#new-message", 60_000);
  const rect = await driver.call("GET", "/window/rect");
  assert.equal(rect.width, 1000, JSON.stringify(rect));
  assert.equal(rect.height, 640, JSON.stringify(rect));
});
