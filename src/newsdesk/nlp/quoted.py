"""Quotes in articles the English models do not read: words in quotation marks that a person's
name is written beside.

    „Wir müssen schnell entscheiden“, sagte Robert Habeck.     -> Robert Habeck (sagte)
    «C'est une erreur», a déclaré le président Emmanuel Macron. -> Emmanuel Macron (déclaré)
    Vorstandsvorsitzender Heribert Bruchhagen: „Wir sind …“    -> Heribert Bruchhagen

No model and no list of verbs: in German, the Nordic and the Romance languages a quotation
followed by a comma and a verb is attributed by that verb's subject, written right after it
("„…“, erläuterte Domracheva"), and a name and a colon before a quotation introduce it. The
speaker must be a name (nlp.names), not a pronoun or a description ("sagt sie", "sagte ein
Sprecher"); a surname alone is given the full name the article uses. Quotation marks around a
title or a term ("die Netflix-Show „Hollywood“") have no speaker beside them and are left out.
"""

from __future__ import annotations

import re

from newsdesk.nlp.names import NAME_PARTICLES, is_title, speaker_name, wordlist
from newsdesk.nlp.types import Hashtag, Quote

# Opening and closing marks, by how the languages pair them: „…“ (German), »…« and «…»
# (German, Danish, French, Spanish …), “…” and "…".
_QUOTE = re.compile(
    r"„(?P<a>[^„“”\"\n]{8,600}?)[“”\"]"
    r"|»(?P<b>[^»«\n]{8,600}?)«"
    r"|«\s?(?P<c>[^«»\n]{8,600}?)\s?»"
    r"|“(?P<d>[^“”\n]{8,600}?)”"
    r"|\"(?P<e>[^\"\n]{8,600}?)\""
)
# After the closing mark: a comma, a lower-case verb (French "a déclaré": two words), perhaps
# an article and an office in lower case, then the speaker ("…“, sagte Bundeskanzler Olaf
# Scholz", "…», a déclaré le président Emmanuel Macron").
_AFTER = re.compile(r"\s*,\s*((?:[^\W\d_A-Z][\w'’-]*\s+){1,4}?)(?=[A-ZÀ-ÞØ])", re.UNICODE)
# Articles between the verb and an office written in lower case ("le président").
# (German's are nlp.lexicon.names.ARTICLES.)
_ARTICLES = frozenset(["le", "la", "l'", "el", "il", "lo", "o", "a", "the"])
# Before the opening mark: the speaker then a colon ("Heribert Bruchhagen: „…“").
_BEFORE = re.compile(r"([^\n.!?:;]{2,80}):\s*$")
MIN_WORDS = 4  # a quotation of fewer words is a term or a title ("„Hollywood“")
MAX_QUOTES = 20


def marked_quotes(text: str, language: str | None, people: list[Hashtag]) -> list[Quote]:
    """The quotes of a text not in English whose speaker is named beside them, in text
    order; `people`: the article's name tags (nlp.names), for a surname's full name."""
    if not language or language == "en":
        return []
    full = {t.label.split()[-1]: t.label for t in people if t.kind == "person"}
    full.update((t.label, t.label) for t in people if t.kind == "person")
    out: list[Quote] = []
    for m in _QUOTE.finditer(text):
        content = next(g for g in m.groups() if g is not None).strip()
        if len(content.split()) < MIN_WORDS:
            continue
        found, cue = _after(text, m.end(), language)
        if found is None:
            found, cue = _before(text, m.start(), language)
        if found is None:
            continue
        speaker, sure = found
        # the person the article names: "Scholz", "von Preen" or "Stuttgarts Sportdirektorin
        # Kim Renkema" under the full name
        known = full.get(speaker) or next(
            (p for p in full.values() if p.endswith(f" {speaker}") or speaker.endswith(f" {p}")),
            None,
        )
        if not (sure or known):
            continue  # "Ihr Motto: „…“", "…“, an Bahn": a word, not a person the article names
        name = known or speaker
        out.append(Quote(quote=content, speaker=name, cue=cue, speaker_entity=name))
        if len(out) >= MAX_QUOTES:
            break
    return out


def _after(text: str, end: int, language: str) -> tuple[tuple[str, bool] | None, str | None]:
    """ "…“, sagte Robert Habeck": the speaker and the verb, else (None, None)."""
    m = _AFTER.match(text, end)
    if m is None:
        return None, None
    spans = [(w.group(0), m.start(1) + w.start()) for w in re.finditer(r"\S+", m.group(1))]
    while len(spans) > 1 and spans[-1][0] in NAME_PARTICLES:
        spans.pop()  # "sagte von Preen": "von" is the name's
    name_start = spans[-1][1] + len(spans[-1][0])
    words = [w for w, _ in spans]
    two = len(words) > 1 and not _article_or_title(words[1], language)  # "a déclaré"
    verb, rest = words[: 1 + two], words[1 + two :]  # rest: "le président", nothing else
    if not all(_article_or_title(w, language) for w in rest):
        return None, None  # "…“, hieß es in einer Mitteilung"
    cue = " ".join(verb)
    snippet = text[name_start : m.end() + 120]
    return speaker_name(snippet, language, words[-1]), cue  # "président Emmanuel Macron"


def _article_or_title(word: str, language: str) -> bool:
    low = word.lower()
    return low in _ARTICLES or low in wordlist("articles", language) or is_title(word, language)


def _before(text: str, start: int, language: str) -> tuple[tuple[str, bool] | None, str | None]:
    """ "Heribert Bruchhagen: „…“", "Habeck betonte: „…“": the speaker written before the
    colon and the verb, if any; else (None, None)."""
    m = _BEFORE.search(text, max(0, start - 82), start)
    if m is None:
        return None, None
    words = m.group(1).split()
    cue = None
    if len(words) > 1 and words[-1][:1].islower() and words[-2][:1].isupper():
        cue, words = words[-1], words[:-1]
    # the name ends the phrase: its last few capitalised words
    tail = len(words)
    while tail > 0 and words[tail - 1][:1].isupper():
        tail -= 1
    if tail == len(words):
        return None, None
    return speaker_name(" ".join(words[tail:]), language, ":"), cue
