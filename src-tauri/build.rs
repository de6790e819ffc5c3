//! Tauri's build step. The context (config, capabilities and the built UI
//! from `ui/dist`) is generated here rather than by `generate_context!`, so
//! cargo's change tracking re-embeds the UI whenever it is rebuilt.
//!
//! On a checkout where the UI has not been built yet (e.g. a
//! `cargo clippy --workspace` before `npm run build`) a placeholder page is
//! written so the Rust workspace still builds. The placeholder says so on
//! screen, and the end-to-end test fails on it.
use std::path::Path;

fn main() {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist");
    if !dist.join("index.html").exists() {
        // Why not fail: other crates' checks must not need Node.
        let _ = std::fs::create_dir_all(&dist);
        let _ = std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>Kuvert (UI not built)</title>\
             <p>The user interface was not built: run <code>npm ci && npm run build</code> in ui/.</p>",
        );
    }
    let attributes = tauri_build::Attributes::new().codegen(tauri_build::CodegenContext::new());
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build: {error:#}");
    }
}
