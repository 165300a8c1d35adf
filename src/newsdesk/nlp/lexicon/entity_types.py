"""Word lists that correct the statistical NER's entity types and boundaries (used by
newsdesk.nlp.entities, ``_refine``). Data only: word lists as whitespace-separated words (the
module splits them), sets and dicts as written; each list says where it came from.

Measured with bench/entities.py on bench/data/entity-types.json (dev split).
"""

# Nationalities, demonyms and group names (spaCy's NORP): a capitalised word of this list is
# never a person, place or organisation on its own, and "Briton Karl Keska" is a demonym + a
# person. Written for this module from the English demonyms of the UN member states (adjective,
# singular and plural nouns) plus the group names the dev articles use.
DEMONYM_WORDS = """afghan afghans albanian albanians algerian algerians american americans angolan argentine
    argentinian argentinians armenian armenians australian australians austrian austrians
    azerbaijani azerbaijanis azeri bahraini bangladeshi belarusian belgian belgians bolivian
    bosnian brazilian brazilians british briton britons bulgarian burmese cambodian cameroonian
    canadian canadians chilean chinese colombian congolese croat croatian croatians cuban cypriot
    czech czechs dane danes danish dutch ecuadorian egyptian egyptians emirati english englishman
    eritrean estonian ethiopian ethiopians european europeans filipino finn finnish french
    frenchman georgian german germans ghanaian greek greeks guatemalan haitian honduran hungarian
    icelandic indian indians indonesian iranian iranians iraqi iraqis irish irishman israeli
    israelis italian italians ivorian jamaican japanese jordanian kazakh kenyan kenyans korean
    koreans kosovan kurd kurds kurdish kuwaiti kyrgyz latvian lebanese liberian libyan
    libyans lithuanian macedonian malaysian malian maltese mexican mexicans moldovan mongolian
    montenegrin moroccan mozambican namibian nepalese nigerian nigerians norwegian pakistani
    pakistanis palestinian palestinians panamanian paraguayan persian peruvian polish pole poles
    portuguese qatari romanian romanians russian russians rwandan rwandans salvadoran saudi
    saudis scot scots scottish senegalese serb serbs serbian singaporean slovak slovenian somali
    somalis spaniard spaniards spanish sudanese swede swedes swedish swiss syrian syrians
    taiwanese tajik tanzanian thai tunisian turk turks turkish turkmen ugandan ukrainian
    ukrainians uruguayan uzbek venezuelan vietnamese welsh yemeni zambian zimbabwean
    arab arabs asian asians african africans latino jewish jews muslim muslims
    catholic catholics protestant hindu hindus sikh buddhist sunni sunnis shia
    shiite shiites alawite druze houthi houthis hutu hutus tutsi tutsis pashtun baluch
"""

# Role nouns that name a person's post: "<role> X" and "X, Russia's UN <role>," make X a person.
# From newsdesk.nlp.lexicon.entities.ROLE_WORDS (the nouns only) plus the jobs in news copy.
PERSON_ROLE_WORDS = """president minister premier chancellor secretary senator congressman congresswoman
    governor mayor general commander admiral marshal colonel captain sergeant officer judge
    ambassador envoy diplomat bishop archbishop cardinal rabbi imam sheikh ayatollah deputy
    speaker leader spokesman spokeswoman spokesperson chairman chairwoman ceo coach manager boss
    striker midfielder defender goalkeeper inspector superintendent detective constable
    attorney director head actor actress singer star presenter designer analyst economist
    founder owner chief executive player captain winger forward
"""
# Jobs that describe a person written before the name ("Novelist Andrea Levy"), beside the
# role nouns above. Kept apart from them: a role noun is no tag on its own, a job may be a
# topic ("Greek sprinters" is #Sprinters).
OCCUPATION_WORDS = """novelist author writer poet playwright composer artist painter sculptor
    photographer journalist reporter columnist editor comedian dancer musician rapper guitarist
    pianist producer sprinter hurdler athlete cyclist swimmer boxer jockey golfer
"""

# Last words of organisation names ("Falic Group", "London Stock Exchange", "Hansard Society").
ORG_HEAD_WORDS = """group holdings inc ltd plc co corp corporation company society commission council office
    ministry department university institute foundation bank exchange securities agency party
    association federation committee court army corps police airlines airways motors network
    broadcasting club fc united bureau board authority service services trust fund school college centre center
"""
# Head nouns of descriptions that make a one-word "person" a company or body: "embattled
# Russian oil giant Yukos", "the mobile operator O2", "the Japanese carmaker Toyota".
ORG_DESCRIPTION_HEADS = """giant firm firms company companies group maker makers carmaker manufacturer
    producer retailer supermarket chain operator carrier airline insurer lender bank broadcaster
    network publisher developer supplier distributor conglomerate multinational brand label studio
    agency regulator watchdog charity organisation organization body union club team telco side
"""
# Head nouns that, written right before a name and attached to it, make it a work or a product
# ("road trip comedy Sideways", "the hit film Pirates of the Caribbean"): never a person
# or a place. Nouns that are also verbs before a name ("play", "show", "book") are left out.
WORK_DESCRIPTION_HEADS = """film movie comedy drama thriller sitcom documentary series programme album song
    novel musical opera videogame console handset browser software worm virus drug
"""
# Jobs on a work or in a body: a name written right before one and a person's name ("Evil Dead
# director Sam Raimi", "Chelsea manager Jose Mourinho") is the work's or the body's, not a
# person's ("Blair aide Matthew Taylor" names two people: aide is no such job).
WORK_JOBS = frozenset({"director", "author", "writer", "producer", "creator", "star", "composer"})
BODY_JOBS = frozenset(
    {"boss", "chief", "manager", "coach", "chairman", "founder", "owner", "executive", "ceo"}
    | {"striker", "midfielder", "defender", "goalkeeper", "captain", "winger", "player"}
)
# First words of organisation names that take a complement ("Department for Education and
# Skills"): such a name goes on over "and <Capitalised>" when the NER cut it there.
ORG_COMPLEMENT_HEADS = {
    "department",
    "ministry",
    "institute",
    "office",
    "commission",
    "council",
    "committee",
    "foundation",
    "society",
    "school",
    "college",
    "university",
    "centre",
    "center",
    "agency",
    "bureau",
    "board",
}

# Last words of events, awards and competitions (spaCy EVENT; "Tony Award", "Davis Cup").
EVENT_HEAD_WORDS = """award awards prize prizes cup open games olympics championship championships trophy
    festival globes oscars tournament marathon
"""
# Names typed by a list because the small model types them wrongly in news copy (awards and
# competitions named in the BBC dev articles and their close kin).
KNOWN_TYPES = {
    "oscar": "EVENT",
    "oscars": "EVENT",
    "bafta": "EVENT",
    "baftas": "EVENT",
    "emmy": "EVENT",
    "emmys": "EVENT",
    "grammy": "EVENT",
    "grammys": "EVENT",
    "golden globe": "EVENT",
    "golden globes": "EVENT",
    "six nations": "EVENT",
    "grand slam": "EVENT",
    "grand slams": "EVENT",
    # platforms and companies the small model reads as people or places ("on Twitter": PERSON,
    # "on Netflix": GPE); one word only, so "Nikola Tesla" stays a person
    "twitter": "ORG",
    "snapchat": "ORG",
    "instagram": "ORG",
    "youtube": "ORG",
    "tiktok": "ORG",
    "whatsapp": "ORG",
    "linkedin": "ORG",
    "reddit": "ORG",
    "netflix": "ORG",
    "spotify": "ORG",
    "tesla": "ORG",
}

# Last words of place names, which a person's first name may begin ("Victoria Falls").
PLACE_HEAD_WORDS = """falls beach river lake street road avenue square park bay island islands mountain
    mountains county city valley airport station bridge hospital line hall heights sea ocean
    gulf strait canal province state district
"""

# Prepositions that place a name (issue 12: "Natanz" typed an organisation): a mention after one
# of them that follows a place noun ("the plant at Natanz") or precedes one ("inside the Natanz
# facility"; nouns: lexicon.profiles.PLACE_NOUNS) votes "place" for its entity.
PLACE_PREPOSITIONS = frozenset({"in", "at", "near", "inside", "outside", "within", "around"})

# Nouns a name qualifies as a maker's or a product's, never a person's ("Mini models", "the
# Maserati brand", "the Mini factory"): a "person" mention right before one votes "other".
PRODUCT_NOUNS = frozenset(
    {"model", "models", "brand", "brands", "marque", "car", "cars", "vehicle", "vehicles"}
    | {"range", "factory", "plant", "production", "sales", "dealership", "dealerships"}
)

# Titles that are also given names ("Amir Saeid Iravani"): never stripped from a name, never an
# entity on their own ("HH the Amir").
NAME_TITLES = {"amir", "emir"}

# Name particles that join a hyphenated surname ("Bashar al-Assad", "Mohammed bin-Salman").
NAME_PARTICLES = {"al", "el", "ul", "bin", "ibn", "bint", "abu", "abd", "ben", "ould"}
