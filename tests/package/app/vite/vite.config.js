// vite.config.js: what an app using wmesh needs. The dev server pre-bundles
// dependencies into .vite/deps, which would break the package's
// new URL('...', import.meta.url) references to its worker, glue and
// .wasm; production builds need nothing.
export default {
  optimizeDeps: { exclude: ['wmesh'] },
};
