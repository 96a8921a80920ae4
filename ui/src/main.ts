import { mount } from "svelte";

import App from "./App.svelte";
import { controllers } from "./controllers";
import { tauriBackend } from "./lib/api/tauri";
import "./app.css";

const target = document.getElementById("app");
if (target === null) throw new Error("index.html has no #app");
mount(App, { target, props: { app: controllers(tauriBackend) } });
