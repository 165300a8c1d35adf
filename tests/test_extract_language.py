"""Language of an item: detected on long text, declared first on a headline or a teaser."""

from __future__ import annotations

from newsdesk.extract.language import item_language

DANISH = "Mulig tredje bombe på Als"
GERMAN_LONG = (
    "Die Bundesregierung hat am Mittwoch einen Gesetzentwurf beschlossen, der den Ausbau der "
    "Windenergie an Land beschleunigen soll. Genehmigungsverfahren sollen kürzer werden, und "
    "die Länder müssen künftig zwei Prozent ihrer Fläche für Windräder ausweisen. Kritiker "
    "warnen vor Konflikten mit dem Naturschutz."
)


def test_headline_takes_the_declared_language() -> None:
    assert item_language(DANISH, "da") == "da"
    assert item_language("Nu er Søren Gade valgt som Folketingets formand", "da") == "da"


def test_long_text_is_detected_even_against_the_declaration() -> None:
    # A German article in a feed that declares English (multilingual outlets do).
    assert item_language(GERMAN_LONG, "en") == "de"
    assert item_language(GERMAN_LONG, None) == "de"


def test_nothing_declared_and_too_short_to_tell() -> None:
    assert item_language("Bomber", None) is None
    assert item_language("", "da") == "da"
