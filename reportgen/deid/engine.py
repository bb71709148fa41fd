"""The de-identifier: analyze (batched), resolve overlaps, replace, audit.

`Deidentifier.run(items)` de-identifies many notes at once (spaCy batches
them); each note may bring companion texts (a training pair's reference report)
that are replaced with the same mapping, and a patient key that makes the
mapping (surrogates, date offset, tag numbers) shared by that patient's notes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from faker import Faker

from reportgen.deid.analyzer import Analyzer
from reportgen.deid.expansion import propagate
from reportgen.deid.gender import implied_gender
from reportgen.deid.operators import Mapping, case_like, decrypt_text, make_replacer, normalize
from reportgen.deid.recognizers import PERSON
from reportgen.deid.restore import Restorer
from reportgen.deid.spans import Span, resolve


@dataclass(frozen=True)
class Item:
    """One note to de-identify: its id, text, companion texts and optional patient key."""

    id: str
    text: str
    also: tuple[str, ...] = ()
    patient: str | None = None


@dataclass
class DeidResult:
    text: str
    also: list[str]
    identifiers: list[str] = field(repr=False)  # the originals found: in memory only, never logged or written
    audit: list[dict]  # offsets, types, recognizers, operator: never text
    pairs: dict[str, str] = field(default_factory=dict, repr=False)  # replacement (lower) -> original
    key: str | None = field(default=None, repr=False)  # for encrypt: restore decrypts
    replaced: list[tuple[int, int, str]] = field(default_factory=list, repr=False)  # spans of `text` replaced, and their originals
    _restorer: Restorer | None = field(default=None, init=False, repr=False)

    def restore(self, text: str, escape: Callable[[str], str] = str) -> str:
        """Put the original identifiers back where replacements stand (the clinician's copy)."""
        return self.restore_counted(text, escape)[0]

    def restore_counted(self, text: str, escape: Callable[[str], str] = str) -> tuple[str, int]:
        """restore(), and how many identifiers it put back."""
        if self.key is not None:
            return decrypt_text(text, self.key, escape), text.count("{enc:")
        if self._restorer is None:
            self._restorer = Restorer(self.text, self.replaced, self.pairs, self._original)
        return self._restorer.restore(text, escape)

    def _original(self, replacement: str) -> str:
        original = self.pairs[replacement.lower()]
        return original if replacement.startswith("<") else case_like(replacement, original)  # SMITH -> GREEN -> SMITH


class Deidentifier:
    def __init__(self, analyzer: Analyzer, operator: str = "surrogate", key: str | None = None, secret: bytes | None = None):
        self.analyzer = analyzer
        self.operator = operator
        self.key = key
        # Surrogates and date offsets derive from this: random per run unless given (workers share it).
        self.secret = secret or os.urandom(32)
        self.faker = Faker("en_US")
        self._patients: dict[str, Mapping] = {}
        make_replacer(operator, Mapping(self.secret, "check", self.faker), key)  # bad operator or key: fail now

    @property
    def policy(self) -> str:
        mode = ("ner+patterns" if self.analyzer.ner else "patterns-only") + ("+tagger" if self.analyzer.tagger else "")
        return f"presidio-clinical/{self.operator} ({mode})"

    def run(self, items: Sequence[Item], batch_size: int = 32) -> list[DeidResult]:
        texts = [t for item in items for t in (item.text, *item.also)]
        found = iter(self.analyzer.analyze_many(texts, batch_size=batch_size))
        results = []
        for item in items:
            parts = [(item.text, next(found)), *((t, next(found)) for t in item.also)]
            results.append(self._replace(item, parts))
        return results

    def deidentify(self, text: str, note_id: str = "note", also: Sequence[str] = (), patient: str | None = None) -> DeidResult:
        return self.run([Item(note_id, text, tuple(also), patient)])[0]

    def _mapping(self, item: Item) -> Mapping:
        if item.patient is None:
            return Mapping(self.secret, "note:" + os.urandom(8).hex(), self.faker)
        if item.patient not in self._patients:
            self._patients[item.patient] = Mapping(self.secret, "patient:" + item.patient, self.faker)
        return self._patients[item.patient]

    def _replace(self, item: Item, parts: list[tuple[str, list[Span]]]) -> DeidResult:
        mapping = self._mapping(item)
        spans_per_part = propagate(parts)
        resolved = [(text, resolve(spans, text)) for (text, _), spans in zip(parts, spans_per_part)]
        identifiers = [text[s.start : s.end] for text, spans in resolved for s in spans]
        # Surrogates are never a word of the note ("White" for a name beside "white matter"): restore stays exact.
        mapping.avoid.update(w for text, _ in resolved for w in normalize(text).split())
        for text, spans in resolved:  # surrogate first names keep the gender the text implies
            for s in spans:
                first = normalize(text[s.start : s.end]).split()[:1]
                if s.entity == PERSON and first and first[0] not in mapping.genders:
                    if gender := implied_gender(text, s.start, s.end, first[0]):
                        mapping.genders[first[0]] = gender
        replace = make_replacer(self.operator, mapping, self.key)
        outputs, audit, replaced = [], [], []
        for index, (text, spans) in enumerate(resolved):
            pieces, last, length = [], 0, 0
            for span in spans:
                kept, original = text[last : span.start], text[span.start : span.end]
                new = replace(span.entity, original)
                pieces += [kept, new]
                length += len(kept) + len(new)
                if index == 0:
                    replaced.append((length - len(new), length, original))
                last = span.end
                audit.append(self._record(item.id, index, span))
            outputs.append("".join(pieces) + text[last:])
        return DeidResult(
            text=outputs[0],
            also=outputs[1:],
            identifiers=identifiers,
            audit=audit,
            pairs=dict(mapping.pairs),
            key=self.key if self.operator == "encrypt" else None,
            replaced=replaced,
        )

    def _record(self, note_id: str, part: int, span: Span) -> dict:
        return {
            "note": note_id,
            "part": part,  # 0 the note, 1.. its companion texts
            "entity": span.entity,
            "start": span.start,
            "end": span.end,
            "score": round(span.score, 3),
            "recognizer": span.recognizer,
            "pattern": span.pattern,  # the named pattern that fired (None for NER, neighbours, propagation)
            "operator": self.operator,
            "ner": self.analyzer.ner,
            "tagger": self.analyzer.tagger,
        }
