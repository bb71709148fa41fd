"""The trained PHI tagger: a small spaCy NER, registered in Presidio beside the rules and the spaCy NER.

The shipped model (models/phi-tagger, see models/MODEL_CARD.md) is rebuilt by
`python -m reportgen.deid.train`; `deid.tagger` points at a site-retrained one. It reads
the text spaCy's NER reads (`filters.ner_view`), so lower-case prose naming no one costs nothing.
Loading fails closed: a missing or unreadable model is a `RuntimeFailure` that
names the file and the rebuild command, never a quiet rules-only run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from presidio_analyzer import EntityRecognizer, RecognizerResult

from reportgen.deid.filters import ner_view
from reportgen.deid.recognizers import AGE, DATE, ID, LOCATION, PERSON, PHONE
from reportgen.errors import RuntimeFailure

DEFAULT_TAGGER = Path(__file__).resolve().parent / "models" / "phi-tagger"
REBUILD = "Rebuild it with `python -m reportgen.deid.train` (or point deid.tagger at a trained model)."
# Tokens split between letters and digits, so a date glued to an abbreviation ("CXR7/22") is its own token.
EXTRA_INFIXES = (r"(?<=[A-Za-z])(?=\d)", r"(?<=\d)(?=[A-Za-z])")
NAME = "PhiTaggerRecognizer"
# Below the cued patterns (0.5-0.9) and above spaCy's NER (0.35): Presidio keeps the higher of nested same-type hits.
SCORE = 0.45


def new_pipeline(width: int, depth: int, embed_size: int):
    """A blank English pipeline with the tagger's tokenizer and an untrained NER (for training)."""
    import spacy
    from spacy.util import compile_infix_regex

    nlp = spacy.blank("en")
    nlp.tokenizer.infix_finditer = compile_infix_regex([*nlp.Defaults.infixes, *EXTRA_INFIXES]).finditer
    tok2vec = {
        "@architectures": "spacy.HashEmbedCNN.v2",
        "pretrained_vectors": None,
        "width": width,
        "depth": depth,
        "embed_size": embed_size,
        "window_size": 1,
        "maxout_pieces": 3,
        "subword_features": True,
    }
    model = {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": 64,
        "maxout_pieces": 2,
        "use_upper": True,
        "tok2vec": tok2vec,
    }
    nlp.add_pipe("ner", config={"model": model})
    return nlp


def load_tagger(path: Path):
    """The trained pipeline at `path`; RuntimeFailure naming the missing or corrupt file otherwise."""
    import spacy

    for name in ("config.cfg", "meta.json", "ner/model", "tokenizer"):
        if not (path / name).exists():
            raise RuntimeFailure(f"the PHI tagger model file {path / name} is missing.", REBUILD)
    try:
        nlp = spacy.load(path)
    except Exception as e:  # any unreadable part: refuse, never fall back to rules only
        raise RuntimeFailure(f"the PHI tagger model at {path} cannot be loaded ({type(e).__name__}).", REBUILD) from None
    if nlp.pipe_names != ["ner"]:
        raise RuntimeFailure(f"the PHI tagger model at {path} is not a tagger (pipes: {', '.join(nlp.pipe_names)}).", REBUILD)
    return nlp


# What may sit beside the digits of a date or a phone ("July 4th", "Mon 3/2", "x204", "ext. 5").
_DATE_WORDS = re.compile(
    r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun|christmas|thanksgiving|easter)[a-z]*\.?|(?<=\d)(?:st|nd|rd|th|s)\b|\bof\b"
)
_PHONE_WORDS = re.compile(r"(?i)(?:\b|(?<=\d))(?:ext(?:ension)?\.?|x)(?=\s*\d)")
_AGE_AFTER = re.compile(r"\s*-?\s*(?i:y\b|yo|y/o|y\.o|yr|year)")
_AGE_BEFORE = re.compile(r"(?i)\bage[d]?\s*:?\s*$")
# Numeric shapes a tagged phone or date must have: ranges ("280-320"), clock times ("2200") and
# vent settings ("10/650/.50") are what a tagger misreads in bedside notes.
_PHONE_SHAPE = re.compile(
    r"(?:\+?1[\s.-]?)?(?:\(?\d{3}\)?[\s./-]?)?\d{3}[\s.-]?\d{4}(?:\s*(?i:x|ext\.?|extension)\s*\d{1,5})?"
)
_M, _D = r"(?:0?[1-9]|1[0-2])", r"(?:0?[1-9]|[12]\d|3[01])"
_NUMERIC_DATE = re.compile(
    rf"{_M}/{_D}(?:/(?:\d\d|(?:19|20)\d\d))?|{_M}([.-]){_D}\1(?:\d\d|(?:19|20)\d\d)|{_M}/(?:\d\d|(?:19|20)\d\d)|(?:19|20)\d\d-\d\d-\d\d|(?:19\d\d|20[0-3]\d)s?|'\d\d|\d\d'"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
_EDGE = " \t:;,."  # "MRN: 12345" tagged as ": 12345"


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE and not text[start:end].endswith(("Jr.", "Sr.", "St.")):
        end -= 1
    return start, end
_TOKEN = re.compile(r"[^\s,;:]+")


def plausible(label: str, text: str, start: int, end: int) -> bool:
    """Whether text[start:end] has a shape an identifier of this type can have.

    A tagger on unfamiliar text sometimes runs a span across a line, tags a ventilator
    setting as a date or a heart rate as an age; these shapes rule that out. An age is an
    identifier only over 89 (HIPAA) and only as an age ("92 yo", "aged 95").
    """
    span = text[start:end]
    if "\n" in span or len(span) > 60:
        return False
    digits = sum(c.isdigit() for c in span)
    if label == AGE:
        return span.isdigit() and 90 <= int(span) <= 130 and bool(_AGE_AFTER.match(text, end) or _AGE_BEFORE.search(text, max(0, start - 8), start))
    if label == PHONE:  # pagers (4-5 digits) are left to the rules, which see "pager" or "beeper"
        return _PHONE_SHAPE.fullmatch(span.strip("()")) is not None or _PHONE_SHAPE.fullmatch(span) is not None
    if label == DATE:
        if _DATE_WORDS.search(span):  # "July 4th, 2019", "Mon 3/2"
            return not re.search("[A-Za-z]", _DATE_WORDS.sub("", span))
        return _NUMERIC_DATE.fullmatch(span) is not None
    if label == ID:  # no range, list or ratio ("400-500", "124, 27", "95-130/60-70")
        if re.search(r"[/,]|^\D*\d{1,4}\s*-\s*\d{1,4}$", span):
            return False
        return digits >= 5 and all(len(w) <= 3 for w in re.findall(r"\b[A-Za-z]+\b", span))
    if label == PERSON:  # initials alone are left to the rules, which see their cue ("WF/jk", "J. Yi")
        return digits == 0 and any(len(w) >= 3 for w in _WORD.findall(span))
    return label == LOCATION and any(c.isalnum() for c in span)


def ordinary_word(word: str) -> bool:
    """A word the tagger's PERSON/LOCATION spans may not consist of: the rules' clinical and common
    words, and everyday English unless Title-case ("green", "SMALL"; "Rose Green" stays)."""
    from reportgen.deid.vocab import everyday_english
    from reportgen.deid.wordtests import is_common_word

    return is_common_word(word) or (not word.istitle() and word.lower() in everyday_english())


def name_like(word: str, text: str) -> bool:
    """A word that can carry a tagged name or place: in the general name or place lists, or
    Title-case and no English or clinical word in a note not written in capitals ("Certusi")."""
    from reportgen.deid.filters import is_shouting
    from reportgen.deid.vocab import clinical_words, english_words, general_names, general_places

    w = word.lower().strip(".'")
    if w in general_names() or w in general_places().all:
        return True
    return word.istitle() and w not in english_words() and w not in clinical_words() and not is_shouting(text)


def listed_name(word: str) -> bool:
    """A word that may be a tagged name or place on its own: in the general name or place lists and
    no English or clinical word ("Lucy", not "Green", "mech", "Lacrilube")."""
    from reportgen.deid.vocab import clinical_words, english_words, general_names, general_places

    w = word.lower().strip(".'")
    return (w in general_names() or w in general_places().all) and w not in english_words() and w not in clinical_words()


class PhiTaggerRecognizer(EntityRecognizer):
    """Presidio recognizer over the trained tagger; its spans carry its name in the audit.

    A PERSON or LOCATION span loses the words at its edges that `reject(word)` calls ordinary
    ("resp", "remains": the word filter the rules use) and needs one word that
    `confirm(word, text)` accepts (`name_like`), and a span of one word needs `alone(word)`
    (`listed_name`): on bedside shorthand a tagger trained on synthetic notes takes unknown
    abbreviations, drugs and words for names ("mech", "Nepro", "GREEN"), and the lists tell them apart.
    """

    def __init__(
        self,
        nlp,
        reject: Callable[[str], bool] = lambda word: False,
        confirm: Callable[[str, str], bool] = lambda word, text: True,
        alone: Callable[[str], bool] = lambda word: True,
    ):
        self.nlp = nlp
        self.reject = reject
        self.confirm = confirm
        self.alone = alone
        labels = sorted(nlp.get_pipe("ner").labels)
        super().__init__(supported_entities=labels, name=NAME, supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        for ent in self.nlp(ner_view(text)).ents:  # the sentences spaCy sees: lower-case prose naming no one is blanked
            if ent.label_ not in entities:
                continue
            start, end = _strip(text, ent.start_char, ent.end_char)
            if ent.label_ in (PERSON, LOCATION):
                start, end = self._trim(text, start, end)
                words = _WORD.findall(text, start, end)
                if not any(self.confirm(w, text) for w in words) or (len(words) == 1 and not self.alone(words[0])):
                    continue
            if start < end and plausible(ent.label_, text, start, end):
                results.append(RecognizerResult(ent.label_, start, end, SCORE, recognition_metadata=self._meta()))
        return results

    def _trim(self, text: str, start: int, end: int) -> tuple[int, int]:
        """Without the ordinary words at its edges: "Rita Hickey aware" -> "Rita Hickey", "sinus r. rate" -> nothing."""
        tokens = list(_TOKEN.finditer(text, start, end))
        while tokens and self._ordinary(tokens[0].group()):
            tokens.pop(0)
        while tokens and self._ordinary(tokens[-1].group()):
            tokens.pop()
        if not tokens or (not any(len(w) >= 2 for t in tokens for w in _WORD.findall(t.group())) and not any(c.isdigit() for t in tokens for c in t.group())):
            return start, start
        return tokens[0].start(), tokens[-1].end()

    def _ordinary(self, token: str) -> bool:
        word = token.strip(".'-()&")
        return not word or (word.isalpha() and self.reject(word))

    def _meta(self) -> dict:
        return {RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
