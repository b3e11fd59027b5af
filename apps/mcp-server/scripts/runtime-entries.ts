/**
 * The files the gateway loads by path at run time (`src/runtime-files.ts`), relative to `src/`: each
 * is its own entry point in the build (`build.ts`) and in the compiled binary (`compile.ts`).
 */
export const RUNTIME_ENTRIES = ['module-host/thread.ts', 'builtin/tools.ts', 'telemetry/span-thread.ts'];
