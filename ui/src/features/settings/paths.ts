// Where Kuvert keeps its files, as the Settings page lists them: one row per
// path, in the order `kuvert paths` prints them.
import type { LegacyStateView, PathsView, ProfileFileView, ProfileLayerView } from "../../lib/backend/types";
import { t, type Lang, type TextKey } from "../../lib/i18n";

export interface PathRow {
  /** The element id (the end-to-end test reads `settings-data-dir`). */
  id: string;
  label: string;
  /** One line per path. */
  lines: string[];
}

const layers: Record<ProfileLayerView, TextKey> = {
  system: "paths.layer.system",
  user: "paths.layer.user",
  explicit: "paths.layer.explicit",
};

const legacyStates: Record<LegacyStateView, TextKey> = {
  pending: "paths.legacy.pending",
  interrupted: "paths.legacy.interrupted",
  both_hold_data: "paths.legacy.both_hold_data",
  moved: "paths.legacy.moved",
};

function profileFile(lang: Lang, file: ProfileFileView): string {
  return t(lang, "paths.file", {
    path: file.path,
    layer: t(lang, layers[file.layer]),
    read: t(lang, file.read ? "paths.read" : "paths.missing"),
  });
}

export function pathRows(lang: Lang, paths: PathsView): PathRow[] {
  const rows: PathRow[] = [
    { id: "settings-data-dir", label: t(lang, "settings.dataDir"), lines: [paths.data_dir] },
    { id: "settings-database", label: t(lang, "settings.database"), lines: [paths.database] },
    { id: "settings-outbox-lock", label: t(lang, "settings.outboxLock"), lines: [paths.outbox_lock] },
    {
      id: "settings-profile-files",
      label: t(lang, "settings.profileFiles"),
      lines: paths.profile_files.map((f) => profileFile(lang, f)),
    },
    {
      id: "settings-certificate-store",
      label: t(lang, "settings.certificateStore"),
      lines: [paths.certificate_store ?? t(lang, "settings.none")],
    },
    { id: "settings-log-file", label: t(lang, "settings.logFile"), lines: [paths.log_file] },
  ];
  if (paths.legacy) {
    rows.push({
      id: "settings-legacy",
      label: t(lang, "settings.legacy"),
      lines: [t(lang, "paths.legacy", { path: paths.legacy.path, state: t(lang, legacyStates[paths.legacy.state]) })],
    });
  }
  return rows;
}
