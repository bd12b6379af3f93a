/**
 * The learner web app's build: Preact through Vite (rolldown), into web/dist, which the API
 * worker serves as Workers Static Assets ([assets] in wrangler.toml). Hashed file names under
 * assets/ are cached for a year (public/_headers); index.html is revalidated on every visit.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    // One script and one stylesheet: the app is small, and a second round trip would cost more than it saves.
    modulePreload: false,
    reportCompressedSize: false,
  },
});
