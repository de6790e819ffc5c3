// Issue 16, "send from any program", in the real window: what another
// program hands to Kuvert opens the compose form in the running app.
// - At start: `kuvert-desktop --attach FILE --subject S --case DNR`.
// - A second start (as "Öppna med Kuvert", the SendTo shortcut and a
//   kuvert:// link make): its arguments reach the running app through the
//   single-instance plugin (D-Bus), and the second process ends at once.
//   A file the type rules refuse is named with the reason; the others are
//   attached. A link fills in fields but never attaches a file.
// - Print to Kuvert: `lp -d Kuvert FILE` to a real CUPS (Debian's cupsd,
//   started here) with Kuvert's backend; the job opens as a PDF attachment.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { startCups } from "./cups.mjs";
import { startApp, valueOf, workDir } from "./harness.mjs";

const work = workDir("handoff");
const files = join(work, "files");
const dataDir = join(work, "data");
const spoolRoot = join(work, "print-spool");
mkdirSync(files);

/** A one-page PDF saying `words`. */
function pdf(words) {
  const content = `BT /F1 14 Tf 72 780 Td (${words}) Tj ET\n`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${content.length} >>\nstream\n${content}endstream`,
  ];
  let out = "%PDF-1.4\n";
  const offsets = objects.map((body, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, "latin1");
}

const first = join(files, "beslut.pdf");
const second = join(files, "bilaga 2.pdf");
const program = join(files, "program.exe");
writeFileSync(first, pdf("Beslut om bygglov"));
writeFileSync(second, pdf("Bilaga 2"));
writeFileSync(program, Buffer.from("MZ\x90\x00 not a document", "latin1"));
const env = {
  KUVERT_TEST_ENVIRONMENT: "1",
  KUVERT_DATA_DIR: dataDir,
  KUVERT_PRINT_SPOOL: spoolRoot,
  // The save dialog's answer (test hook): "Spara felsökningsinfo…" writes there.
  KUVERT_SAVE_DIR: join(work, "saved"),
};

let driver;
let stop;
let cups;

before(async () => {
  ({ driver, stop } = await startApp({
    env,
    args: ["--test-environment", "--attach", first, "--subject", "Beslut om bygglov", "--case", "KS 2026/0042"],
  }));
});

after(async () => {
  await cups?.stop();
  await stop?.("kuvert-e2e-handoff");
});

/** Starts `kuvert-desktop ARGS` as another program would; resolves with its exit code. */
function secondStart(args) {
  const started = spawn(process.env.KUVERT_APP, args, {
    env: { ...process.env, ...env },
    cwd: files,
    stdio: ["ignore", "inherit", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      started.kill("SIGKILL");
      reject(new Error("the second start did not end: it did not find the running app"));
    }, 30_000);
    started.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** The names in the compose form's attachment list. */
async function attachmentNames() {
  const text = await driver.text(await driver.find("#compose-attachments"));
  return text;
}

async function closeCompose() {
  await driver.click(await driver.find("#compose-close"));
  await driver.until("the compose form to close", async () => (await driver.findAll("#compose")).length === 0);
}

test("--attach at start opens the compose form with the file attached and the fields filled in", async () => {
  await driver.waitForText("#compose-attachments", "beslut.pdf", 60_000);
  assert.equal(await valueOf(driver, "#compose-subject"), "Beslut om bygglov");
  assert.equal(await valueOf(driver, "#compose-case-number"), "KS 2026/0042");
  await closeCompose();
});

test("a second start hands its files to the running app and ends; a refused file is named with why", async () => {
  // Relative to the second start's working directory, as a file manager passes them.
  const code = await secondStart(["--attach", "bilaga 2.pdf", "program.exe", "--to", "19850101-2382"]);
  assert.equal(code, 0);
  await driver.waitForText("#compose-attachments", "bilaga 2.pdf", 30_000);
  assert.doesNotMatch(await attachmentNames(), /program\.exe/);
  const refused = await driver.waitForText(".handoff-refused[data-file='program.exe']", "program.exe kunde inte bifogas");
  assert.match(refused, /program\.exe/);
  assert.equal(await valueOf(driver, "#compose-recipient"), "19850101-2382");
  await closeCompose();
});

test("a kuvert:// link fills in fields but cannot attach a file", async () => {
  const link = `kuvert://compose?subject=Kallelse%20till%20m%C3%B6te&case=KS%202026%2F0043&attach=${encodeURIComponent(first)}`;
  assert.equal(await secondStart([link]), 0);
  await driver.until("the link's subject", async () =>
    (await driver.findAll("#compose-subject")).length > 0 && (await valueOf(driver, "#compose-subject")) === "Kallelse till möte",
  30_000);
  assert.equal(await valueOf(driver, "#compose-case-number"), "KS 2026/0043");
  assert.equal((await driver.findAll("#compose-attachments li")).length, 0);
  await closeCompose();
});

test("print to Kuvert: lp -d Kuvert through a real CUPS opens the job as a PDF attachment", async () => {
  cups = await startCups(join(work, "cups"), spoolRoot);
  const printed = join(files, "protokoll.pdf");
  writeFileSync(printed, pdf("Protokoll fort vid sammantrade"));
  const answer = cups.lp(printed, "Protokoll 2026-12-03.odt");
  assert.match(answer, /request id is Kuvert-\d+/);
  await driver.waitForText("#compose-attachments", "Protokoll 2026-12-03.pdf", 30_000).catch((error) => {
    throw new Error(`${error.message}\nCUPS log:\n${cups.log().split("\n").filter((l) => !l.startsWith("D ")).join("\n")}`);
  });
  // Taken from the spool folder, and gone from Kuvert's own folder once the draft holds it.
  assert.deepEqual(readdirSync(join(spoolRoot, userInfo().username)), []);
  await driver.until("the job's file to be removed once attached", async () => !existsSync(join(dataDir, "printed")) || readdirSync(join(dataDir, "printed")).length === 0);
  await closeCompose();
});

test("Spara felsökningsinfo writes the diagnostics bundle for IT, without messages or keys", async () => {
  mkdirSync(join(work, "saved"), { recursive: true });
  await driver.click(await driver.find("#nav-settings"));
  await driver.click(await driver.waitFor("#settings-diagnostics"));
  const saved = await driver.waitForText("#settings-diagnostics-saved", "kuvert-felsokning-");
  const zip = saved.match(/i (\/\S+\.zip)/)[1];
  const listing = execFileSync("unzip", ["-Z1", zip], { encoding: "utf8" }).split("\n").filter(Boolean);
  for (const entry of ["LASMIG.txt", "about.json", "doctor.json", "log/kuvert.log"]) assert.ok(listing.includes(entry), `${entry} in ${listing}`);
  assert.ok(listing.some((e) => e.startsWith("profile/")), listing.join(", "));
  assert.ok(!listing.some((e) => /\.(sqlite|p12|pem|key)$/.test(e)), listing.join(", "));
  const doctor = JSON.parse(execFileSync("unzip", ["-p", zip, "doctor.json"], { encoding: "utf8" }));
  assert.ok(doctor.findings.some((f) => f.check === "certificate"), JSON.stringify(doctor));
});
