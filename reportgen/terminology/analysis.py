"""Text analysis shared by every backend, so they index and rank alike.

Elasticsearch's `english` analyzer is: standard tokenizer, possessive filter,
lower case, Lucene's English stop words, Porter stemmer. The tantivy backend
rebuilds that chain from its own parts (simple tokenizer, Snowball English
stemmer); tantivy has no possessive filter, so `normalize` strips possessives
before it indexes or searches. Elasticsearch gets the text as written.
"""

from __future__ import annotations

import re
from functools import lru_cache

import tantivy

from reportgen.terminology.terms import Term

# Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (= Elasticsearch's `_english_`).
STOP_WORDS = (
    "a an and are as at be but by for if in into is it no not of on or such "
    "that the their then there these they this to was will with"
).split()

# Field -> boost: a match in the title counts most, then synonyms, then notes.
FIELDS = {"title": 3.0, "synonyms": 1.0, "notes": 0.5}
_BY_BOOST = sorted(FIELDS.items(), key=lambda item: -item[1])

# Longer queries (a whole note) keep their first distinct words only: 300 words x 3
# fields stays under Elasticsearch's smallest default limit of 1,024 query clauses.
MAX_QUERY_WORDS = 300

_POSSESSIVE = re.compile(r"(\w)['’]s\b")


def normalize(text: str) -> str:
    """Drop possessives ("Crohn's" -> "Crohn") like Lucene's EnglishPossessiveFilter."""
    if "'" not in text and "’" not in text:
        return text  # most text: the substitution's scan costs as much as analysing it
    return _POSSESSIVE.sub(r"\1", text)


SEPARATOR = " ; "  # between the synonyms (and the notes) of one term in its field


def field_texts(term: Term) -> dict[str, str]:
    """The text of each indexed field, as written."""
    return {"title": term.title, "synonyms": SEPARATOR.join(term.synonyms), "notes": SEPARATOR.join(term.notes)}


def wordings_of(fields: dict[str, str]) -> tuple[str, ...]:
    """A term's other wordings from its stored fields (`field_texts` joined them): synonyms, then notes."""
    return tuple(s for name in ("synonyms", "notes") for s in (fields.get(name) or "").split(SEPARATOR) if s)


def english_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(64))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.custom_stopword(STOP_WORDS))
        .filter(tantivy.Filter.stemmer("english"))
        .build()
    )


_ANALYZER = english_analyzer()


def analyze(text: str) -> list[str]:
    return list(_analyzed(text))


@lru_cache(maxsize=100_000)
def _analyzed(text: str) -> tuple[str, ...]:
    # Cached: re-ranking analyzes the same candidate titles query after query.
    return tuple(_ANALYZER.analyze(normalize(text)))


@lru_cache(maxsize=100_000)
def term_set(text: str) -> frozenset[str]:
    # Cached as a set: every hit of a search asks which of its fields the query matched (a pool of POOL a search),
    # and the preferences which of its wordings share a word with the query.
    return frozenset(_analyzed(text))


def bound_query(text: str) -> str:
    """Cap very long queries (whole notes) at MAX_QUERY_WORDS distinct words."""
    words = text.split()
    if len(words) <= MAX_QUERY_WORDS:
        return text
    return " ".join(list(dict.fromkeys(w.lower() for w in words))[:MAX_QUERY_WORDS])


def matched_field(query_terms: set[str], fields: dict[str, str]) -> str:
    """The field whose text shares the most (boosted) analyzed terms with the query."""
    best, best_score = "title", 0.0
    for name, boost in _BY_BOOST:
        if boost * len(query_terms) <= best_score:
            break  # no field from here on could win: their long texts (a code's notes) need no analysis
        score = boost * len(query_terms.intersection(term_set(fields.get(name, ""))))
        if score > best_score:
            best, best_score = name, score
    return best
