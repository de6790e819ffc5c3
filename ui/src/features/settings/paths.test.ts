import { describe, expect, it } from "vitest";
import { memoryBackend, testPaths } from "../../lib/backend/memory";
import type { LegacyStateView } from "../../lib/backend/types";
import { en } from "../../lib/i18n/en";
import { sv } from "../../lib/i18n/sv";
import { pathRows } from "./paths";

describe("the paths in Settings", () => {
  it("list every path kuvert paths names, in its order", async () => {
    const rows = pathRows("sv", await memoryBackend().paths());
    expect(rows.map((r) => r.id)).toEqual([
      "settings-data-dir",
      "settings-database",
      "settings-outbox-lock",
      "settings-profile-files",
      "settings-certificate-store",
      "settings-log-file",
    ]);
    expect(rows[0]?.lines).toEqual([testPaths.data_dir]);
    expect(rows[3]?.lines).toEqual([`${testPaths.data_dir}/testmiljo/profile.toml (angiven fil, läst)`]);
  });

  it("say which layer each profile file is and whether it was found", () => {
    const rows = pathRows("en", {
      ...testPaths,
      profile_files: [
        { layer: "system", path: "/etc/kuvert/profile.toml", read: false },
        { layer: "user", path: "/home/a/.config/kuvert/profile.toml", read: true },
      ],
      certificate_store: null,
    });
    expect(rows.find((r) => r.id === "settings-profile-files")?.lines).toEqual([
      "/etc/kuvert/profile.toml (whole computer, not there)",
      "/home/a/.config/kuvert/profile.toml (your user, read)",
    ]);
    expect(rows.find((r) => r.id === "settings-certificate-store")?.lines).toEqual(["None"]);
  });

  it("warn when the app's earlier folder holds data that is not used", async () => {
    const backend = memoryBackend();
    backend.legacy = { path: "/home/a/.local/share/se.kuvert.desktop", state: "both_hold_data" };
    const legacy = pathRows("en", await backend.paths()).find((r) => r.id === "settings-legacy");
    expect(legacy?.lines[0]).toMatch(/^\/home\/a\/\.local\/share\/se\.kuvert\.desktop: .*NOT used.*not merged/);
  });

  const states: LegacyStateView[] = ["pending", "interrupted", "both_hold_data", "moved"];
  it.each(states)("has a text for the earlier folder being %s in both languages", (state) => {
    const paths = { ...testPaths, legacy: { path: "/old", state } };
    expect(pathRows("sv", paths).at(-1)?.lines[0]).toBe(`/old: ${sv[`paths.legacy.${state}`]}`);
    expect(pathRows("en", paths).at(-1)?.lines[0]).toBe(`/old: ${en[`paths.legacy.${state}`]}`);
  });
});
