import { ConfigError } from "@lanpo/core";
import type { z } from "zod";
import { FIELD_HELP } from "./run-config-schema.js";

/**
 * Turns zod issues into one {@link ConfigError}: `field` is the first bad field's dotted path, and
 * the message names every bad field, where it came from and a good value for it.
 *
 * @param where how to name where a field came from, e.g. `--limit` or `"limit" in run.json`
 */
export function configErrorFromIssues(
  issues: readonly z.core.$ZodIssue[],
  input: Record<string, unknown>,
  where: (field: string) => string,
): ConfigError {
  const problems: { field: string; text: string }[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const field = [...issue.path, key].join(".");
        const known = Object.keys(FIELD_HELP).filter((k) => FIELD_HELP[k]?.flag.startsWith("--") || k === "mix");
        problems.push({
          field,
          text: `${where(field)} is not a known field; remove it, or use one of ${known.join(", ")}`,
        });
      }
      continue;
    }
    const field = issue.path.join(".");
    const top = String(issue.path[0] ?? "");
    const value = valueAt(input, issue.path);
    const got = value === undefined ? "it is missing" : `got ${JSON.stringify(value)}`;
    const example = FIELD_HELP[top]?.example ?? "see lanpo run --help";
    problems.push({
      field,
      text: `${where(field)}: ${issue.message.replace(/^Invalid input: /, "")}, ${got}; use ${example}`,
    });
  }
  const [first, ...rest] = problems;
  if (!first) return new ConfigError("config", "is invalid; see lanpo run --help");
  const more = rest.length === 0 ? "" : ` (also ${rest.map((p) => `${p.field}: ${p.text}`).join("; ")})`;
  return new ConfigError(first.field, `${first.text}${more}`);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** `timeoutMs` -> `--timeout-ms`, for fields without a help entry. */
export function flagName(field: string): string {
  const top = field.split(".")[0] ?? field;
  return FIELD_HELP[top]?.flag ?? `--${top.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
