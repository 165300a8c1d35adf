"""Article extraction, HTML sanitizing and language identification."""

from newsdesk.extract.article import Extracted, ExtractionError, extract_article
from newsdesk.extract.language import detect_language
from newsdesk.extract.sanitize import html_to_text, sanitize_html

__all__ = [
    "Extracted",
    "ExtractionError",
    "detect_language",
    "extract_article",
    "html_to_text",
    "sanitize_html",
]
