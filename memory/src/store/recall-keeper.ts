import { mulberry32 } from "@lanpo/core";
import {
  type CalibrateEfSearchOptions,
  calibrateWithCheck,
  DEFAULT_CANDIDATES,
  type EfSearchCalibration,
} from "./calibrate-ef-search.js";
import type { LabelIndex } from "./label-index.js";
import { RecallCheckSample } from "./recall-check-sample.js";
import type { StoreManifest } from "./store-manifest.js";

/** Documents at which the store first calibrates its search to `recallTarget`; then at every doubling. */
export const CALIBRATE_FROM = 2048;
/** What the store's own calibrations aim above `recallTarget.recall`, for the sample's scatter. */
export const RECALL_MARGIN = 0.02;
/**
 * Held-out queries of the store's own calibrations. On data of many small, well separated
 * clusters a few queries in a hundred find none of their neighbours (the search stays in another
 * cluster) until efSearch is large enough: a sample of 48 misses all of them about one time in
 * seven and stops too early (1,000 blobs of 100 points: sample 1.000 at ef 64, new queries 0.947),
 * 96 about one time in fifty. The exact pass it costs is a few per cent of a 100,000 build.
 */
const CALIBRATION_QUERIES = 96;
/** Made-up held-out queries of the check sample a calibration leaves for `load` to measure with. */
const CHECK_QUERIES = 32;

/** What the store's calibrations aim at: the target plus the margin (rounded: 0.8 + 0.02 is 0.82, not 0.8200000000000001). */
function aimFor(target: { recall: number }): number {
  return Math.min(1, Math.round((target.recall + RECALL_MARGIN) * 1e9) / 1e9);
}

/** What the keeper needs of its store, read when it acts. */
export interface RecallHost {
  index: () => LabelIndex | undefined;
  /** Live labels. */
  labels: () => number[];
  size: () => number;
  target: () => { recall: number; k: number } | null;
  seed: () => number;
  efSearch: () => number;
  setEfSearch: (ef: number) => void;
  /** An automatic projected layout that missed the target goes direct; true when it did. */
  unproject: () => boolean;
}

/**
 * The recall half of an `HnswLessonStore`: its calibrations (at `CALIBRATE_FROM` documents and
 * every doubling), the check sample each leaves behind (see `RecallCheckSample`), and what `load`
 * does with both.
 */
export class RecallKeeper {
  calibration: EfSearchCalibration | null = null;
  private nextAt = CALIBRATE_FROM;
  private check: RecallCheckSample | undefined;

  /** Positions of a batch to hold back for the calibration it triggers (see `addVectors`), if any. */
  heldOutPositions(host: RecallHost, ids: readonly string[], fresh: ReadonlySet<string>): Set<number> {
    const finalSize = host.size() + fresh.size;
    const count = Math.min(CALIBRATION_QUERIES, Math.floor(fresh.size / 2));
    if (!host.target() || finalSize < Math.max(CALIBRATE_FROM, this.nextAt) || count < 8) return new Set();
    const seen = new Map<string, number>();
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    // New ids that occur once in the batch, spread over it.
    const candidates = ids.flatMap((id, i) => (fresh.has(id) && seen.get(id) === 1 ? [i] : []));
    const step = candidates.length / count;
    return new Set(
      Array.from({ length: Math.min(count, candidates.length) }, (_, j) => candidates[Math.floor(j * step)] as number),
    );
  }

  /** After a batch whose held-back vectors went in at `finalSize`: the next calibration is at twice it. */
  calibratedAt(finalSize: number): void {
    this.nextAt = 2 * finalSize;
  }

  /** A new vector under `label` (its exact rank among the check queries is taken before a save). */
  added(label: number): void {
    this.check?.touch(label);
  }

  /** A vector replaced under `label`. */
  updated(label: number): void {
    this.check?.forget(label);
    this.check?.touch(label);
  }

  removed(label: number): void {
    this.check?.forget(label);
  }

  /** A calibration by hand (`HnswLessonStore.calibrateEfSearch`): its sample is its own; the check sample stays. */
  calibrate(host: RecallHost, options?: CalibrateEfSearchOptions): EfSearchCalibration {
    const index = host.index();
    const k = options?.k ?? 10;
    if (!index || host.size() <= Math.min(k, 1)) {
      // Nothing to measure: every search of so small a store is exact.
      return {
        efSearch: host.efSearch(),
        reached: true,
        recall: 1,
        targetRecall: options?.targetRecall ?? 0.97,
        k,
        sampleSize: 0,
        documents: host.size(),
        recallByEf: [],
      };
    }
    const { calibration } = calibrateWithCheck(index, host.labels(), options ?? {});
    host.setEfSearch(calibration.efSearch);
    this.calibration = calibration;
    return calibration;
  }

  /**
   * The store's own calibration to `recallTarget` (aiming `RECALL_MARGIN` above it), when it
   * first holds `CALIBRATE_FROM` documents and at every doubling (or now, with `force`), leaving
   * a fresh check sample. An automatic projected layout that cannot reach it is rebuilt over the
   * vectors themselves and measured again.
   */
  keep(host: RecallHost, force = false, queries?: number[][]): void {
    const target = host.target();
    const size = host.size();
    const floor = queries ? CALIBRATE_FROM - queries.length : CALIBRATE_FROM;
    if (!target || !host.index() || (!force && size < this.nextAt) || size < floor) return;
    const calibrate = (index: LabelIndex) => {
      const { calibration, check } = calibrateWithCheck(index, host.labels(), {
        targetRecall: aimFor(target),
        k: target.k,
        sampleSize: CALIBRATION_QUERIES,
        random: mulberry32(host.seed() + size),
        check: { queries: CHECK_QUERIES, depth: 2 * target.k, random: mulberry32(host.seed() + size + 1) },
        ...(queries ? { queries } : {}),
      });
      host.setEfSearch(calibration.efSearch);
      this.calibration = calibration;
      this.check = check ? RecallCheckSample.create(check.queries, check.truth, target.k) : undefined;
      return calibration;
    };
    const index = host.index() as LabelIndex;
    if (!calibrate(index).reached && host.unproject()) calibrate(host.index() as LabelIndex);
    this.nextAt = 2 * size;
  }

  /**
   * What a save writes: the calibration with the check sample's recall measured now (the sample
   * brought up to date first: only vectors added since are scanned), and the sample's bytes.
   */
  snapshot(
    index: LabelIndex | undefined,
    size: number,
    efSearch: number,
  ): {
    calibration: EfSearchCalibration | null;
    check: Uint8Array | undefined;
  } {
    const sample = this.check;
    // Without a sample to save, no recall of one is claimed either (a loaded record may carry one).
    const withoutCheck = () => {
      if (!this.calibration) return null;
      const { check: _none, ...rest } = this.calibration;
      return rest;
    };
    if (!sample || !index || !this.calibration) return { calibration: withoutCheck(), check: undefined };
    sample.catchUp(index);
    if (!sample.valid) return { calibration: withoutCheck(), check: undefined };
    const measured = sample.measure(index, efSearch);
    const check = { ...measured, efSearch, documents: size };
    return { calibration: { ...this.calibration, check }, check: sample.toBytes() };
  }

  /**
   * After `load`: measures the saved check sample on the loaded index at the saved efSearch (a
   * few dozen searches). The saved calibration stands when the sample reaches the aim and the
   * target is the one it was calibrated for; otherwise efSearch is re-chosen on the same sample
   * (searches only; for the same or a higher aim never below the saved one, which real new
   * vectors chose).
   * A full calibration runs only when there is no usable sample (a folder saved before samples
   * were, or one whose queries lost their truth to deletions), for another k, or when the store
   * has since doubled or shrunk below the calibration's size.
   */
  resume(host: RecallHost, saved: StoreManifest["calibration"] | null, sample: RecallCheckSample | undefined): void {
    const target = host.target();
    const size = host.size();
    const withinDoubling = saved && saved.documents <= size && size < 2 * saved.documents;
    if (!target) {
      // Recall is not kept: the saved record is shown as it was, nothing is measured.
      this.calibration = saved ?? null;
      if (saved) this.nextAt = 2 * saved.documents;
      return;
    }
    const index = host.index();
    const aim = aimFor(target);
    if (saved && withinDoubling && index && sample?.valid && sample.k === target.k && saved.k === target.k) {
      this.check = sample;
      this.nextAt = 2 * saved.documents;
      const measured = { ...sample.measure(index, host.efSearch()), efSearch: host.efSearch(), documents: size };
      // The check confirms the target itself: the margin above it covered the calibration's
      // sample scatter, which this sample has too (32 queries: about 0.01), so a sample a little
      // under the aim is no reason to change an efSearch that real new vectors chose.
      if (saved.targetRecall === aim && measured.recall >= target.recall) {
        this.calibration = { ...saved, afterLoad: { ...measured, action: "kept" } };
        return;
      }
      const tuned = sample.tune(index, aim, DEFAULT_CANDIDATES);
      // Never below what real new vectors chose for this aim or a lower one (made-up queries are the easier kind).
      const efSearch = aim >= saved.targetRecall ? Math.max(tuned.efSearch, saved.efSearch) : tuned.efSearch;
      const recall =
        tuned.recallByEf.find((r) => r.efSearch === efSearch)?.recall ?? sample.measure(index, efSearch).recall;
      host.setEfSearch(efSearch);
      this.calibration = {
        efSearch,
        reached: recall >= aim,
        recall,
        targetRecall: aim,
        k: target.k,
        sampleSize: measured.sampleSize,
        newVectors: 0,
        documents: size,
        recallByEf: tuned.recallByEf,
        afterLoad: { ...measured, recall, efSearch, action: "retuned" },
      };
      return;
    }
    this.keep(host, true);
    if (size >= CALIBRATE_FROM) this.nextAt = 2 * size;
    const calibration = this.calibration;
    if (calibration && calibration.documents === size && index) {
      const { recall, efSearch, sampleSize } = calibration;
      this.calibration = {
        ...calibration,
        afterLoad: { recall, efSearch, sampleSize, documents: size, action: "recalibrated" },
      };
    }
  }
}
