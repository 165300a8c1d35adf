"""The article page's summary box, computed once per article and stored
(enrichments.box_summary, migration 0015) instead of being summarised on every page view.

The box summarises the article past its first OPENING_WORDS words, which the page prints right
below it (bench/summaries.py scores it); an article shorter than SHORT_ARTICLE_WORDS gets no box
(it is its own summary): stored as [], so that NULL keeps meaning "not computed yet"."""

from __future__ import annotations

OPENING_WORDS = 100
SHORT_ARTICLE_WORDS = 200
BOX_SENTENCES = 3


def box_sentences(text: str, title: str) -> list[str]:
    """The box's sentences for an article's plain text, read as the analysis reads it (a
    leading copy of the headline left out; see `box_from_sentences`)."""
    from newsdesk.nlp.dateline import strip_dateline
    from newsdesk.nlp.text import normalize_text
    from newsdesk.nlp.text import sentences as split

    title = normalize_text(title or "").replace("\n", " ")
    body = normalize_text(text or "")
    if title and body.startswith(title):
        body = body[len(title) :].lstrip()
    return box_from_sentences([strip_dateline(s) for s in split(body)], title)


def box_from_sentences(sents: list[str], title: str) -> list[str]:
    """The box's sentences (nlp.summarize.summarize_sentences, skip_words), [] for a short
    article. The analysis calls it with the sentences it summarised, whose scores it reuses."""
    from newsdesk.nlp.summarize import summarize_sentences  # spaCy's stop words: on first use

    if sum(len(s.split()) for s in sents) < SHORT_ARTICLE_WORDS:
        return []
    idx = summarize_sentences(sents, title, BOX_SENTENCES, skip_words=OPENING_WORDS)
    return [" ".join(sents[i].split()) for i in idx]
