"""--restore-phi: put a note's identifiers back exactly where de-identification replaced them.

A surrogate can be an ordinary word ("White", "Rice"), so restoring every
occurrence of it would turn "white matter disease" into a name. Each
occurrence of a replacement in the generated text is located in the
de-identified note by its surrounding text (longest context first, letter
case ignored: generators capitalize sentences): it is restored only when every
place that context occurs is a replaced span. A model's free text, whose
context is its own, falls back to the replacement alone: the exact string (up
to letter case), whole word, and found nowhere in the note but in replaced
spans. Anything ambiguous stays a surrogate (the report says they are).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from reportgen.report import M, map_note_text

_CONTEXTS = (48, 24, 12, 6, 3)  # characters each side, tried longest first


@dataclass
class Restorer:
    clean: str  # the de-identified note
    replaced: list[tuple[int, int, str]] = field(repr=False)  # sorted, disjoint spans of `clean` that are replacements, and what they replaced
    pairs: dict[str, str] = field(repr=False)  # replacement (lower case) -> original
    original: Callable[[str], str] = field(repr=False, default=str)  # replacement as written -> original

    def __post_init__(self) -> None:
        self._lower = _lower(self.clean)
        self._starts = [span[0] for span in self.replaced]
        alternatives = sorted(self.pairs, key=len, reverse=True)
        words = "|".join(re.escape(a) for a in alternatives)
        self._any_case = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.I) if alternatives else None
        # The replacements exactly as they appear in the note: only these are ever restored.
        found = {m.group() for m in self._any_case.finditer(self.clean) if self._inside(m.start(), m.end())} if self._any_case else set()
        found |= {self.clean[start:end] for start, end, _ in self.replaced if self.clean[start:end].strip()}  # whole spans first
        exact = "|".join(re.escape(s) for s in sorted(found, key=len, reverse=True))
        self._exact = re.compile(rf"(?<!\w)(?:{exact})(?!\w)", re.I) if found else None

    def restore(self, text: str, escape: Callable[[str], str] = str) -> tuple[str, int]:
        """text with the replacements that came from replaced spans put back (each through
        `escape`), and how many were put back."""
        if self._exact is None:
            return text, 0
        count, lower = 0, _lower(text)

        def one(match: re.Match) -> str:
            nonlocal count
            places = self._replaced_places(lower, match.start(), match.end())
            if not places:
                return match.group()
            count += 1
            # A whole replaced span gets back exactly what it replaced; a word of one, its word.
            exact = {self._span(p, p + len(match.group())) for p in places}
            if len(exact) == 1 and (whole := exact.pop()) is not None:
                return escape(whole)
            return escape(self.original(match.group()))

        return self._exact.sub(one, text), count

    def _inside(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start) - 1
        return i >= 0 and self.replaced[i][0] <= start and end <= self.replaced[i][1]

    def _span(self, start: int, end: int) -> str | None:
        """What the replaced span exactly at start:end replaced; None if it is only part of one."""
        i = bisect.bisect_left(self._starts, start)
        return self.replaced[i][2] if i < len(self.replaced) and self.replaced[i][:2] == (start, end) else None

    def _replaced_places(self, lower: str, start: int, end: int) -> list[int]:
        """Where in the note lower[start:end] (the text, lower-cased) stands, if every such place is a
        replaced span; [] if any is not, or it cannot be found."""
        word = lower[start:end]
        for size in _CONTEXTS:
            left, right = lower[max(0, start - size) : start], lower[end : end + size]
            places = [p + len(left) for p in _find_all(self._lower, left + word + right)]
            if places:
                break
        else:  # no context matched (a model's own words): the replacement alone, in any case
            assert self._any_case is not None
            places = [m.start() for m in self._any_case.finditer(self.clean) if _lower(m.group()) == word]
        return places if all(self._inside(p, p + len(word)) for p in places) else []


def _lower(text: str) -> str:
    """Lower case with offsets kept (a few characters grow when lower-cased: those stay as they are)."""
    lower = text.lower()
    return lower if len(lower) == len(text) else "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _find_all(haystack: str, needle: str) -> list[int]:
    places, at = [], haystack.find(needle)
    while at >= 0:
        places.append(at)
        at = haystack.find(needle, at + 1)
    return places


def restore_report(report: M, restore: Callable[[str], tuple[str, int]]) -> tuple[M, int]:
    """The report with identifiers restored in every text field it took from the note, and how many."""
    total = 0

    def one(text: str) -> str:
        nonlocal total
        text, n = restore(text)
        total += n
        return text

    return map_note_text(report, one), total
