"""Building the de-identifier from settings (once per process; it loads spaCy and word lists)."""

from __future__ import annotations

from collections.abc import Iterable

from reportgen.config import DeidSettings
from reportgen.deid import recognizers as rec
from reportgen.deid.analyzer import build_analyzer
from reportgen.deid.engine import Deidentifier
from reportgen.deid.tagger import DEFAULT_TAGGER, PhiTaggerRecognizer, listed_name, load_tagger, name_like, ordinary_word
from reportgen.deid.vocab import read_site_list
from reportgen.errors import UsageError


def read_key(settings: DeidSettings) -> str | None:
    """The AES key from deid.key_file, else REPORTGEN_DEID_KEY (never from a flag: shells keep history)."""
    if settings.key_file is not None:
        try:
            return settings.key_file.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise UsageError(f"cannot read key file {settings.key_file} ({e.strerror}).", "Check deid.key_file.") from None
    return settings.key.get_secret_value() if settings.key is not None else None


def build_deidentifier(settings: DeidSettings, secret: bytes | None = None) -> Deidentifier:
    deny: dict[str, Iterable[str]] = {
        rec.PERSON: [p for path in settings.person_lists for p in read_site_list(path)],
        rec.LOCATION: [p for path in settings.location_lists for p in read_site_list(path)],
        rec.ID: [p for path in settings.id_lists for p in read_site_list(path)],
    }
    tagger = None
    if settings.use_tagger or settings.tagger is not None:
        tagger = PhiTaggerRecognizer(
            load_tagger(settings.tagger or DEFAULT_TAGGER), reject=ordinary_word, confirm=name_like, alone=listed_name
        )
    analyzer = build_analyzer(None if settings.no_ner else settings.model, deny, tagger)
    key = read_key(settings) if settings.operator == "encrypt" else None
    return Deidentifier(analyzer, settings.operator, key=key, secret=secret)
