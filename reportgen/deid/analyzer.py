"""The analyzer: Presidio's AnalyzerEngine over the registered recognizers, batched,
then the clinical filters, the guards and the name expansion, in that order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry

from reportgen.deid.expansion import extend_names
from reportgen.deid.filters import is_shouting, keep, ner_view, trim
from reportgen.deid.guards import unguarded
from reportgen.deid.nlp import DEFAULT_MODEL, load_nlp_engine
from reportgen.deid.registry import all_recognizers
from reportgen.deid.spans import Span


@dataclass
class Analyzer:
    """Presidio's AnalyzerEngine plus batching over many notes and the clinical filters."""

    engine: AnalyzerEngine
    ner: bool
    tagger: bool = False

    def analyze_many(self, texts: Sequence[str], batch_size: int = 32) -> list[list[Span]]:
        nlp = self.engine.nlp_engine
        # Long notes go through spaCy in overlapping windows (it refuses over 1,000,000 characters,
        # and its memory grows with length); spans come back in the note's own offsets.
        windows = [(index, start, end) for index, text in enumerate(texts) for start, end in windows_of(text)]
        views = [ner_view(t) for t in texts] if self.ner else list(texts)
        found: list[set[Span]] = [set() for _ in texts]
        # spaCy's memory grows with the characters in one batch: about two windows' worth at most.
        longest = max((end - start for _, start, end in windows), default=1)
        batch_size = max(1, min(batch_size, 2 * WINDOW // max(1, longest)))
        pieces = nlp.process_batch([views[i][start:end] for i, start, end in windows], "en", batch_size=batch_size)
        for (index, start, end), (_, artifacts) in zip(windows, pieces):
            for r in self.engine.analyze(texts[index][start:end], language="en", nlp_artifacts=artifacts):
                span = Span.from_result(r)
                found[index].add(replace(span, start=span.start + start, end=span.end + start))
        out = []
        for text, raw in zip(texts, found):
            spans = [trim(span, text) for span in sorted(raw, key=lambda s: (s.start, s.end, s.entity))]
            shouting = is_shouting(text)
            kept = unguarded([s for s in spans if s.end > s.start and keep(s, text, shouting)], text)
            out.append(kept + unguarded(extend_names(text, kept), text))
        return out

    def analyze(self, text: str) -> list[Span]:
        return self.analyze_many([text])[0]


WINDOW = 100_000  # characters per spaCy pass
OVERLAP = 1_000  # an identifier cut by one window's end is whole in the next


def windows_of(text: str) -> list[tuple[int, int]]:
    """(start, end) windows covering text, each at most WINDOW long, ending at a line break or a
    space where there is one, each overlapping the one before by about OVERLAP characters."""
    windows, start = [], 0
    while len(text) - start > WINDOW:
        end = start + WINDOW
        low = end - WINDOW // 4
        cut = max(text.rfind("\n", low, end), text.rfind(" ", low, end))
        end = cut + 1 if cut > 0 else end
        windows.append((start, end))
        start = max(end - OVERLAP, start + 1)
        while 0 < start < end and not text[start - 1].isspace() and end - start > OVERLAP // 2:  # start on a word
            start += 1
    windows.append((start, len(text)))
    return windows


def build_analyzer(
    model: str | None = DEFAULT_MODEL, deny: dict[str, Iterable[str]] | None = None, tagger: EntityRecognizer | None = None
) -> Analyzer:
    """model=None: pattern-only (the --no-ner mode); tagger: the trained PHI tagger's recognizer (tagger.py).
    Regexes are case-sensitive: no global IGNORECASE."""
    engine = load_nlp_engine(model)
    recognizers = all_recognizers(model is not None, deny) + ([tagger] if tagger is not None else [])
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"], global_regex_flags=0)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    return Analyzer(engine=analyzer, ner=model is not None, tagger=tagger is not None)
