import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Writable } from "node:stream";
import type { EmbeddingsInterface } from "@langchain/core/embeddings";
import { ConfigError, HashedLexicalEmbeddings, type Lesson, readDatasetFile } from "@lanpo/core";
import * as memoryPackage from "@lanpo/memory";
import {
  formatLessonsJsonl,
  formatTuneTable,
  HnswLessonMemory,
  HnswLessonStore,
  type HnswlibBuild,
  hnswlibBuild,
  parseLessonsJsonl,
  type RecallMeasurement,
  readLabelledDataset,
  readMemoryFolderInfo,
  readStoreFolder,
  tunePlotSvg,
  tuneRetrieval,
} from "@lanpo/memory";
import { Command, Option } from "commander";
import {
  BUNDLED_DATASET_NAMES,
  BUNDLED_DATASETS,
  type BundledDatasetName,
  isBundledDatasetName,
} from "../datasets/bundled-datasets.js";
import { bundledDataDir } from "../datasets/data-dir.js";
import { looksLikeDatasetPath } from "../datasets/load-dataset.js";

/** Which embeddings a memory command uses: the offline default or the fast hashed lexical one. */
export type EmbeddingsKind = "default" | "lexical";

/** Where `lanpo memory` reads and writes, and how it makes embeddings; injectable for tests. */
export interface MemoryCommandIo {
  /** @default process.stdout */
  stdout?: Writable;
  /** @default process.stderr */
  stderr?: Writable;
  /** @default defaultEmbeddings() from @lanpo/memory, or new HashedLexicalEmbeddings() */
  createEmbeddings?: (kind: EmbeddingsKind) => Promise<EmbeddingsInterface> | EmbeddingsInterface;
}

const EMBEDDINGS_OPTION = () =>
  new Option("--embeddings <kind>", "default (offline sentence encoder) or lexical (hashed words, fast)")
    .choices(["default", "lexical"])
    .default("default");

async function createEmbeddings(kind: EmbeddingsKind): Promise<EmbeddingsInterface> {
  if (kind === "lexical") return new HashedLexicalEmbeddings();
  // Looked up by name so this command builds before and after the embeddings module lands.
  const factory = (memoryPackage as Record<string, unknown>).defaultEmbeddings;
  if (typeof factory !== "function") {
    throw new ConfigError(
      "embeddings",
      "the default embeddings are not available in this build; pass --embeddings lexical",
    );
  }
  return (factory as () => EmbeddingsInterface)();
}

function parseList(field: string, integer: boolean) {
  return (value: string): number[] => {
    const numbers = value.split(",").map((part) => (part.trim() === "none" ? -1 : Number(part.trim())));
    if (numbers.some((n) => Number.isNaN(n) || (integer && !Number.isInteger(n)))) {
      throw new ConfigError(
        field,
        `expected a comma-separated list of ${integer ? "integers" : "numbers"}, got "${value}"`,
      );
    }
    return numbers;
  };
}

/**
 * `lanpo memory`: `tune` (leave-one-out retrieval tuning on a labelled JSONL), `inspect DIR`,
 * `export DIR`, `import DIR FILE`. Register with `program.addCommand(memoryCommand())`.
 */
export function memoryCommand(io: MemoryCommandIo = {}): Command {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const makeEmbeddings = io.createEmbeddings ?? createEmbeddings;
  const out = (text: string) => stdout.write(text.endsWith("\n") ? text : `${text}\n`);

  const tune = new Command("tune")
    .description(
      "leave-one-out retrieval tuning: same label = relevant; prints precision@k, recall, abstention and latency over a grid",
    )
    .requiredOption(
      "--dataset <name|file>",
      `a bundled set with labels (${labelledSetsText()}) or a JSONL file with one labelled text per line`,
    )
    .option("--text-field <field>", "field holding the text (for example problem); set for a bundled set")
    .option("--label-field <field>", "field holding the label (for example subject); a bundled set has a default")
    .addOption(EMBEDDINGS_OPTION())
    .option("--out <dir>", "folder for tune.json and tune.svg", "memory-tune")
    .option("--k <list>", "k values, comma-separated", parseList("k", true))
    .option(
      "--min-score <list>",
      "minScore values (none = no threshold); default: deciles of the top-1 similarity",
      parseList("min-score", false),
    )
    .option("--ef <list>", "efSearch values, comma-separated", parseList("ef", true))
    .option("--limit <n>", "use only the first n rows", (v) => parseList("limit", true)(v)[0])
    .action(
      async (flags: {
        dataset: string;
        textField?: string;
        labelField?: string;
        embeddings: EmbeddingsKind;
        out: string;
        k?: number[];
        minScore?: number[];
        ef?: number[];
        limit?: number;
      }) => {
        const source = tuneDatasetSource(flags, process.cwd());
        const dataset = await readLabelledDataset(source.file, source);
        if (flags.limit !== undefined) {
          if (flags.limit < 2) throw new ConfigError("limit", "must be at least 2");
          dataset.texts = dataset.texts.slice(0, flags.limit);
          dataset.labels = dataset.labels.slice(0, flags.limit);
        }
        const embeddings = await makeEmbeddings(flags.embeddings);
        const report = await tuneRetrieval(dataset, {
          embeddings,
          grid: {
            ...(flags.k ? { k: flags.k } : {}),
            ...(flags.minScore ? { minScore: flags.minScore } : {}),
            ...(flags.ef ? { efSearch: flags.ef } : {}),
          },
          onProgress: (done, total) => stderr.write(`\rembedded ${done}/${total}`),
        });
        stderr.write("\n");
        out(formatTuneTable(report));
        await mkdir(flags.out, { recursive: true });
        const json = {
          dataset: source.name ?? source.file,
          file: source.file,
          textField: source.textField,
          labelField: source.labelField,
          embeddings: flags.embeddings,
          ...report,
        };
        await writeFile(join(flags.out, "tune.json"), `${JSON.stringify(json, null, 2)}\n`);
        await writeFile(join(flags.out, "tune.svg"), tunePlotSvg(report));
        out(`wrote ${join(flags.out, "tune.json")} and ${join(flags.out, "tune.svg")}`);
      },
    );

  const inspect = new Command("inspect")
    .description(
      "counts, most used lessons and merges of a memory folder, and its index: layout, efSearch and the recall it measured",
    )
    .argument("<dir>", "memory folder (as written by lanpo run)")
    .option("--top <n>", "how many lessons to list", (v) => parseList("top", true)(v)[0], 10)
    .option("--json", "print one JSON object instead of text")
    .option(
      "--measure",
      "also load the index and measure its recall now, on the check sample its last calibration saved (seconds for 100,000 lessons)",
    )
    .action(async (dir: string, flags: { top: number; json?: boolean; measure?: boolean }) => {
      const summary = await inspectMemory(dir, flags.top, flags.measure === true);
      if (flags.json) out(JSON.stringify(summary, null, 2));
      else out(formatInspection(dir, summary));
    });

  const exportCommand = new Command("export")
    .description("write every lesson of a memory folder as JSONL")
    .argument("<dir>", "memory folder")
    .option("--out <file>", "output file; - for standard output", "-")
    .action(async (dir: string, flags: { out: string }) => {
      const lessons = await HnswLessonMemory.readLessons(dir);
      const text = formatLessonsJsonl(lessons.sort((a, b) => a.createdAtMs - b.createdAtMs));
      if (flags.out === "-") stdout.write(text);
      else {
        await writeFile(flags.out, text);
        stderr.write(`exported ${lessons.length} lessons to ${flags.out}\n`);
      }
    });

  const importCommand = new Command("import")
    .description("add lessons from JSONL (as written by export) to a memory folder; same ids are replaced")
    .argument("<dir>", "memory folder (created if missing)")
    .argument("<file>", "JSONL of lessons")
    .addOption(EMBEDDINGS_OPTION())
    .action(async (dir: string, file: string, flags: { embeddings: EmbeddingsKind }) => {
      const content = await readDatasetFile(file, "check the path of the lessons file");
      const lessons = parseLessonsJsonl(file, content);
      const memory = await HnswLessonMemory.open({ dir, embeddings: await makeEmbeddings(flags.embeddings) });
      const { added, replaced } = await memory.importLessons(lessons);
      await memory.flush();
      out(`imported ${lessons.length} lessons into ${dir}: ${added} added, ${replaced} replaced`);
    });

  const command = new Command("memory")
    .description("the abstraction memory: tune retrieval, inspect, export and import lessons")
    .addCommand(tune)
    .addCommand(inspect)
    .addCommand(exportCommand)
    .addCommand(importCommand);
  for (const sub of [command, ...command.commands]) {
    sub.configureOutput({ writeErr: (s) => stderr.write(s), writeOut: (s) => stdout.write(s) });
    sub.exitOverride();
  }
  return command;
}

/**
 * The bundled sets that carry labels `lanpo memory tune` can tune against: the field holding the
 * text and the label fields, the first being the default. Sets not listed (GSM8K, AIME 2024, AMC
 * 2023) carry no topic label.
 */
const BUNDLED_LABELS: Partial<Record<BundledDatasetName, { textField: string; labelFields: readonly string[] }>> = {
  math500: { textField: "problem", labelFields: ["subject", "level"] },
};

function labelledSetsText(): string {
  return Object.entries(BUNDLED_LABELS)
    .map(([name, spec]) => `${name}: ${spec?.labelFields.join(" or ")}`)
    .join("; ");
}

/** Where `memory tune` reads its labelled texts: a bundled set by name, or a JSONL file. */
function tuneDatasetSource(
  flags: { dataset: string; textField?: string; labelField?: string },
  cwd: string,
): { name: string | null; file: string; textField: string; labelField: string } {
  const { dataset } = flags;
  if (isBundledDatasetName(dataset) && !looksLikeDatasetPath(dataset, cwd)) {
    const spec = BUNDLED_LABELS[dataset];
    if (!spec) {
      throw new ConfigError(
        "dataset",
        `the bundled set "${dataset}" has no labels to tune against (a problem of the same label is what counts as relevant); bundled sets with labels: ${labelledSetsText()}, e.g. --dataset math500; or pass a labelled .jsonl file with --text-field and --label-field`,
      );
    }
    if (flags.textField !== undefined && flags.textField !== spec.textField) {
      throw new ConfigError(
        "textField",
        `the bundled set "${dataset}" keeps its text in "${spec.textField}"; drop --text-field ${flags.textField}`,
      );
    }
    const labelField = flags.labelField ?? (spec.labelFields[0] as string);
    if (!spec.labelFields.includes(labelField)) {
      throw new ConfigError(
        "labelField",
        `the bundled set "${dataset}" has the labels ${spec.labelFields.join(", ")}, not "${labelField}"; pass --label-field ${spec.labelFields[0]}`,
      );
    }
    return {
      name: dataset,
      file: join(bundledDataDir(), BUNDLED_DATASETS[dataset].file),
      textField: spec.textField,
      labelField,
    };
  }
  for (const [field, value] of [
    ["textField", flags.textField],
    ["labelField", flags.labelField],
  ] as const) {
    if (value === undefined) {
      throw new ConfigError(
        field,
        `${field === "textField" ? "--text-field" : "--label-field"} is required with a .jsonl file (for example ${field === "textField" ? "--text-field problem" : "--label-field subject"}); "${dataset}" is not a bundled set (those are ${BUNDLED_DATASET_NAMES.join(", ")})`,
      );
    }
  }
  return {
    name: null,
    file: resolve(cwd, dataset),
    textField: flags.textField as string,
    labelField: flags.labelField as string,
  };
}

/** What `lanpo memory inspect` reports. */
export interface MemoryInspection {
  lessons: number;
  merges: number;
  mergedLessons: number;
  retrievals: number;
  uses: number;
  neverRetrieved: number;
  sourceProblems: number;
  embeddingsId: string | null;
  numDimensions: number | null;
  index: {
    M: number;
    efConstruction: number;
    efSearch: number;
    deletedSlots: number;
    /**
     * The layout: `direct` (the graph holds the vectors), `projected` (the graph holds their
     * coordinates on the fitted basis), or `pending` (a projected or automatic layout not fitted yet).
     */
    layout: "direct" | "projected" | "pending";
    /** Whether the layout was chosen automatically (`projection: "auto"`, the default). */
    automatic: boolean;
    projection: { dimensions: number; energy: number | null } | null;
    /**
     * The last recall calibration of the problems index: the efSearch it chose and the recall@k it
     * measured against exact search with held-out queries; null when none ran (a small store).
     */
    calibration: {
      efSearch: number;
      recall: number;
      targetRecall: number;
      k: number;
      reached: boolean;
      sampleSize: number;
      /** How many of the queries were real new lessons held back from the index. */
      newVectors: number;
      documents: number;
      /** The recall of the saved check sample (made-up held-out queries, exact top kept current) at the save. */
      check: RecallMeasurement | null;
      /** What the load before the last save measured on that sample, and what it did. */
      afterLoad: (RecallMeasurement & { action: "kept" | "retuned" | "recalibrated" }) | null;
    } | null;
    /** With `--measure`: what loading the index now measured, and what it did. */
    measuredNow: (RecallMeasurement & { action: "kept" | "retuned" | "recalibrated" }) | null;
  } | null;
  mostUsed: Lesson[];
  mostMerged: Lesson[];
  /** Which hnswlib-node addon this machine's store runs on (the index file is the same for both). */
  hnswlib: HnswlibBuild;
}

/** Embeddings for a store opened only to measure it: nothing is embedded. */
const NO_EMBEDDINGS: EmbeddingsInterface = {
  embedDocuments: async () => {
    throw new ConfigError("embeddings", "lanpo memory inspect --measure embeds nothing");
  },
  embedQuery: async () => {
    throw new ConfigError("embeddings", "lanpo memory inspect --measure embeds nothing");
  },
};

async function measureNow(dir: string): Promise<NonNullable<MemoryInspection["index"]>["measuredNow"]> {
  const store = await HnswLessonStore.load(join(dir, "problems"), NO_EMBEDDINGS);
  return store.calibration?.afterLoad ?? null;
}

async function inspectMemory(dir: string, top: number, measure = false): Promise<MemoryInspection> {
  const lessons = await HnswLessonMemory.readLessons(dir);
  const info = await readMemoryFolderInfo(dir);
  const { manifest } = await readStoreFolder(join(dir, "problems"));
  const sum = (pick: (l: Lesson) => number) => lessons.reduce((total, l) => total + pick(l), 0);
  return {
    lessons: lessons.length,
    merges: sum((l) => l.mergedCount),
    mergedLessons: lessons.filter((l) => l.mergedCount > 0).length,
    retrievals: sum((l) => l.retrievals),
    uses: sum((l) => l.uses),
    neverRetrieved: lessons.filter((l) => l.retrievals === 0).length,
    sourceProblems: new Set(lessons.flatMap((l) => l.sourceProblemIds)).size,
    embeddingsId: info?.embeddingsId ?? null,
    numDimensions: info?.numDimensions ?? manifest.numDimensions,
    index: {
      M: manifest.M,
      efConstruction: manifest.efConstruction,
      efSearch: manifest.efSearch,
      deletedSlots: manifest.counts.deleted,
      layout: layoutOf(manifest.projection),
      automatic: manifest.projection?.auto === true || manifest.autoProjection === true,
      projection: manifest.projection
        ? { dimensions: manifest.projection.dimensions, energy: manifest.projection.energy }
        : null,
      calibration: manifest.calibration
        ? {
            efSearch: manifest.calibration.efSearch,
            recall: manifest.calibration.recall,
            targetRecall: manifest.calibration.targetRecall,
            k: manifest.calibration.k,
            reached: manifest.calibration.reached,
            sampleSize: manifest.calibration.sampleSize,
            newVectors: manifest.calibration.newVectors ?? 0,
            documents: manifest.calibration.documents,
            check: manifest.calibration.check ?? null,
            afterLoad: manifest.calibration.afterLoad ?? null,
          }
        : null,
      measuredNow: measure ? await measureNow(dir) : null,
    },
    mostUsed: [...lessons].sort((a, b) => b.uses - a.uses || b.retrievals - a.retrievals).slice(0, top),
    mostMerged: lessons
      .filter((l) => l.mergedCount > 0)
      .sort((a, b) => b.mergedCount - a.mergedCount)
      .slice(0, top),
    hnswlib: hnswlibBuild(),
  };
}

type StoreProjection = Awaited<ReturnType<typeof readStoreFolder>>["manifest"]["projection"];

function layoutOf(projection: StoreProjection): "direct" | "projected" | "pending" {
  if (!projection) return "direct";
  return projection.decision ?? (projection.energy === null ? "pending" : "projected");
}

function formatLayout(index: NonNullable<MemoryInspection["index"]>): string {
  const { projection, layout, automatic } = index;
  const chosen = automatic ? " (chosen automatically)" : "";
  if (layout === "direct" || !projection) return `, direct layout${chosen}`;
  if (layout === "pending") {
    return `, projected to ${projection.dimensions} dims (not fitted yet${automatic ? "; the automatic layout decides at the fit" : ""})`;
  }
  const kept = projection.energy === null ? "" : `, keeps ${(projection.energy * 100).toFixed(1)}% of the energy`;
  return `, projected to ${projection.dimensions} dims${chosen}${kept}`;
}

function formatCalibration(index: NonNullable<MemoryInspection["index"]>): string[] {
  const { calibration, measuredNow } = index;
  if (!calibration) return ["  recall: not calibrated yet (the store calibrates itself from 2,048 lessons)"];
  const { recall, k, targetRecall, efSearch, sampleSize, newVectors, documents, reached, check, afterLoad } =
    calibration;
  const measured = (m: RecallMeasurement) =>
    `recall@${k} ${m.recall.toFixed(3)} at efSearch ${m.efSearch} on ${m.sampleSize} queries at ${m.documents} lessons`;
  return [
    `  recall@${k} ${recall.toFixed(3)} at efSearch ${efSearch} (aim ${targetRecall.toFixed(2)}${reached ? "" : ", NOT reached"}), measured against exact search on ${sampleSize} held-out queries (${newVectors} of them new lessons not yet indexed) at ${documents} lessons`,
    check
      ? `  check sample: ${measured(check)} as saved (made-up held-out queries whose exact top is kept current; every load measures it again)`
      : "  check sample: none saved (the next load calibrates in full)",
    ...(afterLoad
      ? [`  the load before the last save measured ${measured(afterLoad)} and ${afterLoad.action} the calibration`]
      : []),
    ...(measuredNow
      ? [`  measured now (this load): ${measured(measuredNow)}; the load ${measuredNow.action} the calibration`]
      : []),
  ];
}

function formatInspection(dir: string, s: MemoryInspection): string {
  const short = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text).replace(/\s+/g, " ");
  const advantage = (l: Lesson) => (l.meanAdvantage === null ? "-" : l.meanAdvantage.toFixed(3));
  const lines = [
    `memory ${dir}`,
    `  lessons ${s.lessons} (from ${s.sourceProblems} source problems), merges ${s.merges} into ${s.mergedLessons} lessons`,
    `  retrievals ${s.retrievals}, uses ${s.uses}, never retrieved ${s.neverRetrieved}`,
    `  embeddings ${s.embeddingsId ?? "?"} (${s.numDimensions ?? "?"} dims)` +
      (s.index
        ? `, index M=${s.index.M} efConstruction=${s.index.efConstruction} efSearch=${s.index.efSearch}, ${s.index.deletedSlots} free slots${formatLayout(s.index)}`
        : ""),
    ...(s.index ? formatCalibration(s.index) : []),
    s.hnswlib.kind === "native"
      ? `  hnswlib-node: native build (${s.hnswlib.cxxFlags.join(" ")})`
      : `  hnswlib-node: stock build, because ${s.hnswlib.reason}`,
    "most used:",
    ...(s.mostUsed.length === 0
      ? ["  (none)"]
      : s.mostUsed.map(
          (l) =>
            `  ${String(l.uses).padStart(5)} uses ${String(l.retrievals).padStart(5)} retrievals  mean adv ${advantage(l).padStart(6)}  ${l.id}  ${short(l.text)}`,
        )),
    "most merged:",
    ...(s.mostMerged.length === 0
      ? ["  (none)"]
      : s.mostMerged.map(
          (l) =>
            `  ${String(l.mergedCount).padStart(5)} merges  ${l.sourceProblemIds.length} sources  ${l.id}  ${short(l.text)}`,
        )),
  ];
  return lines.join("\n");
}
