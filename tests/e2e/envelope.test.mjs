// Issue 17 in the real window: compose shows the size as it will be sent,
// live, against the envelope limit ("… av 2,0 MB"); a scanned PDF too large
// to send is refused with the ways out: compress the PDF (the file on disk
// untouched, the compressed copy sent) or send on paper instead.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compose, sendAndClose, startApp, workDir } from "./harness.mjs";

const work = workDir("envelope");
const files = join(work, "files");
mkdirSync(files);

/**
 * A scanned page as a scanner without compression writes it: A4, an 8-bit
 * grey picture at 300 dpi (2480 × 3508, 8.7 MB of samples), with the
 * page's words as text over it.
 */
function scannedPdf(words) {
  const [w, h] = [2480, 3508];
  const samples = Buffer.alloc(w * h, 235);
  for (let y = 0; y < h; y++) {
    if (y % 50 < 12) samples.fill(40, y * w + 300, y * w + w - 300); // lines of "print"
  }
  const content = Buffer.from(`q 595 0 0 842 0 0 cm /Im1 Do Q BT /F1 14 Tf 72 780 Td (${words}) Tj ET\n`);
  const parts = [];
  const offsets = [];
  let length = 0;
  const push = (chunk) => {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, "latin1");
    parts.push(b);
    length += b.length;
  };
  const object = (n, body, stream) => {
    offsets[n] = length;
    push(`${n} 0 obj\n${body}\n`);
    if (stream) {
      push("stream\n");
      push(stream);
      push("\nendstream\n");
    }
    push("endobj\n");
  };
  push("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  object(1, "<< /Type /Catalog /Pages 2 0 R >>");
  object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  object(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> /XObject << /Im1 5 0 R >> >> /Contents 6 0 R >>");
  object(4, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  object(5, `<< /Type /XObject /Subtype /Image /Width ${w} /Height ${h} /ColorSpace /DeviceGray /BitsPerComponent 8 /Length ${samples.length} >>`, samples);
  object(6, `<< /Length ${content.length} >>`, content);
  const xref = length;
  push(`xref\n0 7\n0000000000 65535 f \n${offsets.slice(1).map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`);
  push(`trailer\n<< /Size 7 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts);
}

const scan = join(files, "skannat-beslut.pdf");
writeFileSync(scan, scannedPdf("Beslut om bygglov E2E"));
const scanSha = createHash("sha256").update(readFileSync(scan)).digest("hex");
assert.match(execFileSync("pdftotext", [scan, "-"], { encoding: "utf8" }), /Beslut om bygglov E2E/);

let driver;
let stop;

before(async () => {
  ({ driver, stop } = await startApp({
    env: {
      KUVERT_TEST_ENVIRONMENT: "1",
      KUVERT_DATA_DIR: join(work, "data"),
      KUVERT_SAVE_DIR: join(work, "saved"),
      KUVERT_OPEN_FILES: scan,
    },
    args: ["--test-environment"],
  }));
});

after(async () => {
  await stop?.("kuvert-e2e-envelope");
});

/** Clicks `css` after scrolling it into the form's view. */
async function click(css) {
  await driver.execute("document.querySelector(arguments[0]).scrollIntoView({ block: 'center' })", [css]);
  await driver.click(await driver.find(css));
}

/** The size line's text once it says `pattern`, and whether it fits. */
async function envelope(pattern) {
  return driver.until(`the size as sent to match ${pattern}`, async () => {
    const element = await driver.find("#compose-envelope");
    const text = await driver.text(element);
    return pattern.test(text) ? { text, fits: await driver.attribute(element, "data-fits") } : null;
  }, 60_000);
}

async function composeScanned(subject, caseNumber) {
  await driver.waitFor("#new-message", 60_000);
  await compose(driver, {
    recipient: "19850101-2382",
    operator: "Kivra (testmiljö)",
    subject,
    body: "Här kommer det skannade beslutet.",
    caseNumber,
  });
  // Small so far: a message without attachments, well within the limit.
  const small = await envelope(/^Storlek som skickas: 0,0 av 2,0 MB$/);
  assert.equal(small.fits, "true");
  await click("#compose-attach");
  await driver.waitForText("#compose-attachments", "skannat-beslut.pdf");
  const large = await envelope(/^Storlek som skickas: 11,\d av 2,0 MB$/);
  assert.equal(large.fits, "false");
  const refusal = await driver.waitForText("#compose-too-large", "för stort för att skickas digitalt");
  assert.match(refusal, /Komprimera PDF/);
  assert.match(refusal, /Skicka med post i stället/);
  assert.equal(await driver.attribute(await driver.find("#compose-review"), "disabled"), "true");
}

test("a scanned PDF too large to send is compressed in compose, shown with its new size, and sent", async () => {
  await composeScanned("Skannat beslut komprimerat E2E", "BN 2026/1717");
  await click("#compose-compress");
  const fitted = await envelope(/^Storlek som skickas: 0,\d av 2,0 MB$/);
  assert.equal(fitted.fits, "true");
  const done = await driver.waitForText(".compressed", "komprimerades");
  assert.match(done, /^skannat-beslut\.pdf komprimerades: 8,7 MB → \d+(,\d)? kB$/);
  await driver.until("the ways out to go", async () => (await driver.findAll("#compose-too-large")).length === 0);
  assert.equal(createHash("sha256").update(readFileSync(scan)).digest("hex"), scanSha, "the file on disk is untouched");

  await click("#compose-review");
  await driver.waitForText("#compose-summary", "via Kivra", 30_000);
  await sendAndClose(driver, "submitted");
  await driver.click(await driver.find("#folder-sent"));
  const row = await driver.until("the message in Sent", async () => {
    for (const candidate of await driver.findAll("#message-list button[data-message-id]")) {
      if ((await driver.text(candidate)).includes("Skannat beslut komprimerat E2E")) return candidate;
    }
    return null;
  }, 30_000);
  await driver.click(row);
  const pane = await driver.waitForText("#reading-pane", "skannat-beslut.pdf");
  assert.match(pane, /skannat-beslut\.pdf \(PDF, \d+(,\d)? kB\)/, "the compressed file is what was stored");
});

test("a scanned PDF too large to send goes on paper instead, with everything attached", async () => {
  await composeScanned("Skannat beslut på papper E2E", "BN 2026/1718");
  await click("#compose-on-paper");
  const outcome = await driver.until("the paper outcome", async () =>
    driver.attribute(await driver.find("#compose-outcome"), "data-outcome"), 60_000);
  assert.equal(outcome, "paper");
  const text = await driver.text(await driver.find("#compose-outcome"));
  assert.match(text, /registrerat som skickat med post, med alla bilagor/);
  assert.match(text, /Handläggaren valde att skicka meddelandet med post\./);
  await driver.click(await driver.find("#compose-done"));
  await driver.click(await driver.find("#folder-paper"));
  const row = await driver.until("the message in Paper", async () => {
    for (const candidate of await driver.findAll("#message-list button[data-message-id]")) {
      if ((await driver.text(candidate)).includes("Skannat beslut på papper E2E")) return candidate;
    }
    return null;
  }, 30_000);
  await driver.click(row);
  const pane = await driver.waitForText("#reading-pane", "skannat-beslut.pdf");
  assert.match(pane, /skannat-beslut\.pdf \(PDF, 8,7 MB\)/, "the original file, on paper");
});
