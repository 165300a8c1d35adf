"""Word lists for nlp.names (names in articles not in English), by language code.

Only languages that capitalise every noun need them: there an article opens a noun phrase
whose first capitalised word is its noun ("eine Menge Gesundheitsfunktionen"), not a name.
"""

# Split on whitespace by nlp.names.
ARTICLES = {
    "de": """der die das den dem des ein eine einen einem einer eines kein keine keinen keinem
        keiner keines dieser diese dieses diesen diesem jeder jede jedes jeden jedem jener
        jene jenes sein seine seinen seinem seiner seines ihr ihre ihren ihrem ihrer ihres
        unser unsere unseren unserem unserer euer eure euren eurem eurer mein meine meinen
        meinem meiner dein deine deinen deinem deiner welche welcher welches""",
}
# Endings of the (lower-case) adjectives between an article and its noun: "das neue Handy".
ADJECTIVE_ENDINGS = {"de": ("e", "en", "er", "es", "em")}
