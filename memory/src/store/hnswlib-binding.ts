import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { ConfigError } from "@lanpo/core";

/** hnswlib-node's exports; its stock build and the native one have the same API. */
export type Hnswlib = typeof import("hnswlib-node");

/** Which hnswlib-node addon the store uses, and why when it is the stock one. */
export type HnswlibBuild = { kind: "native"; cxxFlags: string[] } | { kind: "stock"; reason: string };

/** What the choice between the two builds depends on. */
export interface HnswlibBuildFacts {
  /** The parsed manifest of the native build, undefined when there is none. */
  manifest: unknown;
  hnswlibNodeVersion: string;
  nodeModuleAbi: string;
  platform: string;
  arch: string;
  /** This machine's CPU flags; undefined when they cannot be read. */
  cpuFlags: ReadonlySet<string> | undefined;
}

/** Where scripts/build-native-hnswlib.mjs (the package's install step) leaves the native build. */
const NATIVE_DIR = new URL("../../native/", import.meta.url);
const ADDON_FILE = "hnswlib-node-native.node";
const MANIFEST_FILE = "hnswlib-node-native.json";
const REBUILD = "run `npm rebuild @lanpo/memory` to build it again";

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");

/**
 * Whether the native build fits this process: made for the installed hnswlib-node, this Node ABI
 * and platform, on a CPU whose instruction sets this one has all of (-march=native code may use
 * any of them, and one it lacks would kill the process).
 */
export function chooseHnswlibBuild(facts: HnswlibBuildFacts): HnswlibBuild {
  const stock = (reason: string): HnswlibBuild => ({ kind: "stock", reason });
  const { manifest } = facts;
  if (manifest === undefined) return stock("no native build was made at install");
  if (typeof manifest !== "object" || manifest === null) return stock(`its manifest is not an object; ${REBUILD}`);
  const m = manifest as Record<string, unknown>;
  if (m.format !== 1) return stock(`its manifest has format ${String(m.format)}, not 1; ${REBUILD}`);
  if (m.hnswlibNode !== facts.hnswlibNodeVersion) {
    return stock(`it was built for hnswlib-node ${String(m.hnswlibNode)}, not ${facts.hnswlibNodeVersion}; ${REBUILD}`);
  }
  if (m.nodeModuleAbi !== facts.nodeModuleAbi) {
    return stock(`it was built for Node module ABI ${String(m.nodeModuleAbi)}, not ${facts.nodeModuleAbi}; ${REBUILD}`);
  }
  if (m.platform !== facts.platform || m.arch !== facts.arch) {
    return stock(`it was built for ${String(m.platform)}-${String(m.arch)}, not ${facts.platform}-${facts.arch}`);
  }
  if (!isStringArray(m.cpuFlags) || !isStringArray(m.cxxFlags)) {
    return stock(`its manifest lists no CPU or compiler flags; ${REBUILD}`);
  }
  if (!facts.cpuFlags) return stock("this machine's CPU flags cannot be read");
  const missing = m.cpuFlags.filter((flag) => !facts.cpuFlags?.has(flag));
  if (missing.length > 0) {
    return stock(`it was built on a CPU with instructions this one lacks (${missing.join(", ")}); ${REBUILD}`);
  }
  return { kind: "native", cxxFlags: m.cxxFlags };
}

function readManifest(nativeDir: URL): unknown {
  let text: string;
  try {
    text = readFileSync(new URL(MANIFEST_FILE, nativeDir), "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return "unreadable";
  }
}

function readCpuFlags(): Set<string> | undefined {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("flags"));
    return line
      ? new Set(
          line
            .slice(line.indexOf(":") + 1)
            .trim()
            .split(/\s+/),
        )
      : undefined;
  } catch {
    return undefined;
  }
}

/** An addon and the build it is. */
export interface LoadedHnswlib {
  hnswlib: Hnswlib;
  build: HnswlibBuild;
}

/**
 * Picks and loads an addon. `LANPO_HNSWLIB=stock` forces the stock build; `LANPO_HNSWLIB=native`
 * makes an unusable native build an error instead of a fallback. `nativeDir` is where the install
 * step left the native build (tests point it elsewhere).
 */
export function loadHnswlib(env: NodeJS.ProcessEnv = process.env, nativeDir: URL = NATIVE_DIR): LoadedHnswlib {
  const require = createRequire(import.meta.url);
  const wanted = env.LANPO_HNSWLIB;
  if (wanted !== undefined && wanted !== "" && wanted !== "stock" && wanted !== "native") {
    throw new ConfigError(
      "LANPO_HNSWLIB",
      `is "${wanted}": set it to "stock" or "native", or leave it unset to use the native build when it fits`,
    );
  }
  const stock = (reason: string): LoadedHnswlib => ({
    hnswlib: require("hnswlib-node") as Hnswlib,
    build: { kind: "stock", reason },
  });
  if (wanted === "stock") return stock("LANPO_HNSWLIB=stock");
  const packageJson = JSON.parse(readFileSync(require.resolve("hnswlib-node/package.json"), "utf8")) as {
    version: string;
  };
  const choice = chooseHnswlibBuild({
    manifest: readManifest(nativeDir),
    hnswlibNodeVersion: packageJson.version,
    nodeModuleAbi: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    cpuFlags: readCpuFlags(),
  });
  let reason: string;
  if (choice.kind === "native") {
    try {
      return { hnswlib: require(fileURLToPath(new URL(ADDON_FILE, nativeDir))) as Hnswlib, build: choice };
    } catch (error) {
      reason = `it cannot be loaded (${(error as Error).message}); ${REBUILD}`;
    }
  } else {
    reason = choice.reason;
  }
  if (wanted === "native") {
    throw new ConfigError("LANPO_HNSWLIB", `is "native" but the native hnswlib build is unusable: ${reason}`);
  }
  return stock(reason);
}

let loaded: LoadedHnswlib | undefined;

/** hnswlib-node as the store uses it: the native build when it fits this machine, else the stock one. */
export function hnswlib(): Hnswlib {
  loaded ??= loadHnswlib();
  return loaded.hnswlib;
}

/** Which build {@link hnswlib} returns (`lanpo memory inspect` and the bench print it). */
export function hnswlibBuild(): HnswlibBuild {
  loaded ??= loadHnswlib();
  return loaded.build;
}
