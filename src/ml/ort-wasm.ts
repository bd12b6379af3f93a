/**
 * onnxruntime-web's compiled runtime (wrangler's CompiledWasm rule: a `WebAssembly.Module`),
 * in a module of its own so ./predictor.ts imports it on first use: an isolate with the model
 * off never loads it. That matters most in the worker test tier, where vitest-pool-workers hands
 * every test file's workerd a `.wasm` as a JSON array of its 14 MB (about 9 s a file).
 * wrangler's bundle still imports it statically at the top (esbuild hoists the import).
 *
 * A relative path, not the package subpath: wrangler's module collector resolves `.wasm`
 * imports relative to the importing file only. Must be the runtime matching
 * onnxruntime-web/wasm's bundled loader (same package version).
 */
import ortWasm from "../../node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm";

export default ortWasm;
