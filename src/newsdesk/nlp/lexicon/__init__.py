"""Word lists and rules of the text analysis, kept as data (no logic): one module per analyser."""
