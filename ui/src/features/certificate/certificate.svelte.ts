// Importing the organisation's certificate (PKCS#12) from Settings or the
// first-run page: choose the file, give its password, import. The backend
// checks everything and changes nothing unless all of it succeeds.
import { asCommandError, type Backend } from "../../lib/backend";
import type { CommandError, InstalledCertificateView, ProfileView } from "../../lib/backend/types";

export class CertificateImportController {
  path = $state<string | null>(null);
  password = $state("");
  busy = $state(false);
  result = $state<InstalledCertificateView | null>(null);
  error = $state<CommandError | null>(null);

  constructor(
    private readonly backend: Backend,
    private readonly onImported: (profile: ProfileView) => void,
  ) {}

  /** Whether the import button can be pressed. */
  get canImport(): boolean {
    return this.path !== null && this.password !== "" && !this.busy;
  }

  /** Asks for the file (native dialog); keeps the previous choice when cancelled. */
  async choose(): Promise<void> {
    const chosen = await this.backend.chooseCertificate();
    if (chosen !== null) {
      this.path = chosen;
      this.result = null;
      this.error = null;
    }
  }

  /** Imports; the password is forgotten by the form whatever the outcome. */
  async import(): Promise<void> {
    if (!this.canImport || this.path === null) return;
    this.busy = true;
    this.error = null;
    this.result = null;
    try {
      const installed = await this.backend.importCertificate(this.path, this.password);
      this.result = installed;
      this.path = null;
      this.onImported(installed.profile);
    } catch (e) {
      this.error = asCommandError(e);
    } finally {
      this.password = "";
      this.busy = false;
    }
  }
}
