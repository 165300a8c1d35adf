"""Word lists of figure extraction (used by newsdesk.nlp.figures).

Data only. Written by hand for issue 14 from the figures in the seed page
(../shared/data/seed-page), ECB+ earthquake and attack coverage and BBC News; the values of
vague plurals follow bench/data/figures-protocol.md ("dozens" is at least 24).
"""

# Number words -> value; scale words multiply what precedes them ("54 million").
UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "half": 0.5,
}  # fmt: skip
SCALE_WORDS = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000, "m": 1_000_000, "mn": 1_000_000, "bn": 1_000_000_000,
    "k": 1_000, "tn": 1_000_000_000_000,
}  # fmt: skip
# Vague plurals: the least they can mean, a lower bound ("hundreds of thousands" 200,000).
VAGUE_WORDS = {
    "dozens": 24, "scores": 40, "tens": 20, "hundreds": 200, "thousands": 2_000,
    "millions": 2_000_000, "billions": 2_000_000_000,
}  # fmt: skip

# Qualifiers before a number: which bound the number is.
LOWER_BOUND = (
    "more than", "over", "at least", "just over", "upwards of", "in excess of",
    "no fewer than", "no less than", "a minimum of", "well over", "above",
)  # fmt: skip
UPPER_BOUND = (
    "up to", "as many as", "as much as", "nearly", "almost", "fewer than", "less than",
    "under", "just under", "at most", "no more than", "close to", "a maximum of", "below",
)  # fmt: skip
APPROXIMATE = (
    "about", "around", "some", "roughly", "approximately", "an estimated", "estimated",
    "a total of", "an additional", "another",
)  # fmt: skip

# Units after (or, for currencies, before) a number: written form -> the unit shown.
UNIT_AFTER = {
    "percent": "percent", "per cent": "percent", "%": "percent", "pc": "percent",
    "percentage points": "percentage points", "points": "points",
    "km": "km", "kilometres": "km", "kilometers": "km", "kilometre": "km", "kilometer": "km",
    "square kilometres": "km²", "square kilometers": "km²", "square-kilometer": "km²",
    "square-kilometre": "km²", "sq km": "km²", "miles": "miles", "mile": "miles",
    "metres": "m", "meters": "m", "cm": "cm", "centimetres": "cm", "centimeters": "cm",
    "mm": "mm", "millimetres": "mm", "millimeters": "mm", "feet": "feet", "acres": "acres", "hectares": "hectares",
    "seconds": "seconds", "second": "seconds", "minutes": "minutes", "minute": "minutes",
    "hours": "hours", "hour": "hours", "days": "days", "day": "days", "weeks": "weeks",
    "week": "weeks", "months": "months", "month": "months", "years": "years", "year": "years",
    "dollars": "dollars", "euros": "euros", "pounds": "pounds", "yuan": "yuan", "rupees": "rupees",
    "tonnes": "tonnes", "tons": "tons", "barrels": "barrels", "degrees celsius": "°C",
    "degrees fahrenheit": "°F", "degrees": "degrees", "magnitude": "magnitude",
    "on the richter scale": "magnitude", "kg": "kg", "kilograms": "kg", "litres": "litres",
    "gallons": "gallons", "mph": "mph", "km/h": "km/h",
}  # fmt: skip
UNIT_BEFORE = {
    "$": "dollars", "us$": "dollars", "usd": "dollars", "£": "pounds", "€": "euros",
    "¥": "yen", "magnitude": "magnitude", "magnitude-": "magnitude",
}  # fmt: skip
DURATION_UNITS = {"seconds", "minutes", "hours", "days", "weeks", "months", "years"}
# A duration of these written before a noun ("the two-day summit", "a 10-minute ovation")
# tells what an event is like; longer ones are terms worth a figure ("a two-year ban").
SHORT_DURATIONS = {"seconds", "minutes", "hours", "days"}
# Nouns of events a short duration may be "of": "two days of talks" is "two-day talks".
EVENT_NOUNS = {
    "talks", "negotiations", "meetings", "discussions", "debate", "hearings", "celebrations",
    "festivities", "mourning", "protests", "strikes", "fighting", "clashes", "rioting",
}  # fmt: skip
# Capital letters written right after a number that are a unit ("30GB"), not part of a name
# ("3G", "iPhone 5S").
GLUED_UNITS = {
    "gb",
    "mb",
    "tb",
    "kb",
    "ghz",
    "mhz",
    "mw",
    "gw",
    "kw",
    "kwh",
    "mwh",
    "gwh",
    "mph",
    "km",
}
# Events named by a distance ("the 60m hurdles", "200m freestyle"): "m" before them is metres.
# From BBC sport coverage (bench/data/figures-labelled-bbc.json's articles).
RACE_WORDS = {
    "hurdles", "freestyle", "backstroke", "breaststroke", "butterfly", "medley", "relay",
    "relays", "steeplechase", "sprint", "sprints", "dash", "heats", "final", "finals",
}  # fmt: skip
MONTH_NAMES = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec",
}  # fmt: skip
# What a magnitude measures when the sentence names no noun right after it.
MAGNITUDE_OF = ("earthquake", "quake", "temblor", "tremor", "aftershock")

# Ordinals spaCy's like_num accepts as numbers.
ORDINALS = {
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
    "tenth", "eleventh", "twelfth", "twentieth", "hundredth", "thousandth", "millionth",
}  # fmt: skip

# Nouns for people: figures about them share one key ("people") when the status agrees.
PERSON_NOUNS = {
    "people", "person", "persons", "civilian", "civilians", "villager", "villagers",
    "victim", "victims", "resident", "residents", "child", "children", "soldier",
    "soldiers", "worker", "workers", "passenger", "passengers", "student", "students",
    "migrant", "migrants", "refugee", "refugees", "protester", "protesters", "man", "men",
    "woman", "women", "fighter", "fighters", "troops", "police", "officers", "patient",
    "patients", "casualties", "dead", "wounded", "injured", "others", "inmates", "prisoners",
}  # fmt: skip
# A casualty status, from the words around the count (as written: the pipeline has no
# lemmatizer): status -> its words.
_STATUS_FORMS = {
    "killed": "kill kills killed killing dead die dies died dying death deaths toll "
    "fatalities fatality murdered perished lives",
    "injured": "injure injures injured injuring wound wounds wounded wounding hurt hurting "
    "injuries injury treated treatment hospitalised hospitalized",
    "missing": "missing",
    "arrested": "arrest arrests arrested arresting detained detaining",
    "displaced": "displaced homeless displacing",
    "evacuated": "evacuated evacuate evacuating",
    "rescued": "rescued rescuing",
}
STATUS_WORDS = {w: status for status, words in _STATUS_FORMS.items() for w in words.split()}

# Lines that are page furniture, not prose ("Posted 11/27/2005 7:21 AM").
FURNITURE_PREFIXES = ("posted", "updated", "last updated", "published", "http", "www.")
# Words a title leaves in lower case (AP and Chicago style): a line whose other words are all
# capitalised is a title ("Top 5 Smartphone Cameras: The Blind Test!"), not a sentence.
TITLE_SMALL_WORDS = {
    "a", "an", "the", "and", "but", "or", "nor", "for", "so", "yet", "of", "in", "on", "at",
    "to", "by", "up", "as", "is", "vs", "vs.", "via", "with", "from", "into", "onto", "per",
}  # fmt: skip
# Words before a number that make it an identifier, not a figure ("No. 10", "Flight 370").
# Verbs after which "at <number>" is an age, not a count: "has died in Germany at 50".
AGE_VERBS = {"die", "dies", "died", "dying", "retire", "retires", "retired", "retiring"}
IDENTIFIER_BEFORE = {
    "no", "no.", "number", "flight", "route", "page", "chapter", "article", "section",
    "room", "gate", "platform", "line", "highway", "interstate", "resolution", "episode",
    "season", "level", "grade", "phase", "vol", "vol.", "covid", "g", "f", "x", "pm", "am",
    "#",
}  # fmt: skip

# Trivial counts (issue 14): a count up to TRIVIAL_MAX ("two sides", "the two regional
# powers") is no figure claim unless it has a bound ("at least two"), a unit, a casualty status
# ("killing two people") or counts one of these nouns (singular forms; events, damage, money
# and measures), chosen from the seed page and ECB+ attack and earthquake coverage.
TRIVIAL_MAX = 2
COUNTABLE_NOUNS = {
    "attack", "airstrike", "strike", "raid", "explosion", "blast", "bomb", "bombing",
    "shooting", "shot", "rocket", "missile", "drone", "shell", "earthquake", "quake",
    "aftershock", "tremor", "fire", "crash", "incident", "home", "house", "building",
    "village", "vehicle", "car", "aircraft", "plane", "ship", "tank", "dollar", "euro",
    "pound", "vote", "seat", "point", "goal", "case", "hostage", "body",
}  # fmt: skip

# Attribution of a figure no quote covers (bench/figures.py (a), chosen on PolNeAR dev):
# verbs besides the speech verbs of lexicon/quotes.py whose subject vouches for a figure
# ("the U.S. Geological Survey puts the magnitude at 6.1", "a poll found 41 percent"), and
# nouns whose possessor does ("the ministry's figures show").
REPORT_VERBS = {
    "put", "puts", "putting", "estimated", "estimates", "estimate", "counted", "counts",
    "recorded", "records", "tallied", "found", "finds", "show", "shows", "showed", "shown",
    "reported", "reports", "measured", "registered", "projected", "projects", "calculated",
}  # fmt: skip
# A speech verb in a clause opened by one of these ("While Simpson declared he would …, his
# focus turned to the band's 13-date tour"; "…, although Bourne admitted he was devastated")
# vouches for its own clause only, not for a figure of the sentence's main clause ("as the
# governor said" does).
CLAUSE_APART = {
    "while", "although", "though", "whereas", "when", "after", "before", "because", "since",
    "if", "unless", "until", "once",
}  # fmt: skip
REPORT_NEEDS_AT = {"put", "puts", "putting"}  # only with "at": "puts the toll at 10"
# spaCy's DATE on a period's bare name says no when ("a season's best of 7.48").
BARE_PERIODS = {
    *("season", "seasons", "year", "years", "month", "months", "week", "weeks", "day", "days"),
    *("decade", "decades", "century", "centuries"),
}
# Shares and amounts whose counted thing may be their verb's subject ("sales fell 0.3%").
CHANGE_UNITS = {"percent", "percentage points", "dollars", "pounds", "euros", "yen", "yuan"}
MONEY_UNITS = CHANGE_UNITS - {"percent", "percentage points"}
# Verbs whose subject is what an amount they take as object measures ("exports reached $3bn");
# with other verbs the subject does something with it ("GM paid $2bn"): figures._changed_subject
LEVEL_VERBS = {
    "reach", "reaches", "reached", "reaching", "total", "totals", "totalled", "totaled",
    "totalling", "top", "tops", "topped", "exceed", "exceeds", "exceeded", "pass", "passed",
    "surpass", "surpassed", "near", "neared", "hit", "hits", "hitting",
}  # fmt: skip
# Report only with a clause: "X claimed (that) 10 died"; "X claimed their first title in 72
# years" is winning, not saying (BBC sport, bench/data/figures-labelled-bbc.json).
REPORT_NEEDS_CLAUSE = {"claim", "claims", "claimed", "claiming"}
REPORT_NOUNS = {
    "figures", "figure", "data", "count", "tally", "estimate", "estimates", "statistics", "filing",
    "numbers", "poll", "survey", "report", "records",
}  # fmt: skip
# Words that open a time expression before a DATE/TIME entity ("so far this year").
WHEN_LEADS = (
    "so far", "on", "in", "since", "from", "between", "by", "until", "during", "last", "this",
)  # fmt: skip

# Disagreement across outlets (issue 14; from the failures in the judged same-thing pairs of
# bench/data/figures-pairs-judged.json, ECB+ earthquake, shooting and riot stories). A figure
# whose sentence is background (another, earlier event) is not compared at all; one in a
# hypothetical or generic sentence ("a magnitude 6 quake can cause severe damage") is shown
# but never flagged as a disagreement.
BACKGROUND_PHRASES = (
    "years ago", "years after", "years earlier", "years before", "decades ago", "months ago",
    "last year", "earlier quake", "earlier earthquake", "previous quake", "previous earthquake",
)  # fmt: skip
HYPOTHETICAL_WORDS = {"can", "could", "may", "might", "would"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Two counts this many times apart are shown side by side but not flagged: an order of
# magnitude apart, the judged pairs were about different events (an earlier quake's 612 dead vs
# 10), while their true disagreements were at most 2.5x apart (the browser test's 3 vs 10 dead,
# 3.3x, stays flagged).
DISAGREE_MAX_RATIO = 10.0
