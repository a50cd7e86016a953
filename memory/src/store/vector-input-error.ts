import { LanpoError } from "@lanpo/core";

/** Why a vector or a batch of vectors was refused before it reached the native index. */
export type VectorInputProblem = "dimension" | "not-finite" | "batch-length" | "not-array";

/**
 * A vector handed to the store (or produced by its embeddings) cannot be indexed or searched:
 * wrong length, NaN or infinite entries, or vectors and documents of different counts. Raised
 * before hnswlib is called, so the native addon never sees bad input.
 */
export class VectorInputError extends LanpoError {
  readonly problem: VectorInputProblem;
  /** Position of the offending vector in its batch (0 for a query). */
  readonly index: number;
  readonly expected: number | undefined;
  readonly actual: number | undefined;

  constructor(
    problem: VectorInputProblem,
    message: string,
    details: { index?: number; expected?: number; actual?: number } = {},
  ) {
    super(message);
    this.name = "VectorInputError";
    this.problem = problem;
    this.index = details.index ?? 0;
    this.expected = details.expected;
    this.actual = details.actual;
  }

  static override isInstance(error: unknown): error is VectorInputError {
    return LanpoError.isInstance(error) && error.name === "VectorInputError";
  }
}

/** Throws `VectorInputError` unless `vector` is an array of `dimensions` finite numbers. */
export function assertVector(
  vector: unknown,
  dimensions: number,
  index: number,
  role: string,
): asserts vector is number[] {
  if (!Array.isArray(vector) && !ArrayBuffer.isView(vector)) {
    throw new VectorInputError("not-array", `${role} ${index} is not an array of numbers`, { index });
  }
  const values = vector as ArrayLike<number>;
  if (values.length !== dimensions) {
    throw new VectorInputError(
      "dimension",
      `${role} ${index} has ${values.length} dimensions, the store holds ${dimensions}: use the embeddings the store was built with`,
      { index, expected: dimensions, actual: values.length },
    );
  }
  for (let j = 0; j < values.length; j++) {
    const x = values[j];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new VectorInputError(
        "not-finite",
        `${role} ${index} has ${String(x)} at position ${j}; every entry must be a finite number`,
        {
          index,
        },
      );
    }
  }
}
