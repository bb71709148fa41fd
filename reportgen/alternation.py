"""Regular expressions for any of many phrases, written as a trie.

Python's regex engine tries a plain alternation's phrases one by one at every character of the text:
with a hundred cues or lay terms that is most of the cost of a search. Written as a trie, each
phrase's common beginning with the others is written once, and at most characters only the few first
letters are tried. The boundary before a phrase is checked after its first letter ("n(?<![a-z]n)o"
for a "no" after no letter), so that every branch starts with a literal."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def units(tokens: Sequence[str], joiner: str, before: str | None, after: str | None) -> list[str]:
    """A phrase as regex pieces: its tokens' characters one by one, `joiner` between tokens, `before`
    (a character class the preceding character must not be in) and `after` (a lookahead) when given."""
    pieces: list[str] = []
    for i, token in enumerate(tokens):
        if i:
            pieces.append(joiner)
        pieces.extend(re.escape(char) for char in token)
    if before is not None:
        pieces.insert(1, f"(?<!{before}{pieces[0]})")
    if after is not None:
        pieces.append(after)
    return pieces


def trie(alternatives: Sequence[Sequence[str]]) -> str:
    """One regex for any of `alternatives` (lists of regex pieces, see `units`). Where alternatives part, the
    pieces that consume a character are tried before the assertions that end a phrase: at a position, the
    longest alternative that matches is the one matched, as in a plain alternation sorted longest first."""
    children: dict[str, list[Sequence[str]]] = {}
    ends = False
    for pieces in alternatives:
        if pieces:
            children.setdefault(pieces[0], []).append(pieces[1:])
        else:
            ends = True
    if not children:
        return ""
    branches = [first + trie(rest) for first, rest in sorted(children.items(), key=lambda item: (item[0].startswith("(?"), item[0]))]
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if ends else body


def whole_words(phrases: Iterable[str]) -> re.Pattern[str]:
    """Any of `phrases`, in any case, as whole words (no letter, digit or slash on either side): at a position,
    the longest that matches there ("high blood pressure" before "high blood")."""
    return re.compile(trie([units([phrase], "", r"[\w/]", r"(?![\w/])") for phrase in phrases]), re.IGNORECASE)
