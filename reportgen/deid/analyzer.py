"""The analyzer: Presidio's AnalyzerEngine over the registered recognizers, batched,
then the clinical filters, the guards and the name expansion, in that order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

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

    def analyze_many(self, texts: Sequence[str], batch_size: int = 32) -> list[list[Span]]:
        nlp = self.engine.nlp_engine
        out = []
        views = [ner_view(t) for t in texts] if self.ner else list(texts)
        for text, (_, artifacts) in zip(texts, nlp.process_batch(views, "en", batch_size=batch_size)):
            results = self.engine.analyze(text, language="en", nlp_artifacts=artifacts)
            spans = [trim(Span.from_result(r), text) for r in results]
            shouting = is_shouting(text)
            kept = unguarded([s for s in spans if s.end > s.start and keep(s, text, shouting)], text)
            out.append(kept + unguarded(extend_names(text, kept), text))
        return out

    def analyze(self, text: str) -> list[Span]:
        return self.analyze_many([text])[0]


def build_analyzer(model: str | None = DEFAULT_MODEL, deny: dict[str, Iterable[str]] | None = None) -> Analyzer:
    """model=None: pattern-only (the --no-ner mode). Regexes are case-sensitive: no global IGNORECASE."""
    engine = load_nlp_engine(model)
    registry = RecognizerRegistry(recognizers=all_recognizers(model is not None, deny), supported_languages=["en"], global_regex_flags=0)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    return Analyzer(engine=analyzer, ner=model is not None)
