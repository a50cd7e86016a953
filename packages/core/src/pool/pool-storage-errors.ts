import { StorageError } from "../errors/storage-error.js";

// The StorageErrors both pools throw, built in one place so both report the same codes.

/** The pool already holds this (problemId, step). */
export function duplicateGroup(path: string, problemId: string, step: number): StorageError {
  return new StorageError(
    path,
    `the group of problem "${problemId}" at step ${step} is already recorded; check hasGroup() before recording (a resumed run skips such groups)`,
    { code: "LANPO_DUPLICATE_GROUP" },
  );
}

/** An id that must be unique across the pool is already used. */
export function duplicateId(path: string, kind: "rollout" | "reflection", id: string): StorageError {
  return new StorageError(path, `a ${kind} with id "${id}" is already recorded; ${kind} ids must be unique`, {
    code: "LANPO_DUPLICATE_ID",
  });
}

/** A call on a closed pool. */
export function closedPool(path: string): StorageError {
  return new StorageError(path, "the experience pool is closed; open it again to use it", { code: "LANPO_CLOSED" });
}
