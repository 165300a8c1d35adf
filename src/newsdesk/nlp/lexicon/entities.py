"""Word lists and name rules of entity extraction (used by newsdesk.nlp.entities).

Data only: sets, dicts and strings as written (regular expressions as their source text, first
names as whitespace-separated words); newsdesk.nlp.entities compiles and derives what it needs.
"""

# spaCy's entity labels -> newsdesk's entity types.
LABEL_TYPE = {
    "PERSON": "person",
    "ORG": "organization",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "NORP": "other",
    "EVENT": "other",
    "WORK_OF_ART": "other",
    "LAW": "other",
    "PRODUCT": "other",
    "LANGUAGE": "other",
}

# Honorifics: dropped from names; they also tell a person's gender.
HONORIFICS_M = {"mr", "sir", "lord", "messrs", "monsieur", "herr", "senor"}
HONORIFICS_F = {"mrs", "ms", "miss", "dame", "lady", "madam", "madame", "mme", "mlle", "frau"}
# Honorifics that tell no gender.
HONORIFICS_ANY = {"mx", "dr", "prof", "professor", "rev", "reverend"}
# Roles that precede a name ("Prime Minister Benjamin Netanyahu"); dropped from the name and
# kept as a description.
ROLE_WORDS = {
    "president",
    "vice",
    "prime",
    "minister",
    "premier",
    "chancellor",
    "secretary",
    "senator",
    "sen",
    "rep",
    "representative",
    "congressman",
    "congresswoman",
    "governor",
    "gov",
    "mayor",
    "general",
    "gen",
    "lt",
    "lieutenant",
    "col",
    "colonel",
    "maj",
    "major",
    "capt",
    "captain",
    "sgt",
    "sergeant",
    "cmdr",
    "commander",
    "admiral",
    "adm",
    "marshal",
    "brigadier",
    "corporal",
    "private",
    "officer",
    "judge",
    "justice",
    "chief",
    "ambassador",
    "envoy",
    "bishop",
    "archbishop",
    "cardinal",
    "rabbi",
    "imam",
    "sheikh",
    "ayatollah",
    "deputy",
    "foreign",
    "defence",
    "defense",
    "interior",
    "finance",
    "home",
    "health",
    "state",
    "speaker",
    "leader",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "chairman",
    "chairwoman",
    "ceo",
    "coach",
    "manager",
    "boss",
    "striker",
    "midfielder",
    "defender",
    "goalkeeper",
    "inspector",
    "superintendent",
    "detective",
    "constable",
    "attorney",
    "senior",
    "former",
    "acting",
    "interim",
    "director",
    "head",
    "opposition",
    "labour",
    "tory",
    "democratic",
    "republican",
    "mp",
    "mep",
    "of",
}
# Royal and religious titles stay when only one name follows ("King Charles", "Pope Francis").
# Role words that are also a party's whole name: "Labour's leadership" (ORG for the NER) is
# the party, as "Labour MP Paul Flynn" has a title.
PARTY_NAMES = {"labour"}
KEEP_TITLES = {
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "saint",
    "emperor",
    "sultan",
    "emir",
    "amir",
}
TITLE_GENDER = {
    "king": "m",
    "prince": "m",
    "emperor": "m",
    "duke": "m",
    "queen": "f",
    "princess": "f",
    "duchess": "f",
    "congresswoman": "f",
    "chairwoman": "f",
    "spokeswoman": "f",
}

# Well-known aliases -> canonical name; (canonical -> short form used for hashtags).
# Places GeoNames' city and country tables leave out (nlp.gazetteer.is_place_name): the UK's
# nations (and "GB", Great Britain's teams), former and other names of countries, seas and
# oceans, and regions news names without "in" ("Kashmir's separatists"). Lower case.
REGIONS = """england scotland wales ulster britain gb atlantic pacific arctic antarctic antarctica
    caribbean mediterranean baltic balkans caucasus kashmir siberia sahara sahel scandinavia
    darfur tibet kosovo chechnya gaza crete sicily sardinia corsica tuscany bavaria catalonia
    normandy brittany flanders yorkshire lancashire cornwall korea netherlands aceh macedonia
    yugoslavia persia"""

ALIASES = {
    "us": "United States",
    "usa": "United States",
    "united states": "United States",
    "united states of america": "United States",
    "america": "United States",
    "uk": "United Kingdom",
    "britain": "United Kingdom",
    "great britain": "United Kingdom",
    "united kingdom": "United Kingdom",
    "un": "United Nations",
    "united nations": "United Nations",
    "eu": "European Union",
    "european union": "European Union",
    "uae": "United Arab Emirates",
    "united arab emirates": "United Arab Emirates",
    "nato": "NATO",
    "north atlantic treaty organization": "NATO",
    "fbi": "FBI",
    "federal bureau of investigation": "FBI",
    "cia": "CIA",
    "central intelligence agency": "CIA",
    # News's short name for a body: "the Fed" is the Federal Reserve (#Fed beside
    # #FederalReserve and #USFederalReserve on one story's page)
    "fed": "Federal Reserve",
    "federal reserve": "Federal Reserve",
    "us federal reserve": "Federal Reserve",
    "u.s. federal reserve": "Federal Reserve",
    "federal reserve board": "Federal Reserve",
    # Countries under more than one name: one tag each (the name most outlets use).
    "turkey": "Turkey",
    "turkiye": "Turkey",
    "türkiye": "Turkey",
    "republic of turkey": "Turkey",
    "republic of türkiye": "Turkey",
    "czechia": "Czech Republic",
    "czech republic": "Czech Republic",
    "burma": "Myanmar",
    "myanmar": "Myanmar",
    "ivory coast": "Ivory Coast",
    "côte d'ivoire": "Ivory Coast",
    "cote d'ivoire": "Ivory Coast",
    "eswatini": "Eswatini",
    "swaziland": "Eswatini",
    # A party by its short name, as the outlets name it ("Labour's leadership", "the Labour
    # Party"): one tag.
    "labour": "Labour",
    "labour party": "Labour",
}
SHORT_FORMS = {
    "United States": "US",
    "United Kingdom": "UK",
    "United Nations": "UN",
    "European Union": "EU",
    "United Arab Emirates": "UAE",
}

# Words that do not give an initial to an organisation's acronym.
STOP_INITIALS = {"of", "the", "and", "for", "&", "de", "du", "la", "on", "in", "to", "a"}
# A possessive ending ("Obama's", "Jesus'"), and the punctuation around a name.
POSSESSIVE = r"(?:['’]s|(?<=s)['’])$"
EDGE_PUNCT = r"^[\s\"'“”‘’(\[{,.;:–—-]+|[\s\"'“”‘’)\]},;:–—-]+$"

# Common first names by gender: used only to resolve "he"/"she" to a person.
FEMALE_NAMES = """mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty
margaret sandra ashley kimberly emily donna michelle dorothy carol amanda melissa deborah
stephanie rebecca sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma
nicole helen samantha katherine christine debra rachel carolyn janet catherine maria heather
diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn judith
megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathryn
janice jean abigail alice judy sophia grace denise amber doris marilyn danielle beverly
isabella theresa diana natalie brittany charlotte marie kayla alexis lori hillary kamala
theresa angela ursula nicola jacinda marine giorgia liz priti  yvette harriet
jeanine nikki sheryl oprah beyonce taylor serena venus maria sharapova kim kylie kendall
khloe meghan kate camilla anne elena ivanka melania michelle chelsea condoleezza madeleine
sonia sonya tulsi elise susana golda indira benazir aung san suu kyi christine kristalina
janet lindsey lindsay greta malala jill dianne nancy nadia rania leila layla fatima aisha
mariam maryam zainab amina sophie chloe lucy ellie jess jo julia kirsty caroline claire
clare fiona gillian jane joanna louise rosie ruth sally tessa yasmin zoe anneliese penny
"""
MALE_NAMES = """james robert john michael david william richard joseph thomas charles christopher daniel
matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy
ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin
scott brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry
tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy
christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse
jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy roy
vincent ralph eugene russell bobby mason philip louis barack bernie ted marco mitt jeb
chris mike vladimir xi emmanuel boris rishi keir volodymyr recep tayyip hossein ali
mohammed muhammad ahmed hassan hussein benjamin bibi yair naftali ebrahim hassan
narendra justin olaf jair lula nicolas recep bashar abdel kim jong shinzo fumio moon
joe  hunter beau rudy rudolph newt paul rand  mitch chuck nigel jeremy
gordon tony david ed ken sadiq jacob dominic sajid liam keir wes alex jurgen pep jose
arsene alex wayne cristiano lionel neymar kylian harry prince charles william rupert
elon jeff bill steve tim mark sundar satya sergey larry warren
"""

# Role words that may also begin an organisation's name ("General Motors"), or need the rest
# of a title: stripped before a single name only when the entity is known to be a person.
AMBIGUOUS_ROLES = {
    "general",
    "state",
    "home",
    "health",
    "foreign",
    "interior",
    "finance",
    "defence",
    "defense",
    "chief",
    "head",
    "justice",
    "major",
    "private",
    "labour",
    "democratic",
    "republican",
    "opposition",
    "senior",
    "former",
    "acting",
    "interim",
    "deputy",
    "vice",
    "prime",
    "of",
    "speaker",
    "officer",
    "director",
    "leader",
    "boss",
    "manager",
    "coach",
}

# Offices, which say what someone does, written before a name ("Prime Minister Tony Blair"):
# a description of its own; a rank or a courtesy title alone ("Major-General", "Sir") is not.
_OFFICES = """president premier minister chancellor secretary senator governor mayor ambassador
envoy judge speaker leader chairman chairwoman ceo coach manager director spokesman spokeswoman
spokesperson archbishop bishop cardinal mp mep congressman congresswoman"""
OFFICE_WORDS = frozenset(_OFFICES.split())
# Words that open a sentence before a name and are no part of it: "Former Worldcom boss Bernie
# Ebbers", "Past Congressional Budget Office estimates", "Then Roddick …". "New" opens names
# too ("New York", "New Year"): it is left out only when the text writes the rest alone
# elsewhere and never the whole but at a sentence's start ("New Southampton manager …" beside
# "Southampton"; "New Labour" written mid-sentence stays).
SENTENCE_OPENERS = frozenset(
    [
        "former",
        "past",
        "recent",
        "then",
        "ex",
        "outgoing",
        "incoming",
        "acting",
        "interim",
        "current",
        "latest",
    ]
)
SENTENCE_OPENERS_IF_ALONE = frozenset({"new"})
# Demonyms of two words, split off a person's name as one-word ones are ("New Zealander Graham
# Henry", "South African Ernie Els").
DEMONYM_PAIRS = frozenset(
    tuple(pair.split())
    for pair in (
        "new zealander",
        "new zealanders",
        "new yorker",
        "new yorkers",
        "south african",
        "south africans",
        "north korean",
        "south korean",
        "sri lankan",
        "saudi arabian",
        "puerto rican",
        "costa rican",
        "sierra leonean",
        "northern irishman",
        "northern irishwoman",
    )
)
# Descriptions: the tags of role nouns, and the dependencies of the words before a name.
ROLE_NOUN_TAGS = {"NN", "NNS", "NNP", "NNPS"}
PRE_DEPS = {"compound", "amod", "nmod", "poss", "case", "det", "punct", "nummod", "npadvmod"}

# Names English writes with "the" ("What is the United Nations?", "Where is the United
# Kingdom?"): those of a body or a country named by what it is, a name with "of" in it ("the
# Bank of England") or one that begins "United"; not a brand ("Deutsche Bank", "General
# Motors").
_THE_HEADS = """nations union corps kingdom states republic party council commission assembly
ministry department office agency organisation organization army navy guard guards front
movement committee court parliament senate congress federation emirates netherlands
philippines alliance coalition bureau service forces police brigade brigades authority"""
THE_NAME_HEADS = frozenset(_THE_HEADS.split())
