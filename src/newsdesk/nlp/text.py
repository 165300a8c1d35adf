"""Text utilities shared by the analysers: normalisation, ASCII folding, sentence splitting.

Sentence splitting is rule based (character offsets into the text) so that the summary, the
quote finder and spaCy's parser all see the same sentences. It is robust to abbreviations
("Mr.", "U.S.", "Jan."), initials ("George W. Bush"), punctuation inside quotes
('"Stop!" he said.') and to the glued sentences found in scraped text ("England.Once").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_HSPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_NEWLINES = re.compile(r"\s*\n\s*(?:\n\s*)*")

_FOLD_EXTRA = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ß": "ss",
        "đ": "d",
        "Đ": "D",
        "ı": "i",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
    }
)


_zipf_frequency: Callable[[str, str], float] | None
try:
    from wordfreq import zipf_frequency as _zipf_frequency
except ImportError:  # pragma: no cover - a dependency
    _zipf_frequency = None


def zipf(word: str, language: str = "en") -> float | None:
    """How common a word is in a language (English by default), on wordfreq's Zipf scale (0
    unknown, 7 for "the"); None when wordfreq is not installed. LookupError for a language
    wordfreq has no list for."""
    return None if _zipf_frequency is None else float(_zipf_frequency(word, language))


def normalize_text(text: str) -> str:
    """Unify line breaks and spaces; paragraphs stay separated by a single newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    text = _HSPACE.sub(" ", text)
    text = _NEWLINES.sub("\n", text)
    return text.strip()


def ascii_fold(text: str) -> str:
    """'Erdoğan' -> 'Erdogan', 'Łódź' -> 'Lodz'; characters without an ASCII form are dropped."""
    text = text.translate(_FOLD_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


# Abbreviations that are (almost) never the end of a sentence: titles and name particles.
_NEVER_END = {
    "mr",
    "mrs",
    "ms",
    "mx",
    "dr",
    "prof",
    "st",
    "sr",
    "jr",
    "gen",
    "lt",
    "col",
    "maj",
    "capt",
    "cpt",
    "sgt",
    "cmdr",
    "adm",
    "gov",
    "sen",
    "rep",
    "rev",
    "hon",
    "pres",
    "supt",
    "insp",
    "det",
    "mt",
    "ft",
    "no",
    "nos",
    "vs",
    "v",
    "cf",
    "e.g",
    "i.e",
    "approx",
    "dept",
    "est",
    "fig",
    "vol",
    "jan",
    "feb",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "messrs",
    "mme",
    "mlle",
}
_MONTHS = {"jan", "feb", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
# Abbreviations that end a sentence only if the next word is a typical sentence opener.
_MAYBE_END = {"inc", "corp", "ltd", "co", "plc", "llc", "bros", "etc", "a.m", "p.m", "al"}
_OPENERS = {
    "the",
    "a",
    "an",
    "he",
    "she",
    "it",
    "they",
    "we",
    "i",
    "you",
    "but",
    "and",
    "in",
    "on",
    "at",
    "this",
    "that",
    "these",
    "those",
    "his",
    "her",
    "their",
    "its",
    "our",
    "there",
    "however",
    "meanwhile",
    "after",
    "before",
    "when",
    "while",
    "if",
    "as",
    "for",
    "last",
    "earlier",
    "later",
    "mr",
    "mrs",
    "ms",
    "dr",
}

# End punctuation, optional closing quotes/brackets, then whitespace, then the next sentence's
# first character (letter, digit, opening quote or bracket).
_BOUNDARY = re.compile(
    r"""(?P<punct>[.!?]+|\u2026)(?P<close>["'\u201d\u2019)\]]*)(?P<space>\s+)(?=(?P<next>["'\u201c\u2018(\[]?\w))"""
)
# Glued sentences in scraped text: "England.Once built" / 'achieved."Sometimes'.
_GLUED = re.compile(
    r"""(?<=[a-z0-9]{2})(?P<punct>[.!?])(?P<close>["\u201d\u2019]?)(?=(?:["\u201c]?[A-Z][a-z]))"""
)
# Sentences run together without a full stop, as photo captions run on into the text they
# were cut from ("... to abandon the game He said ..."): a capitalised pronoun or article right
# after a lower-case word and before one opens one ("the game He said", "the club The team";
# not "read The Times", nor a title's "Faking It and ...").
_RUN_ON = re.compile(
    r"\b(?P<prev>[a-z][\w'’%-]*)[ \t]+"
    r"(?=(?:The|He|She|They|His|Her|Their|This|These|It|We)[ \t]+[a-z])"
)
_WORD_BEFORE = re.compile(r"([\w.&'-]+)$")
_INITIAL = re.compile(r"^(?:[A-Z]\.)*[A-Z]$")


def _is_boundary(text: str, m: re.Match[str]) -> bool:
    punct = m.group("punct")
    if punct != ".":
        return True  # ! ? and ellipsis: split when followed by an upper-case start (checked below)
    before = _WORD_BEFORE.search(text, 0, m.start())
    word = before.group(1) if before else ""
    low = word.lower().rstrip(".")
    nxt_word = re.match(r"""["'\u201c\u2018(\[]?(\w+)""", text[m.end() :])
    nxt = nxt_word.group(1) if nxt_word else ""
    if m.group("close"):
        return True  # '... end." Next' : a closed quote after a full stop ends the sentence
    if low in _NEVER_END and not (word.isupper() and len(word) > 2 and low in _MONTHS):
        return False  # (but "DEC." / "JUN." in capitals are acronyms, not months)
    if _INITIAL.match(word):  # "George W. Bush", "J.K. Rowling"; but "U.S." handled below
        if len(word) == 1:
            return False
        # dotted acronym such as "U.S." ends a sentence only before a typical opener
        return nxt.lower() in _OPENERS
    if low in _MAYBE_END or re.fullmatch(r"(?:[a-z]\.)+[a-z]", low):
        return nxt.lower() in _OPENERS
    return True


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of `text`, paragraphs never joined."""
    spans: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        para_end = n if nl < 0 else nl
        _split_paragraph(text, pos, para_end, spans)
        pos = para_end + 1
    return spans


def _split_paragraph(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    cuts: list[int] = []
    para = text[start:end]
    for m in _BOUNDARY.finditer(para):
        nxt = m.group("next")
        first = nxt[-1]
        if not (first.isupper() or first.isdigit()):
            continue
        if _is_boundary(para, m):
            cuts.append(start + m.start("space"))
    cuts.extend(start + m.end("prev") for m in _RUN_ON.finditer(para))
    for m in _GLUED.finditer(para):
        word = _WORD_BEFORE.search(para, 0, m.start())
        if word and ("." in word.group(1) or "/" in word.group(1)):
            continue  # "example.com", "U.S.Army"
        cuts.append(start + m.end())
    cuts.sort()
    s = start
    for c in [*cuts, end]:
        a, b = s, c
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            spans.append((a, b))
        s = c
    return


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


_WORD = re.compile(r"\w+(?:[-'’]\w+)*")


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def fold_plural(word: str) -> str:
    """Lower-cased, without a possessive, plural folded: "talks", "Talk's", "Talks'" -> "talk"."""
    w = word.lower().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.rstrip("'")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


# A text of more than WALL_WORDS words in one line came without its paragraph breaks (a JSON
# Lines import, a feed's flattened content): it is shown as paragraphs of whole sentences of
# about PARAGRAPH_WORDS words, the length of a news paragraph, not as one wall of text. A text
# with breaks keeps its outlet's paragraphs, however long.
WALL_WORDS = 150
PARAGRAPH_WORDS = 60


def paragraphs(text: str | None) -> list[str]:
    """Split plain article text into paragraphs: one per non-blank line; a text without line
    breaks of more than WALL_WORDS words regrouped by sentences."""
    lines = [line.strip() for line in re.split(r"\n+", text or "") if line.strip()]
    if len(lines) == 1 and len(lines[0].split()) > WALL_WORDS:
        return _regroup(lines[0])
    return lines


_OPENING_QUOTES = ("'", '"', "‘", "“")
_CURLY_CLOSING = ("’", "”")  # straight marks open quotes as well as close them
_CLOSED = re.compile(r"[,.!?]['\"’”](?:\s|$)")


def _closes_quote(sentence: str) -> bool:
    """A quote ends in the sentence ("... powers.'", "... one spot,' Salami said.")."""
    return _CLOSED.search(sentence) is not None


def _goes_on_quoting(sentence: str, paragraph: list[str]) -> bool:
    """The sentence goes on with the quote of the paragraph's last sentence: it opens with a
    quote mark and that sentence held a quote ("... ,' Salami was quoted as saying. 'Our war
    is not a local war."). News keeps a quote's continuation in its paragraph."""
    if not paragraph or not sentence.startswith(_OPENING_QUOTES):
        return False
    last = paragraph[-1]
    return last.startswith(_OPENING_QUOTES) or any(q in last for q in _CURLY_CLOSING)


def _regroup(line: str) -> list[str]:
    """Whole sentences of `line` in paragraphs of about PARAGRAPH_WORDS words; a short end joins
    the paragraph before it."""
    out: list[list[str]] = [[]]
    words = 0
    quoting = False  # inside a quote of several sentences
    for start, end in split_sentences(line):
        sentence = line[start:end].strip()
        if words >= PARAGRAPH_WORDS and not quoting and not _goes_on_quoting(sentence, out[-1]):
            out.append([])
            words = 0
        out[-1].append(sentence)
        words += len(sentence.split())
        if _closes_quote(sentence):
            quoting = False
        elif sentence.startswith(_OPENING_QUOTES):
            quoting = True
    if len(out) > 1 and words < PARAGRAPH_WORDS // 3:
        out[-2].extend(out.pop())
    return [" ".join(group) for group in out if group]
