import { mount } from "svelte";
import App from "./App.svelte";
import { tauriBackend } from "./lib/backend/tauri";
import { memoryBackend } from "./lib/backend/memory";
import "./app.css";

// Inside the Tauri window the real backend; in a plain browser (UI work) the
// test implementation.
const inTauri = "__TAURI_INTERNALS__" in window;
const target = document.getElementById("app");
if (target) {
  mount(App, { target, props: { backend: inTauri ? tauriBackend : memoryBackend() } });
}
