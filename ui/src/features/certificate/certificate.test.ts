import { beforeEach, describe, expect, it } from "vitest";
import { memoryBackend, type MemoryBackend } from "../../lib/backend/memory";
import type { ProfileView } from "../../lib/backend/types";
import { CertificateImportController } from "./certificate.svelte";

let backend: MemoryBackend;
let opened: ProfileView[];

beforeEach(() => {
  backend = memoryBackend();
  backend.certificates.set("/media/usb/kommunb.p12", {
    password: "hemligt",
    subject: "Kommun B",
    organisation: "162021003898",
    notAfter: "2027-11-23T00:00:00Z",
  });
  opened = [];
});

function controller() {
  return new CertificateImportController(backend, (p) => opened.push(p));
}

describe("importing a certificate", () => {
  it("needs a file and a password before it can start", async () => {
    const c = controller();
    expect(c.canImport).toBe(false);
    backend.certificateChoice = "/media/usb/kommunb.p12";
    await c.choose();
    expect(c.path).toBe("/media/usb/kommunb.p12");
    expect(c.canImport).toBe(false);
    c.password = "hemligt";
    expect(c.canImport).toBe(true);
  });

  it("keeps the previous choice when the dialog is cancelled", async () => {
    const c = controller();
    backend.certificateChoice = "/media/usb/kommunb.p12";
    await c.choose();
    backend.certificateChoice = null;
    await c.choose();
    expect(c.path).toBe("/media/usb/kommunb.p12");
  });

  it("imports, reports the certificate and opens the new profile", async () => {
    const c = controller();
    backend.certificateChoice = "/media/usb/kommunb.p12";
    await c.choose();
    c.password = "hemligt";
    await c.import();
    expect(c.error).toBeNull();
    expect(c.result?.subject).toBe("Kommun B");
    expect(c.result?.organisation_number).toBe("162021003898");
    expect(opened).toHaveLength(1);
    expect(opened[0]?.needs_password).toBe(true);
    expect(opened[0]?.certificate_file).toMatch(/certificates\/kommunb\.p12$/);
    expect(c.password).toBe("");
    expect(c.path).toBeNull();
  });

  it("shows a wrong password as such, forgets it and keeps the file", async () => {
    const c = controller();
    backend.certificateChoice = "/media/usb/kommunb.p12";
    await c.choose();
    c.password = "fel";
    await c.import();
    expect(c.error?.code).toBe("invalid_input");
    expect(c.error?.problems.map((p) => p.kind)).toEqual(["wrong_password"]);
    expect(c.result).toBeNull();
    expect(opened).toHaveLength(0);
    expect(c.password).toBe("");
    expect(c.path).toBe("/media/usb/kommunb.p12");
    expect(c.busy).toBe(false);
  });
});
