// A real CUPS for a test: Debian's cupsd, started in a folder of its own
// (its configuration, spool and logs there; listening on a Unix socket
// only), with Kuvert's backend (packaging/cups/kuvert) and the "Kuvert"
// queue made as the .deb's postinst makes it. Run as root (as the tests
// are): cupsd then runs the backend, mode 0700, as root, as installed.

import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "../..");

/**
 * Starts cupsd under `dir`, setting `KUVERT_PRINT_SPOOL=spoolRoot` for the
 * backend; resolves with `lp(file, title)`, `log()` and `stop()`.
 */
export async function startCups(dir, spoolRoot) {
  assert.equal(process.getuid(), 0, "the CUPS test runs as root, as cupsd's backends do");
  const folders = ["conf", "serverbin/backend", "spool", "tmp", "cache", "state", "log"];
  for (const f of folders) mkdirSync(join(dir, f), { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  // The backend as the package installs it: root's, 0700 (so cupsd runs it as root).
  const backend = join(dir, "serverbin/backend/kuvert");
  copyFileSync(join(REPO, "packaging/cups/kuvert"), backend);
  chmodSync(backend, 0o700);
  symlinkSync("/usr/lib/cups/daemon", join(dir, "serverbin/daemon"));
  const socket = join(dir, "cups.sock");
  writeFileSync(join(dir, "conf/cupsd.conf"), [
    `Listen ${socket}`,
    "LogLevel debug",
    "WebInterface No",
    "Browsing No",
    "<Location />",
    "  Order allow,deny",
    "  Allow all",
    "</Location>",
    "<Policy default>",
    "  <Limit All>",
    "    Order deny,allow",
    "  </Limit>",
    "</Policy>",
    "",
  ].join("\n"));
  writeFileSync(join(dir, "conf/cups-files.conf"), [
    `ServerRoot ${join(dir, "conf")}`,
    `ServerBin ${join(dir, "serverbin")}`,
    "DataDir /usr/share/cups",
    `RequestRoot ${join(dir, "spool")}`,
    `TempDir ${join(dir, "tmp")}`,
    `CacheDir ${join(dir, "cache")}`,
    `StateDir ${join(dir, "state")}`,
    `ErrorLog ${join(dir, "log/error_log")}`,
    `AccessLog ${join(dir, "log/access_log")}`,
    `PageLog ${join(dir, "log/page_log")}`,
    // Where the backend writes the jobs (the app reads the same variable).
    `SetEnv KUVERT_PRINT_SPOOL ${spoolRoot}`,
    `Printcap ${join(dir, "printcap")}`,
    "SystemGroup root",
    "Sandboxing Relaxed",
    "",
  ].join("\n"));
  const cupsd = spawn("/usr/sbin/cupsd", ["-f", "-c", join(dir, "conf/cupsd.conf"), "-s", join(dir, "conf/cups-files.conf")], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise((resolve) => cupsd.once("exit", resolve));
  const deadline = Date.now() + 20_000;
  while (!existsSync(socket)) {
    if (cupsd.exitCode !== null) throw new Error(`cupsd exited (${cupsd.exitCode}): ${log()}`);
    if (Date.now() > deadline) throw new Error(`cupsd did not start: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const client = (program, args) => execFileSync(program, ["-h", socket, ...args], { encoding: "utf8" });
  // As the .deb's postinst does.
  client("lpadmin", ["-p", "Kuvert", "-E", "-v", "kuvert:/", "-P", join(REPO, "packaging/cups/kuvert.ppd")]);

  function log() {
    try {
      return readFileSync(join(dir, "log/error_log"), "utf8");
    } catch {
      return "(no log)";
    }
  }
  return {
    socket,
    log,
    /** `lp -d Kuvert -t TITLE FILE`; returns lp's answer ("request id is Kuvert-1 …"). */
    lp: (file, title) => client("lp", ["-d", "Kuvert", "-t", title, file]),
    /** lpstat's view of the queue's jobs, done ones included. */
    jobs: () => client("lpstat", ["-W", "all", "-o", "Kuvert"]),
    async stop() {
      cupsd.kill("SIGTERM");
      await exited;
    },
  };
}
