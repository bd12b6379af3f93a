/**
 * The ONLY place that knows how onnxruntime-web is started inside workerd. Everything here
 * depends on onnxruntime-web 1.30's internals; re-check it (test/worker/ml.test.ts does)
 * whenever that version changes.
 *
 * The problem: workerd refuses to compile WebAssembly from bytes at run time
 * (`WebAssembly.instantiate(bytes)` / `compile` throw), and ORT's Emscripten loader only
 * knows how to fetch-and-compile its `.wasm`. Wrangler can instead hand us the runtime
 * already compiled: `import wasm from "onnxruntime-web/ort-wasm-simd-threaded.wasm"` is a
 * `WebAssembly.Module` (CompiledWasm rule, wrangler's default for `*.wasm`).
 *
 * The bridge, used only while the first session is created (that is when ORT instantiates):
 *   1. `env.wasm.wasmBinary` is set to a 0-byte placeholder ArrayBuffer. ORT then skips its
 *      fetch and calls `WebAssembly.instantiate(new Uint8Array(placeholder), imports)`;
 *      a Uint8Array built on an ArrayBuffer is a view of that same buffer, so the call can be
 *      recognised by identity (`bytes.buffer === placeholder`).
 *   2. For that one call, `WebAssembly.instantiate` is swapped for a function that
 *      instantiates the precompiled module with ORT's imports and returns the
 *      `{ instance, module }` pair ORT expects. Any other call passes through unchanged, and
 *      the original is put back as soon as the session exists (or failed) — the global is
 *      patched for the duration of one await, never left patched.
 *   3. `numThreads = 1` (no SharedArrayBuffer workers in workerd), `proxy = false` (no Web
 *      Worker to proxy to). SIMD detection uses `WebAssembly.validate`, which workerd allows.
 *
 * Once per isolate: ORT itself throws on a second concurrent initialisation, and creating a
 * session costs ~250 ms the first time (instantiate + ORT init) and a few ms later. So
 * sessions are memoised per model key as PROMISES, set synchronously before the first
 * await: concurrent first requests all await the same creation. A failed creation is
 * remembered too (the predictor falls back; retrying on every request would cost every
 * learner the failure's latency) — `resetSessionsForTests` clears the memo.
 */
import * as ort from "onnxruntime-web/wasm";

export type OrtSession = ort.InferenceSession;
export { ort };

const sessions = new Map<string, Promise<OrtSession>>();
let runtimeReady: Promise<void> | null = null;
let creations = 0;

/**
 * The slice of the global WebAssembly object the bridge touches, typed locally: this file
 * is also type-checked without the DOM/workers lib (tsconfig for Node), where the global
 * has no `instantiate` declaration.
 */
interface WasmGlobal {
  instantiate(source: unknown, imports?: object): Promise<unknown>;
}
const wasmGlobal = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

/** Runs `create` with WebAssembly.instantiate redirected to `compiled` for ORT's own call. */
async function withPrecompiledRuntime<T>(compiled: object, create: () => Promise<T>): Promise<T> {
  const placeholder = new ArrayBuffer(0);
  ort.env.wasm.wasmBinary = placeholder;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const original = wasmGlobal.instantiate;
  wasmGlobal.instantiate = async (source: unknown, imports?: object): Promise<unknown> => {
    if (ArrayBuffer.isView(source) && source.buffer === placeholder) {
      // Given a Module, instantiate returns just the Instance; ORT wants the pair.
      const instance = await original.call(wasmGlobal, compiled, imports);
      return { instance, module: compiled };
    }
    return original.call(wasmGlobal, source, imports);
  };
  try {
    return await create();
  } finally {
    wasmGlobal.instantiate = original;
  }
}

/**
 * The session for `key` (e.g. a model version), created from `modelBytes` once per isolate.
 * `wasm` is the compiled ORT runtime (import it where the bundler sees it: predictor.ts).
 */
export function getSession(key: string, wasm: object, modelBytes: () => Uint8Array | ArrayBuffer): Promise<OrtSession> {
  const existing = sessions.get(key);
  if (existing) return existing;
  const created = (async () => {
    // The runtime is instantiated by the first session ever created; later sessions (other
    // model versions) wait for it and need no redirection.
    if (!runtimeReady) {
      let done: () => void = () => undefined;
      runtimeReady = new Promise<void>((resolve) => {
        done = resolve;
      });
      try {
        creations++;
        return await withPrecompiledRuntime(wasm, () => ort.InferenceSession.create(toBytes(modelBytes()), { executionProviders: ["wasm"] }));
      } finally {
        done();
      }
    }
    await runtimeReady;
    creations++;
    return ort.InferenceSession.create(toBytes(modelBytes()), { executionProviders: ["wasm"] });
  })();
  sessions.set(key, created);
  return created;
}

function toBytes(b: Uint8Array | ArrayBuffer): Uint8Array {
  return b instanceof Uint8Array ? b : new Uint8Array(b);
}

/** Sessions created in this isolate so far (tests assert "once" with it). */
export function sessionCreations(): number {
  return creations;
}

/** Forgets memoised sessions (not the runtime, which ORT keeps for the isolate's life). */
export function resetSessionsForTests(): void {
  sessions.clear();
}
