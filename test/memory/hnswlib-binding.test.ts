import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError, mulberry32 } from "@lanpo/core";
import test from "ava";
import {
  chooseHnswlibBuild,
  type Hnswlib,
  type HnswlibBuildFacts,
  hnswlib,
  hnswlibBuild,
  loadHnswlib,
} from "../../memory/src/store/hnswlib-binding.ts";

const require = createRequire(import.meta.url);
const stockHnswlib = require("hnswlib-node") as Hnswlib;
const BUILD_SCRIPT = new URL("../../memory/scripts/build-native-hnswlib.mjs", import.meta.url);
const onLinuxX64 = process.platform === "linux" && process.arch === "x64";

const facts = (manifest: unknown, cpuFlags: string[] | null = ["sse2", "avx2"]): HnswlibBuildFacts => ({
  manifest,
  hnswlibNodeVersion: "3.0.0",
  nodeModuleAbi: "115",
  platform: "linux",
  arch: "x64",
  cpuFlags: cpuFlags === null ? undefined : new Set(cpuFlags),
});
const fitting = {
  format: 1,
  hnswlibNode: "3.0.0",
  nodeModuleAbi: "115",
  platform: "linux",
  arch: "x64",
  cxxFlags: ["-march=native"],
  cpuFlags: ["avx2", "sse2"],
};

test("a native build that fits this process is chosen", (t) => {
  t.deepEqual(chooseHnswlibBuild(facts(fitting)), { kind: "native", cxxFlags: ["-march=native"] });
  t.is(chooseHnswlibBuild(facts(fitting, ["sse2", "avx2", "avx512f"])).kind, "native", "more instructions are fine");
});

test("a native build that does not fit is passed over, and the reason says why and what to do", (t) => {
  const cases: [string, HnswlibBuildFacts, RegExp][] = [
    ["none", facts(undefined), /no native build was made at install/],
    ["garbage", facts("unreadable"), /manifest is not an object; run `npm rebuild @lanpo\/memory`/],
    ["format", facts({ ...fitting, format: 2 }), /format 2, not 1/],
    ["version", facts({ ...fitting, hnswlibNode: "2.1.0" }), /hnswlib-node 2\.1\.0, not 3\.0\.0; run `npm rebuild/],
    ["abi", facts({ ...fitting, nodeModuleAbi: "127" }), /Node module ABI 127, not 115/],
    ["platform", facts({ ...fitting, arch: "arm64" }), /linux-arm64, not linux-x64/],
    ["flags missing", facts({ ...fitting, cpuFlags: undefined }), /lists no CPU or compiler flags/],
    ["flags wrong", facts({ ...fitting, cxxFlags: "-march=native" }), /lists no CPU or compiler flags/],
    ["cpu unknown", facts(fitting, null), /CPU flags cannot be read/],
    [
      "cpu lacks",
      facts({ ...fitting, cpuFlags: ["avx2", "avx512f", "sse2"] }),
      /instructions this one lacks \(avx512f\)/,
    ],
  ];
  for (const [name, input, reason] of cases) {
    const choice = chooseHnswlibBuild(input);
    if (choice.kind !== "stock") {
      t.fail(`${name}: chose the native build`);
      continue;
    }
    t.regex(choice.reason, reason, name);
  }
});

test("LANPO_HNSWLIB picks the build, refuses an unknown value, and makes an unusable native build an error", (t) => {
  const empty = mkdtempSync(join(tmpdir(), "lanpo-hnswlib-none-"));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  const emptyDir = pathToFileURL(`${empty}/`);
  const bogus = t.throws(() => loadHnswlib({ LANPO_HNSWLIB: "fast" }, emptyDir));
  t.true(ConfigError.isInstance(bogus));
  t.regex(bogus.message, /LANPO_HNSWLIB.*"fast".*"stock" or "native"/);

  const forced = loadHnswlib({ LANPO_HNSWLIB: "stock" }, emptyDir);
  t.deepEqual(forced.build, { kind: "stock", reason: "LANPO_HNSWLIB=stock" });
  t.is(forced.hnswlib, stockHnswlib);

  const fallback = loadHnswlib({}, emptyDir);
  t.is(fallback.hnswlib, stockHnswlib);
  t.deepEqual(fallback.build, { kind: "stock", reason: "no native build was made at install" });
  const required = t.throws(() => loadHnswlib({ LANPO_HNSWLIB: "native" }, emptyDir));
  t.regex(required.message, /"native" but the native hnswlib build is unusable: no native build was made/);
});

test("a native addon that fits on paper but cannot be loaded falls back to the stock build", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-hnswlib-broken-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const cpuFlags: string[] = [];
  writeFileSync(
    join(dir, "hnswlib-node-native.json"),
    JSON.stringify({
      ...fitting,
      nodeModuleAbi: process.versions.modules,
      platform: process.platform,
      arch: process.arch,
      cpuFlags,
    }),
  );
  writeFileSync(join(dir, "hnswlib-node-native.node"), "not an addon");
  const { build, hnswlib: lib } = loadHnswlib({}, pathToFileURL(`${dir}/`));
  t.is(lib, stockHnswlib);
  t.is(build.kind, "stock");
  t.regex(build.kind === "stock" ? build.reason : "", /cannot be loaded .*; run `npm rebuild @lanpo\/memory`/);
  t.throws(() => loadHnswlib({ LANPO_HNSWLIB: "native" }, pathToFileURL(`${dir}/`)), { message: /cannot be loaded/ });
});

// The install step (memory/scripts/build-native-hnswlib.mjs) runs in `npm ci`: on x64 Linux the
// store must then run on the native build, or the install lost it and the store is 1.4x slower.
test("the store uses the build the install step made for this machine", (t) => {
  const build = hnswlibBuild();
  if (process.env.LANPO_HNSWLIB === "stock" || process.env.LANPO_HNSWLIB_NATIVE === "0" || !onLinuxX64) {
    t.is(build.kind, "stock");
    return;
  }
  t.deepEqual(build, { kind: "native", cxxFlags: ["-march=native"] }, JSON.stringify(build));
});

/** Seeded random vectors (the cosine space normalises them). */
function points(count: number, dims: number, seed: number): number[][] {
  const next = mulberry32(seed);
  return Array.from({ length: count }, () => Array.from({ length: dims }, () => next() - 0.5));
}

test("the native and stock builds find the same neighbours at the same distances, and read each other's files", (t) => {
  const native = hnswlib();
  // Else this compares the stock build with itself (the test above says whether it should be native here).
  if (hnswlibBuild().kind === "native") t.not(native, stockHnswlib, "the native build is a second addon");
  const [dims, count] = [48, 400];
  const stored = points(count, dims, 31);
  const queries = points(20, dims, 32);
  const build = (lib: Hnswlib) => {
    const index = new lib.HierarchicalNSW("cosine", dims);
    index.initIndex({ maxElements: count, m: 16, efConstruction: 200, randomSeed: 7 });
    for (const [label, point] of stored.entries()) index.addPoint(point, label);
    index.setEf(count); // a search that visits every element: both must return the exact top
    return index;
  };
  const ours = build(native);
  const theirs = build(stockHnswlib);
  const dir = mkdtempSync(join(tmpdir(), "lanpo-hnswlib-cross-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  ours.writeIndexSync(join(dir, "native.index"));
  theirs.writeIndexSync(join(dir, "stock.index"));
  const stockReadsNative = new stockHnswlib.HierarchicalNSW("cosine", dims);
  stockReadsNative.readIndexSync(join(dir, "native.index"));
  stockReadsNative.setEf(count);
  const nativeReadsStock = new native.HierarchicalNSW("cosine", dims);
  nativeReadsStock.readIndexSync(join(dir, "stock.index"));
  nativeReadsStock.setEf(count);
  for (const query of queries) {
    const expected = theirs.searchKnn(query, 10);
    for (const [name, index] of [
      ["native", ours],
      ["stock reading native's file", stockReadsNative],
      ["native reading stock's file", nativeReadsStock],
    ] as const) {
      const got = index.searchKnn(query, 10);
      t.deepEqual(got.neighbors, expected.neighbors, name);
      for (const [i, distance] of got.distances.entries()) {
        t.true(Math.abs(distance - (expected.distances[i] as number)) < 1e-5, `${name}: distance ${i}`);
      }
    }
  }
});

/** Runs the install step with `env` added, its output in a temporary folder. */
function runBuildScript(env: Record<string, string>) {
  const out = mkdtempSync(join(tmpdir(), "lanpo-hnswlib-build-"));
  const run = spawnSync(process.execPath, [BUILD_SCRIPT.pathname], {
    encoding: "utf8",
    env: { ...process.env, LANPO_HNSWLIB_NATIVE_DIR: out, ...env },
  });
  return { out, status: run.status, output: `${run.stdout}${run.stderr}`, files: () => readdirSync(out) };
}

/** A stand-in for node-gyp: `body` runs in the build folder. */
function fakeNodeGyp(t: { teardown(fn: () => void): void }, body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "lanpo-fake-gyp-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "node-gyp.cjs");
  writeFileSync(path, `const fs = require("node:fs");\n${body}\n`);
  return path;
}

test("the install step never fails the install: a compiler error leaves the stock build and no manifest", (t) => {
  const gyp = fakeNodeGyp(t, `console.error("g++: internal compiler error"); process.exit(1);`);
  const run = runBuildScript({ npm_config_node_gyp: gyp });
  t.teardown(() => rmSync(run.out, { recursive: true, force: true }));
  t.is(run.status, 0, run.output);
  if (!onLinuxX64) return void t.regex(run.output, /no native hnswlib build on/);
  t.regex(run.output, /native hnswlib build failed, so the stock build is used.*\n?.*internal compiler error/s);
  t.deepEqual(run.files(), [], "neither a manifest nor the build folder is left");
});

test("the install step publishes no addon that fails its check in a child process", (t) => {
  const gyp = fakeNodeGyp(
    t,
    `fs.mkdirSync("build/Release", { recursive: true }); fs.writeFileSync("build/Release/addon.node", "garbage");`,
  );
  const run = runBuildScript({ npm_config_node_gyp: gyp });
  t.teardown(() => rmSync(run.out, { recursive: true, force: true }));
  t.is(run.status, 0, run.output);
  if (!onLinuxX64) return void t.regex(run.output, /no native hnswlib build on/);
  t.regex(run.output, /the built addon fails its check/);
  t.false(existsSync(join(run.out, "hnswlib-node-native.json")));
  t.deepEqual(run.files(), []);
});

test("LANPO_HNSWLIB_NATIVE=0 skips the install step", (t) => {
  const run = runBuildScript({ LANPO_HNSWLIB_NATIVE: "0", npm_config_node_gyp: "/nonexistent" });
  t.teardown(() => rmSync(run.out, { recursive: true, force: true }));
  t.is(run.status, 0);
  t.regex(run.output, /LANPO_HNSWLIB_NATIVE=0: the native hnswlib build is skipped/);
  t.deepEqual(run.files(), []);
});
