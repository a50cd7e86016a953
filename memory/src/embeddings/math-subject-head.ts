import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "@lanpo/core";

// A linear softmax layer over the default embedding, fitted on the subjects of MATH's training split
// (`scripts/train-subject-head.ts`). Its output, the probability of each of the seven subjects, is
// what lets two problems on one subject meet when their words and sentence vectors differ: the
// lexicon names the mathematics, the head has learnt from 7,500 labelled problems which mixtures of
// it make a subject. Only the training split went in; no evaluation set's texts or labels.

/** The seven subjects of the MATH data set, in the order of the head's outputs. */
export const MATH_SUBJECTS = [
  "Algebra",
  "Counting & Probability",
  "Geometry",
  "Intermediate Algebra",
  "Number Theory",
  "Prealgebra",
  "Precalculus",
] as const;

/** What `math-subject-head.json` records beside the weights. */
export interface MathSubjectHeadManifest {
  readonly format: 1;
  readonly subjects: readonly string[];
  /** Length of the input: the default embedding (encoder 0.5, lexical 0.25 at 1,024 dims, topics 0.25). */
  readonly inputDimensions: number;
  /** sha256 of the `.bin` file: `[bias: subjects][weights: inputDimensions × subjects]`, float32 little-endian. */
  readonly weightsSha256: string;
  /** How it was trained, for the reader; not used to compute. */
  readonly training: Readonly<Record<string, unknown>>;
}

const WEIGHTS = new URL("../../data/math-subject-head.bin", import.meta.url);
const MANIFEST = new URL("../../data/math-subject-head.json", import.meta.url);

/** Subject probabilities of a default embedding. */
export class MathSubjectHead {
  readonly subjects: readonly string[];
  readonly inputDimensions: number;
  private readonly bias: Float32Array;
  /** Row-major, `inputDimensions × subjects`: an input's weights are contiguous. */
  private readonly weights: Float32Array;

  constructor(subjects: readonly string[], bias: Float32Array, weights: Float32Array) {
    if (subjects.length < 2)
      throw new ConfigError("subjects", `a head needs at least 2 subjects, got ${subjects.length}`);
    if (bias.length !== subjects.length) {
      throw new ConfigError("bias", `has ${bias.length} values for ${subjects.length} subjects; one per subject`);
    }
    if (weights.length === 0 || weights.length % subjects.length !== 0) {
      throw new ConfigError(
        "weights",
        `${weights.length} values is not a whole number of rows of ${subjects.length} (one weight per input and subject)`,
      );
    }
    this.subjects = subjects;
    this.inputDimensions = weights.length / subjects.length;
    this.bias = bias;
    this.weights = weights;
  }

  /**
   * The head in `memory/data/` (`math-subject-head.bin` and `.json`), checked against the sha256
   * its manifest records so that a truncated or replaced file fails here, not as silent noise.
   */
  static shipped(): MathSubjectHead {
    shipped ??= MathSubjectHead.fromFiles(WEIGHTS, MANIFEST);
    return shipped;
  }

  static fromFiles(weightsFile: URL | string, manifestFile: URL | string): MathSubjectHead {
    const manifest = readManifest(manifestFile);
    const bytes = readFileSync(weightsFile);
    const sha = createHash("sha256").update(bytes).digest("hex");
    if (sha !== manifest.weightsSha256) {
      throw new ConfigError(
        "math-subject-head.bin",
        `its sha256 is ${sha}, the manifest expects ${manifest.weightsSha256}: the file is damaged or from another training run; reinstall @lanpo/memory or rerun scripts/train-subject-head.ts`,
      );
    }
    const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const c = manifest.subjects.length;
    if (floats.length !== c * (1 + manifest.inputDimensions)) {
      throw new ConfigError(
        "math-subject-head.bin",
        `holds ${floats.length} floats; ${c} subjects × (1 + ${manifest.inputDimensions} inputs) expected`,
      );
    }
    return new MathSubjectHead(manifest.subjects, floats.slice(0, c), floats.slice(c));
  }

  /** Softmax over the subjects of `bias + input · weights`. */
  probabilities(input: ArrayLike<number>): Float64Array {
    if (input.length !== this.inputDimensions) {
      throw new ConfigError("input", `has ${input.length} dimensions; the head reads ${this.inputDimensions}`);
    }
    const c = this.subjects.length;
    const logits = Float64Array.from(this.bias);
    for (let d = 0; d < input.length; d++) {
      const x = input[d] as number;
      if (x === 0) continue;
      const row = d * c;
      for (let k = 0; k < c; k++) logits[k] = (logits[k] as number) + x * (this.weights[row + k] as number);
    }
    return softmaxInPlace(logits);
  }
}

let shipped: MathSubjectHead | undefined;

function readManifest(file: URL | string): MathSubjectHeadManifest {
  const fix = "reinstall @lanpo/memory or rerun scripts/train-subject-head.ts";
  let parsed: Partial<MathSubjectHeadManifest>;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<MathSubjectHeadManifest>;
  } catch (error) {
    throw new ConfigError("math-subject-head.json", `cannot be read (${(error as Error).message}); ${fix}`);
  }
  const valid =
    parsed.format === 1 &&
    Array.isArray(parsed.subjects) &&
    parsed.subjects.every((s) => typeof s === "string") &&
    Number.isInteger(parsed.inputDimensions) &&
    typeof parsed.weightsSha256 === "string";
  if (!valid) {
    throw new ConfigError(
      "math-subject-head.json",
      `is not a format-1 manifest (format, subjects, inputDimensions, weightsSha256); ${fix}`,
    );
  }
  return parsed as MathSubjectHeadManifest;
}

/** Turns logits into probabilities, in place (max subtracted first, so no overflow). */
export function softmaxInPlace(logits: Float64Array): Float64Array {
  let max = -Infinity;
  for (const z of logits) if (z > max) max = z;
  let sum = 0;
  for (let k = 0; k < logits.length; k++) {
    const e = Math.exp((logits[k] as number) - max);
    logits[k] = e;
    sum += e;
  }
  for (let k = 0; k < logits.length; k++) logits[k] = (logits[k] as number) / sum;
  return logits;
}
