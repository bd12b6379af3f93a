/**
 * Module types for what wrangler's bundler turns into values (wrangler.toml [[rules]]):
 * `*.wasm` → CompiledWasm (a compiled WebAssembly.Module), `*.onnx` → Data (an ArrayBuffer).
 */
declare module "*.wasm" {
  const module: object; // a WebAssembly.Module (typed loosely: this file is also checked without the workers lib)
  export default module;
}

declare module "*.onnx" {
  const bytes: ArrayBuffer;
  export default bytes;
}
