#!/usr/bin/env node
// Install step of @lanpo/memory: builds hnswlib-node's addon a second time, with -march=native.
//
// Why: hnswlib chooses its SIMD distance kernels when it is compiled (SSE unless the compiler may
// use AVX), and hnswlib-node's binding.gyp passes no CPU flags, so its stock build computes a
// 512-dimension distance four floats at a time even on a CPU with AVX-512. hnswlib's own Python
// package builds with -march=native for this reason. On 100,000 × 512 isotropic vectors the
// native build inserts about 1.4× faster and answers about 1.4× sooner (bench/memory-hnsw.bench.ts).
//
// The step is optional by design: when it is skipped or fails, the install still succeeds and the
// store uses the stock build (memory/src/store/hnswlib-binding.ts decides at load, and also
// refuses a native build made on a CPU with features the current one lacks). The addon is only
// published once it has loaded and searched in a child process, so a build that crashes never
// reaches the store. LANPO_HNSWLIB_NATIVE=0 skips the step.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = process.env.LANPO_HNSWLIB_NATIVE_DIR ?? join(PACKAGE_ROOT, "native");
const ADDON_FILE = "hnswlib-node-native.node";
const MANIFEST_FILE = "hnswlib-node-native.json";
const CXX_FLAGS = ["-march=native"];
const BUILD_TIMEOUT_MS = 5 * 60_000;

const say = (message) => console.log(`@lanpo/memory: ${message}`);

/**
 * The instruction-set flags of this machine's CPU (Linux), which a later load requires of its
 * own: code built with -march=native may use any of them. Flags that name no instructions (the
 * hypervisor, timers, mitigations) are left out, so that a like machine is not refused.
 */
const ISA_FLAG =
  /^(sse|ssse3|avx|fma|f16c|bmi|abm|lzcnt|popcnt|movbe|adx|aes|vaes|pclmulqdq|vpclmulqdq|sha_ni|gfni|rdrand|rdseed|xsave|amx|clflushopt|clwb|cx16|movdir|serialize|prefetchw|3dnowprefetch)/;

function cpuFlags() {
  const line = readFileSync("/proc/cpuinfo", "utf8")
    .split("\n")
    .find((l) => l.startsWith("flags"));
  if (!line) throw new Error("/proc/cpuinfo has no flags line");
  const flags = line
    .slice(line.indexOf(":") + 1)
    .trim()
    .split(/\s+/);
  return flags.filter((flag) => ISA_FLAG.test(flag)).sort();
}

/** hnswlib-node's own sources and the node-addon-api headers it compiles against. */
function hnswlibSources() {
  const require = createRequire(join(PACKAGE_ROOT, "package.json"));
  const packageJson = require.resolve("hnswlib-node/package.json");
  const dir = dirname(packageJson);
  const { version } = JSON.parse(readFileSync(packageJson, "utf8"));
  const addonApi = dirname(createRequire(packageJson).resolve("node-addon-api/package.json"));
  return { dir, version, addonApi };
}

/** hnswlib-node's Linux target, with the CPU flags added and its include path made absolute. */
function bindingGyp(addonApiDir) {
  return JSON.stringify(
    {
      targets: [
        {
          target_name: "addon",
          sources: ["src/addon.cc"],
          include_dirs: [addonApiDir],
          defines: ["NAPI_DISABLE_CPP_EXCEPTIONS"],
          "cflags!": ["-fno-exceptions"],
          "cflags_cc!": ["-fno-exceptions"],
          cflags_cc: CXX_FLAGS,
        },
      ],
    },
    null,
    2,
  );
}

/** node-gyp as npm runs it for install scripts, else the one on PATH. */
function nodeGypCommand() {
  const bundled = process.env.npm_config_node_gyp;
  return bundled ? [process.execPath, bundled] : ["node-gyp"];
}

/** Loads the addon in a child process and runs a small search: a crash there must not be the store's. */
function smokeTest(addonPath) {
  const script = `
    const { HierarchicalNSW } = require(${JSON.stringify(addonPath)});
    const index = new HierarchicalNSW("cosine", 24);
    index.initIndex(64);
    for (let i = 0; i < 64; i++) index.addPoint(Array.from({ length: 24 }, (_, j) => Math.sin(i * 7 + j)), i);
    const { neighbors } = index.searchKnn(Array.from({ length: 24 }, (_, j) => Math.sin(21 + j)), 1);
    if (neighbors[0] !== 3) throw new Error("nearest neighbour of point 3 is " + neighbors[0]);
  `;
  const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
  if (run.status !== 0) {
    throw new Error(`the built addon fails its check (${run.signal ?? `exit ${run.status}`}): ${run.stderr.trim()}`);
  }
}

function build() {
  const started = Date.now();
  const sources = hnswlibSources();
  const flags = cpuFlags();
  const work = join(OUT_DIR, `build-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    cpSync(join(sources.dir, "src"), join(work, "src"), { recursive: true });
    writeFileSync(join(work, "binding.gyp"), bindingGyp(sources.addonApi));
    const [command, ...prefix] = nodeGypCommand();
    const run = spawnSync(command, [...prefix, "rebuild"], {
      cwd: work,
      encoding: "utf8",
      timeout: BUILD_TIMEOUT_MS,
    });
    if (run.error) throw new Error(`cannot run node-gyp: ${run.error.message}`);
    if (run.status !== 0) {
      const tail = `${run.stdout}\n${run.stderr}`.trim().split("\n").slice(-8).join("\n");
      throw new Error(`node-gyp exited with ${run.signal ?? run.status}:\n${tail}`);
    }
    const built = join(work, "build", "Release", "addon.node");
    smokeTest(built);
    // The addon first, the manifest last: a manifest only ever names an addon that passed its check.
    // The addon is renamed into place, not copied over: a process that has the old one loaded
    // keeps its mapping instead of seeing its code change under it.
    rmSync(join(OUT_DIR, MANIFEST_FILE), { force: true });
    copyFileSync(built, join(OUT_DIR, `${ADDON_FILE}.tmp`));
    renameSync(join(OUT_DIR, `${ADDON_FILE}.tmp`), join(OUT_DIR, ADDON_FILE));
    const manifest = {
      format: 1,
      hnswlibNode: sources.version,
      nodeModuleAbi: process.versions.modules,
      platform: process.platform,
      arch: process.arch,
      cxxFlags: CXX_FLAGS,
      cpuFlags: flags,
    };
    writeFileSync(join(OUT_DIR, `${MANIFEST_FILE}.tmp`), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(join(OUT_DIR, `${MANIFEST_FILE}.tmp`), join(OUT_DIR, MANIFEST_FILE));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const simd = ["avx512f", "avx2", "avx"].find((flag) => flags.includes(flag)) ?? "sse";
  say(
    `built hnswlib-node ${sources.version} with ${CXX_FLAGS.join(" ")} (${simd}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

function main() {
  if (process.env.LANPO_HNSWLIB_NATIVE === "0") {
    say("LANPO_HNSWLIB_NATIVE=0: the native hnswlib build is skipped; the stock build is used");
    return;
  }
  if (process.platform !== "linux" || process.arch !== "x64") {
    say(`no native hnswlib build on ${process.platform}-${process.arch} (x64 Linux only); the stock build is used`);
    return;
  }
  mkdirSync(OUT_DIR, { recursive: true });
  try {
    build();
  } catch (error) {
    say(`the native hnswlib build failed, so the stock build is used (about 1.4x slower): ${error.message}`);
  }
}

main();
