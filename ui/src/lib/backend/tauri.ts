// The backend over Tauri commands (see src-tauri/src/commands.rs).
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { BackendError, asCommandError, type Backend } from "./index";
import type { StatusChange } from "./types";

async function call<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw new BackendError(asCommandError(error));
  }
}

export const tauriBackend: Backend = {
  appStatus: () => call("app_status"),
  certificateHealth: () => call("certificate_health"),
  preferences: () => call("preferences"),
  setLanguage: (language) => call("set_language", { language }),
  useTestEnvironment: () => call("use_test_environment"),
  checkRecipient: (input) => call("check_recipient", { input }),
  saveDraft: (id, fields) => call("save_draft", { id, fields }),
  draft: (id) => call("draft", { id }),
  drafts: () => call("drafts"),
  deleteDraft: (id) => call("delete_draft", { id }),
  attachFiles: (id, paths) => call("attach_files", { id, paths }),
  removeAttachment: (id, attachmentId) => call("remove_attachment", { id, attachmentId }),
  summarise: (id, operator, paper) => call("summarise", { id, operator, paper }),
  sendDraft: (id) => call("send_draft", { id }),
  envelopeSize: (id) => call("envelope_size", { id }),
  compressAttachment: (id, attachmentId) => call("compress_attachment", { id, attachmentId }),
  sendDraftOnPaper: (id) => call("send_draft_on_paper", { id }),
  folder: (folder) => call("folder", { folder }),
  message: (id) => call("message", { id }),
  refreshStatus: (id) => call("refresh_status", { id }),
  sendAgain: (id) => call("send_again", { id }),
  markHandled: (id, note) => call("mark_handled", { id, note }),
  withdraw: (id) => call("withdraw", { id }),
  searchLog: (filter) => call("search_log", { filter }),
  chooseSavePath: (suggestedName) => call("choose_save_path", { suggestedName }),
  chooseFiles: () => call("choose_files"),
  takeComposeRequest: () => call("take_compose_request"),
  exportLog: (format, filter, path) => call("export_log", { format, filter, path }),
  archiveMessage: (id, path) => call("archive_message", { id, path }),
  archiveLog: (filter, path) => call("archive_log", { filter, path }),
  saveLetter: (id, path) => call("save_letter", { id, path }),
  printLetter: (id) => call("print_letter", { id }),
  purge: (days, dryRun) => call("purge", { days, dryRun }),
  purges: () => call("purges"),
  verifyLog: () => call("verify_log"),
  storePassword: (password, seal) => call("store_password", { password, seal: seal ?? false }),
  chooseCertificate: () => call("choose_certificate"),
  importCertificate: (path, password) => call("import_certificate", { path, password }),
  paths: () => call("paths"),
  saveDiagnostics: (path) => call("save_diagnostics", { path }),
  onStatusChange: (listener) =>
    listen<StatusChange>("message-status", (event) => listener(event.payload)),
  onComposeRequested: (listener) => listen("compose-requested", () => listener()),
  onFilesDropped: (listener) =>
    getCurrentWebview().onDragDropEvent((event) => {
      if (event.payload.type === "drop") listener(event.payload.paths);
    }),
};
