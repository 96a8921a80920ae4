import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vitest/config";

// The window loads the built files from the app (tauri.conf.json: frontendDist), or
// this dev server on a fixed port (devUrl). Tests run in Node; component tests ask
// for a DOM (`// @vitest-environment happy-dom`) and get Svelte's browser build.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { outDir: "dist", target: "es2022", sourcemap: false },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
