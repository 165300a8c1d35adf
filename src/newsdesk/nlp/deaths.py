"""Whether the coverage reports a person's death: the sentence that says so.

An explainer asks "Who was X?" rather than "Who is X?" when an article reports X dead. The
patterns are kept as data below: X (the full name or, for a person, the last name) as the one
who died, was killed, assassinated or executed, or whose death, killing or funeral is reported.
"""

from __future__ import annotations

import re
from functools import lru_cache

# {name} is replaced by the escaped name; each pattern must match inside one sentence.
PATTERNS = (
    r"\b{name}\b(?:,[^,.]{{1,120}},)?\s+(?:has\s+|had\s+)?(?:died|dies|passed away)\b",
    r"\b{name}\b(?:,[^,.]{{1,120}},)?\s+(?:was|were|has been|had been)\s+(?:among\s+[^.]{{1,80}}?\s+)?"
    r"(?:killed|assassinated|executed|shot dead|murdered)\b",
    r"\b(?:death|killing|assassination|murder|funeral|execution)\s+of\s+(?:[A-Z][\w'’-]*\s+){{0,4}}{name}\b",
    r"\b{name}(?:'s|’s)\s+(?:death|killing|assassination|murder|funeral|execution)\b",
    r"\b(?:the\s+)?late\s+(?:[A-Z][\w'’-]*\s+){{0,4}}{name}\b",
    r"\b(?:killed|assassinated)\s+(?:[A-Z][\w'’-]*\s+){{0,4}}{name}\b",
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


@lru_cache(maxsize=256)
def _compiled(name: str) -> re.Pattern[str]:
    escaped = re.escape(name).replace(r"\ ", r"\s+")
    return re.compile("|".join(f"(?:{p.format(name=escaped)})" for p in PATTERNS))


def death_report(text: str, names: list[str]) -> str | None:
    """The first sentence of `text` that reports the death of one of `names`, or None."""
    patterns = [_compiled(n) for n in names if n and len(n) >= 3]
    if not patterns:
        return None
    for match in _SENTENCE.finditer(text):
        sentence = " ".join(match.group(0).split())
        if any(p.search(sentence) for p in patterns):
            return sentence
    return None
