"""Word lists for entity profiles (newsdesk.nlp.profiles).

Written for this project from the wording of the seed page's articles (Al Jazeera's "Who was
Hossein Salami", the Qatar Tribune's UN Security Council report) and of ECB+ news
(../shared/data/ecbplus-story-clusters): the verbs and nouns those articles use to say what
somebody did, who came before or after them, and where a place is.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Verbs (as written after the name, past tense or participle) that make a sentence an event
# with the name as its subject: "Salami rose ...", "Salami had been appointed ...".
EVENT_VERBS = """
    appointed named elected re-elected chosen promoted became becoming rose began joined founded
    led headed took won beat defeated lost retired resigned quit stepped left fled returned
    arrested charged convicted sentenced jailed detained released freed acquitted indicted sued
    sanctioned banned fined expelled suspended fired sacked dismissed ousted removed
    killed died dies assassinated executed murdered wounded injured shot survived
    signed launched announced visited met married divorced served fought held captured seized
    attacked invaded struck bombed destroyed built opened closed ordered approved vetoed
    entered checked admitted hospitalised hospitalized diagnosed accused confirmed sworn
"""
EVENT_VERB_WORDS = _words(EVENT_VERBS)
# Multi-word events: "was subject to sanctions", "was among the officials killed".
EVENT_PHRASES = (r"(?:was|were|is|has been|had been)\s+(?:also\s+)?subject\s+to",)
# Auxiliaries and adverbs allowed between the name and its verb ("had been", "was also").
BETWEEN_WORDS = _words(
    """has had have was were is are been being also then later reportedly allegedly first
    once himself herself itself reported to be"""
)

# "X replaced Y", "X succeeded Y", "X took over from Y": X is Y's successor.
SUCCEEDS = r"(?:replaced|succeeded|succeeds|replaces|took\s+over\s+from|takes\s+over\s+from)"
# "Y was replaced by X", "Y was succeeded by X".
SUCCEEDED_BY = r"(?:was|were|has\s+been|had\s+been|is|will\s+be)\s+(?:replaced|succeeded)\s+by"
# "X was announced as his successor", "X was named Y's successor".
NAMED_SUCCESSOR = (
    r"(?:was|has\s+been|had\s+been|is|will\s+be)\s+(?:announced|named|appointed|chosen|"
    r"confirmed|picked|selected|sworn\s+in)\s+(?:as\s+)?"
)
SUCCESSOR_WORD = r"successor"
PREDECESSOR_WORD = r"predecessor"

# Nouns that say what kind of place a name is: "the Natanz facility", "the Palmyra area",
# "the enrichment plant at Natanz", "Palmyra, a city in central Syria".
PLACE_NOUNS = _words(
    """city town village capital region province state district area county port island
    facility plant site base airport camp prison border crossing desert valley mountain river
    coast enclave territory municipality neighbourhood neighborhood suburb country"""
)
# Prepositions that put something in a place: "in Syria", "at Natanz", "on Iran" (attacks).
LOCATIVE = r"(?:in|at|inside|near|across|throughout|within|on|outside|around|including)"
# Directions that may qualify a place: "in central Syria", "north of Damascus".
DIRECTIONS = (
    r"(?:north|south|east|west|northern|southern|eastern|western|central|north-eastern|"
    r"north-western|south-eastern|south-western|northeastern|northwestern|southeastern|"
    r"southwestern|northeast|northwest|southeast|southwest)"
)

# Words that make a sentence about a place an event there ("what happened there").
PLACE_EVENT_WORDS = _words(
    """strike strikes attack attacks attacked assault bombing bombed raid raids shelling
    killed destroyed damaged struck fighting clashes clash battle war offensive siege
    talks meeting met summit held visit visited protest protests rally march election
    vote earthquake flood fire explosion blast crash collapsed deployed deployment launched
    base bases contamination captured seized arrested opened closed built signed"""
)

# How many sentences of each kind a profile shows.
MAX_ROLES = 2
MAX_EVENTS = 6
MAX_WHERE = 2
MAX_HAPPENED = 5
MAX_LINKS = 3  # predecessors / successors
# Words a cut-off description ends with ("President Bashar al", "Supreme Leader Ayatollah").
DANGLING = _words("al el bin ibn abu ben the of and a an major general ayatollah sheikh lt col sir")
# Words after a name that are no verb: "Ali Khamenei, Salami rose" (the subject is Salami).
NOT_VERBS = _words("of and or in on at for to from with by the a an as")
