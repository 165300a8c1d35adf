"""Word lists for nlp.names (names in articles not in English), by language code.

ARTICLES and ADJECTIVE_ENDINGS serve only languages that capitalise every noun: there an
article opens a noun phrase whose first capitalised word is its noun ("eine Menge
Gesundheitsfunktionen"), not a name. TITLES and SPEECH mark a person's name in any language.
"""

# Each a string split on whitespace by nlp.names.
ARTICLES = {
    "de": """der die das den dem des ein eine einen einem einer eines kein keine keinen keinem
        keiner keines dieser diese dieses diesen diesem jeder jede jedes jeden jedem jener
        jene jenes sein seine seinen seinem seiner seines ihr ihre ihren ihrem ihrer ihres
        unser unsere unseren unserem unserer euer eure euren eurem eurer mein meine meinen
        meinem meiner dein deine deinen deinem deiner welche welcher welches dessen deren""",
}
# A preposition and an article in one word: a common noun follows ("im Kanton Bern"), or a
# place's name that is not a city's other name ("am Ramsauer See").
CONTRACTIONS = {"de": "im am zum zur vom beim ins ans"}
# Endings of the (lower-case) adjectives between an article and its noun: "das neue Handy".
ADJECTIVE_ENDINGS = {"de": ("e", "en", "er", "es", "em")}

# Offices and roles written right before a person's name ("Bundeskanzler Olaf Scholz",
# "statsminister Mette Frederiksen", "le président Macron"): the name after one is a person's,
# even a surname alone. Lower case; a German compound counts by its ending (TITLE_ENDINGS:
# "Bundeswirtschaftsminister", "Tesla-Chef").
TITLES = {
    "de": """herr frau dr prof kanzler kanzlerin präsident präsidentin premier papst könig
        königin prinz prinzessin fürst kaiser kronprinz sprecher sprecherin trainer trainerin
        bürgermeister bürgermeisterin abgeordnete abgeordneter vorsitzende vorsitzender
        gründer gründerin autor autorin sänger sängerin schauspieler schauspielerin regisseur
        regisseurin senator senatorin gouverneur gouverneurin ceo kommissar kommissarin
        generalsekretär generalsekretärin botschafter botschafterin pfarrer pfarrerin
        pastor pastorin bischof bischöfin kardinal""",
    "da": """hr fru statsminister minister formand formanden næstformand præsident
        præsidenten direktør borgmester ordfører chef topchef træner landstræner forfatter
        sanger skuespiller instruktør generalsekretær kong dronning prins prinsesse kronprins
        kronprinsesse biskop professor ambassadør""",
    "nb": """statsminister minister leder president presidenten direktør ordfører sjef trener
        landslagssjef forfatter konge kong dronning prins prinsesse kronprins professor""",
    "sv": """statsminister minister ordförande president presidenten direktör chef tränare
        förbundskapten författare kung drottning prins prinsessa kronprinsessan professor""",
    "nl": """premier minister president burgemeester voorzitter koning koningin directeur
        trainer bondscoach staatssecretaris minister-president prins prinses professor""",
    "fr": """m mme président présidente ministre premier député députée sénateur sénatrice
        maire directeur directrice entraîneur roi reine pape chancelier chancelière
        porte-parole patron patronne secrétaire prince princesse""",
    "es": """presidente presidenta ministro ministra alcalde alcaldesa director directora
        entrenador rey reina papa canciller portavoz diputado diputada senador senadora
        secretario secretaria don doña príncipe princesa""",
    "it": """presidente ministro ministra premier sindaco direttore direttrice allenatore re
        regina papa cancelliere portavoce segretario senatore deputato principe""",
    "pt": """presidente ministro ministra prefeito governador técnico treinador rei rainha
        papa chanceler porta-voz deputado senador secretário""",
    "pl": """prezydent prezydenta premier premiera minister ministra pan pani prezes prezesa
        marszałek burmistrz papież król królowa rzecznik""",
}
# Titles of address among TITLES: they mark a person's name but describe no one ("Herr
# Lindner" is no office, "Bundeskanzler Scholz" is).
HONORIFICS = "herr herrn frau dr prof hr fru m mme don doña pan pani"
TITLE_ENDINGS = {
    "de": """minister ministerin kanzler kanzlerin präsident präsidentin chef chefin sprecher
        sprecherin trainer trainerin bürgermeister bürgermeisterin vorsitzende vorsitzender
        kommissar kommissarin sekretär sekretärin direktor direktorin richter richterin
        abgeordnete abgeordneter""",
    "da": "minister ministeren formand direktør chef præsident ordfører",
    "nb": "minister ministeren leder direktør sjef president",
    "sv": "minister ministern ordförande direktör chef president",
    "nl": "minister voorzitter directeur president",
}
# Words beside a speaker's name: verbs of speech on either side ("Scholz sagte", "sagte
# Scholz", "siger Frederiksen"), and SPEAKER_BEFORE right before it after a comma (", so
# Scholz"; "verschaffen ihnen so Gehör" is no speaker). Not "laut" or "ifølge": organisations
# and documents are as often what is cited ("laut Bloomberg").
SPEECH = {
    "de": "sagte sagt betonte betont meinte meint schrieb schreibt",
    "da": "siger sagde udtaler udtalte skriver skrev mener mente fortæller fortalte",
    "nb": "sier sa uttaler uttalte skriver skrev mener mente forteller fortalte",
    "sv": "säger sa sade uttalar skriver skrev menar anser berättar",
    "nl": "zegt zei verklaarde schrijft schreef meent",
    "fr": "déclare déclaré dit affirme affirmé estime explique expliqué",
    "es": "dijo dice afirmó afirma aseguró declaró explicó",
    "it": "detto dice afferma affermato dichiarato spiega spiegato",
    "pt": "disse diz afirmou afirma declarou explicou",
    "pl": "powiedział powiedziała mówi stwierdził stwierdziła",
}
SPEAKER_BEFORE = {"de": "so"}
# Given names: Faker's lists of the names people are given in these countries (national
# statistics offices' and registries' most common names; the `faker` package, MIT), in Latin
# letters (Japan's romanized), with the English lexicon's (entities.MALE_NAMES, FEMALE_NAMES).
GIVEN_NAME_LOCALES = """da_DK de_DE de_AT de_CH fr_FR fr_BE fr_CH es_ES es_MX es_AR es_CL es_CO
it_IT pt_BR pt_PT nl_NL nl_BE sv_SE no_NO fi_FI pl_PL cs_CZ en_US en_GB en_IE tr_TR en_IN ja_JP"""
