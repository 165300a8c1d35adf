"""Article extraction, HTML sanitizing and language identification."""

from newsdesk.extract.article import Extracted, ExtractionError, decode_html, extract_article
from newsdesk.extract.language import detect_language
from newsdesk.extract.sanitize import html_to_text, sanitize_html

__all__ = [
    "Extracted",
    "ExtractionError",
    "decode_html",
    "detect_language",
    "extract_article",
    "html_to_text",
    "sanitize_html",
]
