"""The article page's summary box, computed once per article and stored
(enrichments.box_summary, migration 0015) instead of being summarised on every page view.

The box summarises the article past its first OPENING_WORDS words, which the page prints right
below it (bench/summaries.py scores it); an article shorter than SHORT_ARTICLE_WORDS gets no box
(it is its own summary): stored as [], so that NULL keeps meaning "not computed yet"."""

from __future__ import annotations

import re

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
    from newsdesk.nlp.summarize import (  # spaCy's stop words: on first use
        strip_connective,
        summarize_sentences,
    )

    if sum(len(s.split()) for s in sents) < SHORT_ARTICLE_WORDS:
        return []
    idx = summarize_sentences(sents, title, BOX_SENTENCES, skip_words=OPENING_WORDS)
    box = [whole_quote(" ".join(sents[i].split())) for i in idx]
    if box:  # the box opens a paragraph: not on "But" or "However," (key points drop them too)
        box[0] = strip_connective(box[0])
    return box


def whole_quote(sentence: str) -> str:
    """A sentence taken from inside a quotation of several sentences (or paragraphs), whose
    marks open at its first and close at its last, gets the mark it lacks, as an excerpt is
    printed: 'Mr Fox said: "Sandra has been campaigning ... herself."', '"It is congruent with
    job growth," Comerica's economist said.' Otherwise the box would show quoted words as the
    writer's, or a quotation that never ends."""
    if not sentence:
        return sentence
    curly = sentence.count("“") - sentence.count("”")
    straight = len(_OPENS.findall(sentence)) - len(_CLOSES.findall(sentence))
    if curly > 0 or straight > 0:
        if sentence[-1] in ".!?":
            return sentence + ("”" if curly > 0 else '"')
    elif (curly < 0 or straight < 0) and sentence[0].isupper():
        return ("“" if curly < 0 else '"') + sentence
    return sentence


_OPENS = re.compile(r'(?:^|(?<=[\s(\[—–-]))"(?=\S)')  # a straight mark opening a quotation
_CLOSES = re.compile(r'(?<=\S)"(?=$|[\s.,;:!?)\]—–-])')  # and one closing it
