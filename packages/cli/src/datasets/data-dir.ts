import { fileURLToPath } from "node:url";

/**
 * The folder holding the bundled data sets (`packages/cli/data`). Resolved from this module's own
 * location, which is `src/datasets/` under tsx and `dist/datasets/` once built: both sit two levels
 * below the package root, so the same relative path works from either.
 */
export function bundledDataDir(): string {
  return fileURLToPath(new URL("../../data/", import.meta.url));
}
