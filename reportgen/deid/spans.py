"""Detected spans and overlap resolution.

Overlapping detections corrupt anonymized output and break decryption, so they
are resolved before any operator runs: the longest span wins (ties: the higher
score), and spans of the same entity that overlap or touch across whitespace
are merged ("John" + "Smith" -> "John Smith").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace

from presidio_analyzer import RecognizerResult

from reportgen.deid.recognizers import PATTERN_KEY


@dataclass(frozen=True)
class Span:
    entity: str
    start: int
    end: int
    score: float
    recognizer: str
    pattern: str | None = None  # the named pattern that fired, for pattern recognizers

    @classmethod
    def from_result(cls, r: RecognizerResult) -> Span:
        meta = r.recognition_metadata or {}
        name = meta.get(RecognizerResult.RECOGNIZER_NAME_KEY, "unknown")
        return cls(r.entity_type, r.start, r.end, r.score, name, meta.get(PATTERN_KEY))


def resolve(spans: list[Span], text: str) -> list[Span]:
    """Non-overlapping spans in text order."""
    # Same-entity merging first, so "Dr" + "Smith" pieces become one span before competing.
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.entity, s.start, -s.end)):
        last = merged[-1] if merged else None
        if last and last.entity == span.entity and _touching(last, span, text):
            merged[-1] = replace(last, end=max(last.end, span.end), score=max(last.score, span.score))
        else:
            merged.append(span)
    # Then the longest of overlapping spans of different entities wins; what sticks out of
    # the winners is kept (losing it would put identifier text back in the output).
    # The chosen spans are disjoint: kept in text order, a span meets only those bisect finds
    # (comparing with every chosen span made an identifier-dense 1 MB note quadratic).
    chosen: list[Span] = []
    starts: list[int] = []
    ends: list[int] = []
    for span in sorted(merged, key=lambda s: (-(s.end - s.start), -s.score, s.start)):
        pieces = [(span.start, span.end)]
        for c in chosen[bisect_right(ends, span.start) : bisect_left(starts, span.end)]:
            pieces = [p for start, end in pieces for p in ((start, min(end, c.start)), (max(start, c.end), end)) if p[0] < p[1]]
        for a, b in pieces:
            if any(ch.isalnum() for ch in text[a:b]):
                i = bisect_left(starts, a)
                chosen.insert(i, replace(span, start=a, end=b))
                starts.insert(i, a)
                ends.insert(i, b)
    return chosen


def _touching(a: Span, b: Span, text: str) -> bool:
    """b starts inside a, or right after it with only spaces between (not across a line)."""
    if b.start <= a.end:
        return True
    gap = text[a.end : b.start]
    return len(gap) <= 2 and gap.strip(" ") == ""
