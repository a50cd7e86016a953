import type { AttentionKernelExports } from "./attention-kernel.js";

// The part of TF.js used here, typed by hand: `@energetic-ai/core` bundles TF.js but its type
// declarations import `@tensorflow/tfjs-core`, which is not installed.
/** A TF.js tensor, as far as the encoder uses it. */
export interface Tensor {
  readonly shape: number[];
  dataSync(): ArrayLike<number>;
  dispose(): void;
}
type Op2 = (a: Tensor | number, b: Tensor | number) => Tensor;
type Op1 = (x: Tensor) => Tensor;
/** The TF.js functions the encoder calls (those of the worker's `@energetic-ai/core`). */
export interface TfOps {
  tidy<T extends Tensor>(run: () => T): T;
  keep<T extends Tensor>(x: T): T;
  tensor2d(values: Float32Array, shape: [number, number]): Tensor;
  range(start: number, stop: number, step: number, dtype: "float32"): Tensor;
  reshape(x: Tensor, shape: number[]): Tensor;
  expandDims(x: Tensor, axis: number): Tensor;
  concat(xs: Tensor[], axis: number): Tensor;
  matMul(a: Tensor, b: Tensor): Tensor;
  mean(x: Tensor, axis: number, keepDims: boolean): Tensor;
  sum(x: Tensor, axis: number, keepDims: boolean): Tensor;
  add: Op2;
  sub: Op2;
  mul: Op2;
  div: Op2;
  maximum: Op2;
  square: Op1;
  rsqrt: Op1;
  relu: Op1;
  tanh: Op1;
  sin: Op1;
  cos: Op1;
}
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
/** The loaded GraphModel, as far as the encoder uses it: its weights by node name. */
export interface WeightedModel {
  readonly weights: Record<string, Tensor[] | undefined>;
}

/** The encoder's forward pass, made by {@link createUseLiteEncoder}. */
export interface UseLiteEncoder {
  /** Rows of the embedding table: token ids must be below it. */
  vocabulary: number;
  /** Tokens of a text the model reads (128): each text's count must be from 1 to this. */
  maxTokens: number;
  /** Embeds one batch: `ids` of every text concatenated, `lengths` the count of each; returns `lengths.length` vectors of 512 floats, flat. */
  encode(ids: Int32Array, lengths: Int32Array): Float32Array;
}

/**
 * The Universal Sentence Encoder lite's forward pass, computed from the weights of its loaded
 * GraphModel but in fewer and cheaper kernels than the graph: the same function of the tokens (a test
 * matches the graph to 3e-7 on all of MATH-500), about 1.9x as fast per core on the WASM backend.
 *
 * What the graph spends its time on, measured per kernel over the MATH-500 token batches, and why this
 * is faster:
 * - Attention (about a quarter of the graph's time): its BatchMatMuls over [texts × heads] take TF.js
 *   WASM's naive batched path (about 1 GFLOPS, against 19 for XNNPACK's 2-D path). Here each text's
 *   heads run in small WASM SIMD kernels (memory/wasm/attention.wat, 8 to 12 GFLOPS) on its own tokens,
 *   with no padding.
 * - The last feed-forward projection (1536 → 512, a tenth of the time): the vector is a mean over
 *   tokens of `x + relu(h)·W + b`, which is linear in `relu(h)`, so the mean is taken first and
 *   projected once per text instead of once per token.
 * - Every dense projection runs on the real tokens only ([tokens, d] matrices), never on padding; the
 *   query/key/value split (SplitV: slow on WASM), the sparse-to-dense scatters and the sinusoid
 *   timing signal (a 128-row table computed once by the same kernels) disappear.
 * - The first feed-forward layer's output projection (1536 → 512, a tenth of the time) reads a ReLU
 *   output that is 92 % exact zeros: a sparse kernel sums only the weight rows under non-zeros.
 * - The first layer's query/key/value projection and residual widening become sums of rows of tables
 *   per token id and per position (rows per id computed on first use; 41 MB when all are), since
 *   before attention that layer sees a token only through its id and position.
 * - About 50 kernel calls per batch instead of 250 (each costs tens of microseconds in TF.js).
 *
 * Kept self-contained (no imports at run time, nothing from outside its body): the embedding worker
 * runs it from its source text. `attentionWasm`: the bytes of memory/wasm/attention.wat.
 */
export function createUseLiteEncoder(tf: TfOps, model: WeightedModel, attentionWasm: Uint8Array): UseLiteEncoder {
  const weights = model.weights;
  const stack = "module_apply_default/Encoder_en/KonaTransformer/Encode/TransformerStack/";
  const encode = "module_apply_default/Encoder_en/KonaTransformer/Encode/";
  const kernels = "module/Encoder_en/KonaTransformer/Encode/";
  const weight = (name: string): Tensor => {
    const found = weights[name]?.[0];
    if (found === undefined) throw new Error(`the sentence encoder model has no weight ${name}`);
    return found;
  };
  const scalar = (name: string): number => weight(name).dataSync()[0] as number;
  // The graph's 1x1 convolutions are matrix products; their [1, 1, in, out] kernels as [in, out].
  const matrix = (name: string): Tensor => {
    const w = weight(name);
    return tf.keep(tf.reshape(w, w.shape.slice(-2)));
  };
  const layerNorm = (prefix: string) => ({
    scale: weight(`${prefix}/layer_norm_scale/ConcatPartitions/concat`),
    bias: weight(`${prefix}/layer_norm_bias/ConcatPartitions/concat`),
  });
  const layer = (index: number) => {
    const own = `${encode}Layer_${index}/TransformerLayer/`;
    const ffn = `${stack}Layer_${index}/TransformerLayer/FFN/`;
    const qkv = matrix(
      `${kernels}Layer_${index}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`,
    );
    const depth = `${stack}Layer_${index}/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3`;
    return {
      norm: layerNorm(`${own}layer_prepostprocess/layer_norm`),
      qkv,
      qkvBias: weight(`${own}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`),
      width: (qkv.shape[1] as number) / 3,
      heads: (qkv.shape[1] as number) / 3 / scalar(depth),
      queryScale: scalar(`${stack}Layer_${index}/TransformerLayer/MultiheadAttention/mul/y`),
      output: matrix(
        `${kernels}Layer_${index}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`,
      ),
      outputBias: weight(`${own}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`),
      ffnNorm: layerNorm(`${own}FFN/layer_prepostprocess/layer_norm`),
      conv1: weight(`${ffn}conv1/Tensordot/Reshape_1`),
      conv1Bias: weight(`${own}FFN/conv1/bias/ConcatPartitions/concat`),
      conv2: weight(`${ffn}conv2/Tensordot/Reshape_1`),
      conv2Bias: weight(`${own}FFN/conv2/bias/ConcatPartitions/concat`),
    };
  };
  const layers = [layer(0), layer(1)] as const;
  for (const l of layers) {
    // The attention kernels take heads of a multiple of 16 floats (the model's are 64 and 128).
    if ((l.width / l.heads) % 16 !== 0)
      throw new Error(`the sentence encoder's heads of ${l.width / l.heads} are not supported`);
  }
  const residual = {
    kernel: weight(`${encode}Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat`),
    bias: weight(`${encode}Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat`),
  };
  const epsilon = scalar(`${stack}Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x`);
  const hidden = {
    kernel: weight("module/Encoder_en/hidden_layers/tanh_layer_0/weights"),
    bias: weight("module/Encoder_en/hidden_layers/tanh_layer_0/bias"),
    floor: scalar("module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y"),
  };
  const maxTokens = scalar("module_apply_default/Encoder_en/KonaTransformer/ClipToMaxLength/Less/y");
  // The timing signal of every position the model reads, by the graph's own kernels: sin and cos of
  // position × inverse timescale, concatenated.
  const timing = tf.tidy(() => {
    const inverse = weight(`${stack}Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`);
    const scaled = tf.mul(tf.expandDims(tf.range(0, maxTokens, 1, "float32"), 1), inverse);
    return tf.concat([tf.sin(scaled), tf.cos(scaled)], 1);
  });
  const timingRows = timing.dataSync() as Float32Array;
  timing.dispose();
  const embeddingRows = weight("module/Embeddings_en").dataSync() as Float32Array;

  // Layer normalisation as the graph computes it: scale · rsqrt(var + ε) · (x − mean) + bias.
  const normalise = (x: Tensor, norm: { scale: Tensor; bias: Tensor }): Tensor => {
    const centred = tf.sub(x, tf.mean(x, -1, true));
    const variance = tf.mean(tf.square(centred), -1, true);
    return tf.add(tf.mul(tf.mul(norm.scale, tf.rsqrt(tf.add(variance, epsilon))), centred), norm.bias);
  };

  // Multi-head self-attention of each text over its own tokens. `qkv` is [tokens, 3 × width]: queries,
  // keys, values side by side, head h in columns h·depth … (h+1)·depth of each. The graph pads texts
  // to one length and masks the padding with a −1e9 bias, whose weight exp() rounds to exactly 0, so
  // attending over the real tokens only is the same sum. Dot products and weighted sums run in the
  // SIMD kernels; the softmax between them runs here (WASM has no exp).
  // WebAssembly is a Node global that this project's type libraries do not declare.
  const wasm = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  const kernel = new wasm.Instance(new wasm.Module(attentionWasm), {}).exports as AttentionKernelExports;
  // The kernels' memory: the first layer's output projection, copied in once, then scratch space.
  const reserve = (bytes: number) => {
    const { memory } = kernel;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
    return memory.buffer;
  };
  const projection = layers[0].conv2;
  const [inner, projected] = projection.shape as [number, number];
  if (projected % 16 !== 0) throw new Error(`the sentence encoder's feed-forward width ${projected} is not supported`);
  const scratchAt = Math.ceil((inner * projected * 4) / 64) * 64;
  new Float32Array(reserve(scratchAt), 0, inner * projected).set(projection.dataSync());

  // Multi-head self-attention of each text over its own tokens. `qkv` is [tokens, 3 × width]: queries,
  // keys, values side by side, head h in columns h·depth … (h+1)·depth of each. The graph pads texts
  // to one length and masks the padding with a −1e9 bias, whose weight exp() rounds to exactly 0, so
  // attending over the real tokens only is the same sum. Dot products and weighted sums run in the
  // SIMD kernels; the softmax between them runs here (WASM has no exp).
  const attend = (qkv: Float32Array, lengths: Int32Array, width: number, heads: number, scale: number) => {
    const depth = width / heads;
    const tokens = qkv.length / (3 * width);
    const stride = 3 * width * 4;
    const outAt = scratchAt + qkv.length * 4;
    const scoresAt = outAt + tokens * width * 4;
    let longest = 0;
    for (const n of lengths) longest = Math.max(longest, n);
    const buffer = reserve(scoresAt + longest * longest * 4);
    new Float32Array(buffer, scratchAt, qkv.length).set(qkv);
    const scores = new Float32Array(buffer, scoresAt, longest * longest);
    let start = 0;
    for (const n of lengths) {
      const row = scratchAt + start * stride;
      for (let h = 0; h < heads; h++) {
        const column = h * depth * 4;
        kernel.scores(row + column, row + width * 4 + column, n, stride, depth, scale, scoresAt);
        for (let i = 0; i < n * n; i += n) {
          let max = Number.NEGATIVE_INFINITY;
          for (let j = i; j < i + n; j++) max = Math.max(max, scores[j] as number);
          let total = 0;
          for (let j = i; j < i + n; j++) {
            const e = Math.exp((scores[j] as number) - max);
            scores[j] = e;
            total += e;
          }
          for (let j = i; j < i + n; j++) scores[j] = (scores[j] as number) / total;
        }
        kernel.mix(
          scoresAt,
          row + 2 * width * 4 + column,
          n,
          stride,
          depth,
          outAt + start * width * 4 + column,
          width * 4,
        );
      }
      start += n;
    }
    return new Float32Array(buffer, outAt, tokens * width).slice();
  };

  // relu(h) · W for the first layer's feed-forward output, [tokens, inner] · [inner, projected]: about
  // 92 % of relu(h) is exactly 0 (measured on MATH-500), so only the rows of W under its non-zero
  // entries are summed, by the sparse kernel; skipping a term that is exactly 0 changes no sum.
  const projectSparse = (hidden: Float32Array, tokens: number): Float32Array => {
    const offsetsAt = scratchAt;
    const atAt = offsetsAt + Math.ceil(((tokens + 1) * 4) / 64) * 64;
    const valueAt = atAt + hidden.length * 4;
    const outAt = valueAt + hidden.length * 4;
    const buffer = reserve(outAt + tokens * projected * 4);
    const offsets = new Int32Array(buffer, offsetsAt, tokens + 1);
    const at = new Int32Array(buffer, atAt, hidden.length);
    const value = new Float32Array(buffer, valueAt, hidden.length);
    let k = 0;
    for (let t = 0; t < tokens; t++) {
      offsets[t] = k;
      const base = t * inner;
      for (let j = 0; j < inner; j++) {
        const v = hidden[base + j] as number;
        if (v !== 0) {
          at[k] = j * projected * 4;
          value[k] = v;
          k++;
        }
      }
    }
    offsets[tokens] = k;
    kernel.sparse(offsetsAt, tokens, atAt, valueAt, 0, projected * 4, outAt);
    return new Float32Array(buffer, outAt, tokens * projected).slice();
  };

  const attention = (qkv: Float32Array, lengths: Int32Array, l: (typeof layers)[number]): Tensor => {
    const mixed = attend(qkv, lengths, l.width, l.heads, l.queryScale);
    return tf.add(tf.matMul(tf.tensor2d(mixed, [mixed.length / l.width, l.width]), l.output), l.outputBias);
  };
  const queriesKeysValues = (x: Tensor, l: (typeof layers)[number]): Float32Array =>
    tf.add(tf.matMul(normalise(x, l.norm), l.qkv), l.qkvBias).dataSync() as Float32Array;

  // Before its attention the first layer sees each token only through its id and position, as
  // x0 = 2·E[id] + T[pos]. Its query/key/value projection LN(x0)·W + b is
  // r·(x0·W′ − μ·colsum(W′)) + β·W + b with W′ = diag(γ)·W, μ the mean of x0 and r = 1/sqrt(var + ε),
  // and x0·W′ = 2·(E·W′)[id] + (T·W′)[pos]; likewise its residual widening x0·D + d. Tables of E·W′,
  // T·W′, E·D, T·D turn both per-token products into sums of table rows. The rows per id are
  // computed when an id is first seen, so start-up and memory pay only for the ids in use.
  const table = (compute: () => Tensor): Float32Array => {
    const computed = tf.tidy(compute);
    const rows = computed.dataSync() as Float32Array;
    computed.dispose();
    return rows;
  };
  const [start] = layers;
  const embeddingWidth = timingRows.length / maxTokens;
  const positionsTensor = () => tf.tensor2d(timingRows, [maxTokens, embeddingWidth]);
  const scaled = () => tf.mul(tf.reshape(start.norm.scale, [embeddingWidth, 1]), start.qkv);
  const early = {
    qkvOfId: new Float32Array(0),
    qkvOfPosition: table(() => tf.matMul(positionsTensor(), scaled())),
    qkvOfMean: table(() => tf.sum(scaled(), 0, false)),
    qkvBias: table(() => tf.add(tf.matMul(tf.reshape(start.norm.bias, [1, embeddingWidth]), start.qkv), start.qkvBias)),
    wideOfId: new Float32Array(0),
    wideOfPosition: table(() => tf.matMul(positionsTensor(), residual.kernel)),
    wideBias: table(() => tf.reshape(residual.bias, [-1])),
  };
  const vocabulary = embeddingRows.length / embeddingWidth;
  early.qkvOfId = new Float32Array(vocabulary * early.qkvBias.length);
  early.wideOfId = new Float32Array(vocabulary * early.wideBias.length);
  const known = new Uint8Array(vocabulary);
  const learnIds = (ids: Int32Array) => {
    const fresh = [...new Set(ids)].filter((id) => known[id] === 0);
    if (fresh.length === 0) return;
    const rows = new Float32Array(fresh.length * embeddingWidth);
    for (const [i, id] of fresh.entries())
      rows.set(embeddingRows.subarray(id * embeddingWidth, (id + 1) * embeddingWidth), i * embeddingWidth);
    const embedded = () => tf.tensor2d(rows, [fresh.length, embeddingWidth]);
    const qkv = table(() => tf.matMul(embedded(), scaled()));
    const wide = table(() => tf.matMul(embedded(), residual.kernel));
    const q = early.qkvBias.length;
    const w = early.wideBias.length;
    for (const [i, id] of fresh.entries()) {
      early.qkvOfId.set(qkv.subarray(i * q, (i + 1) * q), id * q);
      early.wideOfId.set(wide.subarray(i * w, (i + 1) * w), id * w);
      known[id] = 1;
    }
  };
  const expand = (x: Tensor, l: (typeof layers)[number]): Tensor =>
    tf.relu(tf.add(tf.matMul(normalise(x, l.ffnNorm), l.conv1), l.conv1Bias));

  const encodeBatch = (ids: Int32Array, lengths: Int32Array): Float32Array => {
    const texts = lengths.length;
    const tokens = ids.length;
    const positions = new Int32Array(tokens);
    // Row t of `pool` sums the tokens of text t: a [texts, tokens] 0/1 matrix.
    const pool = new Float32Array(texts * tokens);
    const counts = new Float32Array(texts);
    for (let t = 0, at = 0; t < texts; t++) {
      const n = lengths[t] as number;
      counts[t] = n;
      for (let i = 0; i < n; i++, at++) {
        positions[at] = i;
        pool[t * tokens + at] = 1;
      }
    }
    // The graph adds the timing signal to the embeddings, then adds the embeddings again; summed here,
    // in float32 as the graph's kernels do, since TF.js's gather is slow on WASM.
    const width = embeddingWidth;
    const inputs = new Float32Array(tokens * width);
    for (let t = 0; t < tokens; t++) {
      const e = (ids[t] as number) * width;
      const p = (positions[t] as number) * width;
      const at = t * width;
      for (let c = 0; c < width; c++) {
        const value = embeddingRows[e + c] as number;
        inputs[at + c] = Math.fround(value + Math.fround(value + (timingRows[p + c] as number)));
      }
    }
    learnIds(ids);
    const qkvWidth = early.qkvBias.length;
    const wide = early.wideBias.length;
    const qkv0 = new Float32Array(tokens * qkvWidth);
    const widened = new Float32Array(tokens * wide);
    for (let t = 0; t < tokens; t++) {
      const at = t * width;
      let sum = 0;
      for (let c = 0; c < width; c++) sum += inputs[at + c] as number;
      const mean = sum / width;
      let squares = 0;
      for (let c = 0; c < width; c++) squares += ((inputs[at + c] as number) - mean) ** 2;
      const r = 1 / Math.sqrt(squares / width + epsilon);
      const id = ids[t] as number;
      const position = positions[t] as number;
      for (let j = 0, e = id * qkvWidth, p = position * qkvWidth, o = t * qkvWidth; j < qkvWidth; j++) {
        const x = 2 * (early.qkvOfId[e + j] as number) + (early.qkvOfPosition[p + j] as number);
        qkv0[o + j] = r * (x - mean * (early.qkvOfMean[j] as number)) + (early.qkvBias[j] as number);
      }
      for (let j = 0, e = id * wide, p = position * wide, o = t * wide; j < wide; j++) {
        const x = 2 * (early.wideOfId[e + j] as number) + (early.wideOfPosition[p + j] as number);
        widened[o + j] = x + (early.wideBias[j] as number);
      }
    }
    const result = tf.tidy(() => {
      const [first, second] = layers;
      const x1 = tf.add(attention(qkv0, lengths, first), tf.tensor2d(widened, [tokens, wide]));
      const sparse = projectSparse(expand(x1, first).dataSync() as Float32Array, tokens);
      const x2 = tf.add(tf.add(tf.tensor2d(sparse, [tokens, projected]), first.conv2Bias), x1);
      const x3 = tf.add(attention(queriesKeysValues(x2, second), lengths, second), x2);
      // mean(x3 + relu(h)·W + b) = mean(x3) + mean(relu(h))·W + b, per text.
      const sums = tf.tensor2d(pool, [texts, tokens]);
      const n = tf.tensor2d(counts, [texts, 1]);
      const meanExpanded = tf.div(tf.matMul(sums, expand(x3, second)), n);
      const pooled = tf.add(
        tf.div(tf.matMul(sums, x3), n),
        tf.add(tf.matMul(meanExpanded, second.conv2), second.conv2Bias),
      );
      const h = tf.tanh(tf.add(tf.matMul(pooled, hidden.kernel), hidden.bias));
      return tf.mul(h, tf.rsqrt(tf.maximum(tf.sum(tf.square(h), 1, true), hidden.floor)));
    });
    try {
      return result.dataSync() as Float32Array;
    } finally {
      result.dispose();
    }
  };
  return { vocabulary, maxTokens, encode: encodeBatch };
}
