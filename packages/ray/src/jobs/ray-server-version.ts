/** What `GET /api/version` said. */
export interface RayServerVersion {
  /** The Jobs API version: "5" on current Ray, "4" or "3" on older clusters. */
  version: string;
  /** The Ray release, e.g. "2.60.0"; null when the server did not say. */
  rayVersion: string | null;
  rayCommit: string | null;
  sessionName: string | null;
}

/** A submit field and the server that first knows it. */
export interface FieldRequirement {
  /** Lowest Jobs API version that accepts the field. */
  apiVersion: number;
  /** Lowest Ray release that accepts it, when the API version did not change with it. */
  rayVersion?: [number, number];
  /** How to say it to a user. */
  since: string;
}

/**
 * Submit fields newer than the first Jobs API. Ray's submit handler builds a dataclass from the
 * body, so an unknown key is a 400: the client sends a field only where the server knows it.
 */
export const SUBMIT_FIELD_REQUIREMENTS: Record<string, FieldRequirement> = {
  entrypoint_num_cpus: { apiVersion: 3, since: "Ray 2.2 (Jobs API version 3)" },
  entrypoint_num_gpus: { apiVersion: 3, since: "Ray 2.2 (Jobs API version 3)" },
  entrypoint_resources: { apiVersion: 3, since: "Ray 2.2 (Jobs API version 3)" },
  entrypoint_memory: { apiVersion: 5, since: "Ray 2.8 (Jobs API version 5)" },
  entrypoint_label_selector: { apiVersion: 5, rayVersion: [2, 54], since: "Ray 2.54" },
};

/** `DELETE /api/jobs/{id}` came with Jobs API version 4. */
export const DELETE_JOB_API_VERSION = 4;

export function apiVersionNumber(version: RayServerVersion): number {
  const n = Number.parseInt(version.version, 10);
  return Number.isFinite(n) ? n : 0;
}

/** [major, minor] of a Ray release string, or undefined ("2.60.0" -> [2, 60]; "3.0.0.dev0" -> [3, 0]). */
export function rayRelease(version: RayServerVersion): [number, number] | undefined {
  const match = /^(\d+)\.(\d+)/.exec(version.rayVersion ?? "");
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/** Whether the server accepts the submit field `name` (snake_case, as on the wire). */
export function serverKnowsField(version: RayServerVersion, name: string): boolean {
  const requirement = SUBMIT_FIELD_REQUIREMENTS[name];
  if (!requirement) return true;
  if (apiVersionNumber(version) < requirement.apiVersion) return false;
  if (!requirement.rayVersion) return true;
  const release = rayRelease(version);
  if (!release) return false;
  const [major, minor] = release;
  const [needMajor, needMinor] = requirement.rayVersion;
  return major > needMajor || (major === needMajor && minor >= needMinor);
}
