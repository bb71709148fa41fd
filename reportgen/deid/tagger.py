"""The trained PHI tagger: a small spaCy NER, registered in Presidio beside the rules and the spaCy NER.

The shipped model (models/phi-tagger, see models/MODEL_CARD.md) is rebuilt by
`python -m reportgen.deid.train`; `deid.tagger` points at a site-retrained one.
Loading fails closed: a missing or unreadable model is a `RuntimeFailure` that
names the file and the rebuild command, never a quiet rules-only run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from presidio_analyzer import EntityRecognizer, RecognizerResult

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


_DAY_WORD = re.compile(r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|(?:mon|tues|wednes|thurs|fri|satur|sun)day|christmas|thanksgiving|easter)")


def plausible(label: str, text: str) -> bool:
    """The shape an identifier of this type can have: a tagger on unfamiliar text sometimes
    runs a span across a line or tags a dose; an age is only an identifier over 89 (HIPAA)."""
    if "\n" in text or len(text) > 60:
        return False
    digits = sum(c.isdigit() for c in text)
    if label == AGE:
        return text.isdigit() and 90 <= int(text) <= 130
    if label == PHONE:
        return digits >= 4
    if label == DATE:
        return digits > 0 or bool(_DAY_WORD.search(text))
    if label == ID:
        return digits >= 3
    if label == PERSON:
        return digits == 0 and any(c.isalpha() for c in text)
    return label == LOCATION and any(c.isalnum() for c in text)


class PhiTaggerRecognizer(EntityRecognizer):
    """Presidio recognizer over the trained tagger; its spans carry its name in the audit.

    `reject(text)` drops a PERSON or LOCATION span that is an ordinary or clinical word
    ("resp", "remains"): the same word filter the rules apply to their uncued hits.
    """

    def __init__(self, nlp, reject: Callable[[str], bool] = lambda text: False):
        self.nlp = nlp
        self.reject = reject
        labels = sorted(nlp.get_pipe("ner").labels)
        super().__init__(supported_entities=labels, name=NAME, supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        doc = self.nlp(text)
        return [
            RecognizerResult(
                ent.label_,
                ent.start_char,
                ent.end_char,
                SCORE,
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
            )
            for ent in doc.ents
            if ent.label_ in entities and plausible(ent.label_, ent.text) and not (ent.label_ in (PERSON, LOCATION) and self.reject(ent.text))
        ]
