"""Vocabulary loaders: the shipped ICD-10-CM and Disease Ontology files, and
user vocabularies in JSONL, CSV/TSV (`code,title,synonyms`) or OBO.

Every loader reads the whole file before anything is indexed and reports the
first malformed line by number, so a bad file never leaves a half-built index.
Errors name the file and line, never the line's content.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from reportgen.errors import InputError
from reportgen.resources import corpora_dir
from reportgen.terminology.terms import Corpus, Source, Term

ICD10CM_FILE = "icd10cm/icd10cm-2026.jsonl.gz"
DOID_FILE = "doid/HumanDO.tsv.gz"

HPO_ACKNOWLEDGEMENT = (
    "This product uses the Human Phenotype Ontology (version {version}). "
    "Find out more at http://www.human-phenotype-ontology.org"
)

_FORMAT_HINT = "Fix or remove that line and run `reportgen terms index` again."


def shipped_corpora() -> list[Corpus]:
    base = corpora_dir()
    return [load_icd10cm(base / ICD10CM_FILE), load_doid(base / DOID_FILE)]


def load_icd10cm(path: Path) -> Corpus:
    """ICD-10-CM FY2026: billable codes and categories, inclusion terms as synonyms, "includes" as notes."""
    terms = [
        Term(
            system="icd10cm",
            code=_required(record, "code", path, n),
            title=_required(record, "description", path, n),
            synonyms=tuple(record.get("inclusion_terms") or ()),
            notes=tuple(record.get("includes") or ()),
            billable=bool(record.get("billable")),
        )
        for n, record in _json_lines(path)
    ]
    source = Source(
        system="icd10cm",
        version="FY2026 (April 1, 2026)",
        name=path.name,
        count=len(terms),
        license="US public domain (CDC/NCHS; ICD-10 (c) WHO, adapted with permission)",
        attribution="ICD-10-CM, U.S. National Center for Health Statistics",
    )
    return Corpus(source, terms)


def load_doid(path: Path) -> Corpus:
    """Human Disease Ontology term list (`id, label, subClassOf`)."""
    terms = []
    for n, row in _table_rows(path, delimiter="\t"):
        terms.append(Term(system="doid", code=_required(row, "id", path, n), title=_required(row, "label", path, n)))
    source = Source(
        system="doid",
        version="2026-08-19 (9fbefd6)",
        name=path.name,
        count=len(terms),
        license="CC0 1.0",
        attribution="Human Disease Ontology: Schriml LM et al., Nucleic Acids Research",
    )
    return Corpus(source, terms)


def load_source(path: Path, system: str | None = None) -> Corpus:
    """A user vocabulary, by file suffix (optionally .gz): .jsonl, .csv, .tsv or .obo.

    `system` names the vocabulary; default: a `system` column/field, else the file's stem.
    """
    if not path.is_file():
        raise InputError(f"vocabulary file {path} does not exist.", "Check the --source path.")
    suffix = _suffix(path)
    loaders: dict[str, Callable[[Path, str | None], tuple[list[Term], str]]] = {
        ".jsonl": _user_jsonl,
        ".csv": lambda p, s: _user_table(p, s, ","),
        ".tsv": lambda p, s: _user_table(p, s, "\t"),
        ".obo": _user_obo,
    }
    if suffix not in loaders:
        raise InputError(
            f"vocabulary file {path.name} has an unknown format ({suffix or 'no suffix'}).",
            "Use .jsonl, .csv, .tsv or .obo (optionally gzipped).",
        )
    terms, version = loaders[suffix](path, system)
    if not terms:
        raise InputError(f"vocabulary file {path.name} holds no terms.", "Check the file and its columns.")
    systems = sorted({t.system for t in terms})
    source = Source(system=",".join(systems), version=version, name=path.name, count=len(terms))
    if source.system == "hp":
        source = Source(**{**source.__dict__, "attribution": HPO_ACKNOWLEDGEMENT.format(version=version)})
    return Corpus(source, terms)


def _user_jsonl(path: Path, system: str | None) -> tuple[list[Term], str]:
    terms = [
        Term(
            system=system or str(record.get("system") or _stem(path)),
            code=_required(record, "code", path, n),
            title=_required(record, "title", path, n),
            synonyms=_synonyms(record.get("synonyms"), path, n),
        )
        for n, record in _json_lines(path)
    ]
    return terms, _digest(path)


def _user_table(path: Path, system: str | None, delimiter: str) -> tuple[list[Term], str]:
    terms = [
        Term(
            system=system or row.get("system") or _stem(path),
            code=_required(row, "code", path, n),
            title=_required(row, "title", path, n),
            synonyms=_synonyms(row.get("synonyms"), path, n),
        )
        for n, row in _table_rows(path, delimiter)
    ]
    return terms, _digest(path)


_OBO_SYNONYM = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(EXACT|RELATED|NARROW|BROAD)\b')


def _user_obo(path: Path, system: str | None) -> tuple[list[Term], str]:
    """OBO 1.2 [Term] stanzas: id, name, EXACT/RELATED synonyms; obsolete terms are skipped."""
    terms: list[Term] = []
    header: dict[str, str] = {}
    stanza: dict[str, Any] | None = None
    in_header = True

    def flush() -> None:
        if stanza and not stanza.get("obsolete") and "id" in stanza:
            if "name" not in stanza:
                raise InputError(f"{path.name} line {stanza['line']}: term has no name.", _FORMAT_HINT)
            terms.append(Term("", stanza["id"], stanza["name"], tuple(stanza["synonyms"])))

    for n, line in enumerate(_text_lines(path), start=1):
        line = line.strip()
        if line.startswith("["):
            in_header = False
            flush()
            stanza = {"line": n, "synonyms": []} if line == "[Term]" else None
            continue
        if not line or line.startswith("!"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise InputError(f"{path.name} line {n}: expected 'tag: value'.", _FORMAT_HINT)
        value = value.strip()
        if in_header:
            header[key] = value
        elif stanza is not None:
            if key in ("id", "name"):
                stanza[key] = value
            elif key == "is_obsolete" and value == "true":
                stanza["obsolete"] = True
            elif key == "synonym":
                match = _OBO_SYNONYM.match(value)
                if not match:
                    raise InputError(f"{path.name} line {n}: malformed synonym.", _FORMAT_HINT)
                if match.group(2) in ("EXACT", "RELATED"):
                    stanza["synonyms"].append(match.group(1).replace('\\"', '"'))
    flush()
    system = system or header.get("ontology", "").removesuffix(".obo") or _stem(path)
    terms = [Term(system, t.code, t.title, tuple(s for s in t.synonyms if s.lower() != t.title.lower())) for t in terms]
    version = header.get("data-version", "").rsplit("/", 1)[-1] or _digest(path)
    return terms, version


def _required(record: dict[str, Any], key: str, path: Path, n: int) -> str:
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{path.name} line {n}: missing or empty '{key}'.", _FORMAT_HINT)
    return value.strip()


def _synonyms(value: Any, path: Path, n: int) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(s.strip() for s in value.split("|") if s.strip())
    if isinstance(value, list) and all(isinstance(s, str) for s in value):
        return tuple(s.strip() for s in value if s.strip())
    raise InputError(f"{path.name} line {n}: 'synonyms' must be a string or a list of strings.", _FORMAT_HINT)


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for n, line in enumerate(_text_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(f"{path.name} line {n}: not valid JSON.", _FORMAT_HINT) from None
        if not isinstance(record, dict):
            raise InputError(f"{path.name} line {n}: expected a JSON object.", _FORMAT_HINT)
        yield n, record


def _table_rows(path: Path, delimiter: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO("\n".join(_text_lines(path))), delimiter=delimiter)
    fields = reader.fieldnames or []
    for row in reader:
        n = reader.line_num
        if None in row or any(value is None for value in row.values()):
            raise InputError(
                f"{path.name} line {n}: expected {len(fields)} columns ({', '.join(fields)}).", _FORMAT_HINT
            )
        yield n, {k.strip(): v.strip() for k, v in row.items()}


def _text_lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    if path.suffix == ".gz":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            raise InputError(f"{path.name} is not a valid gzip file.", "Re-download or re-compress it.") from None
    try:
        return raw.decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise InputError(f"{path.name} line {line}: not UTF-8 text.", "Save the file as UTF-8.") from None


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _stem(path: Path) -> str:
    return path.name.split(".")[0].lower()


def _digest(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()[:12]
