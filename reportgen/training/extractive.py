"""Training the model-free generator's sentence tagger (`reportgen train --method extractive`).

pairs -> de-identified note and report (same surrogates) -> note sentences
(`generation.dialogue`), long unpunctuated turns cut by a segmenter learnt from
the punctuated ones (`generation.segment`) -> labels by aligning them to the report's sections
(`generation.align`) -> features (`generation.tagger`), with a full note's own sentences labelled
by their section beside the transcript's -> logistic regression -> one safetensors file. CPU only;
the 67 ACI-Bench + 1,201 MTS-Dialog training pairs take a few minutes, most of it de-identification.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from reportgen.config import Settings
from reportgen.data import file_sha256, read_pairs
from reportgen.errors import UsageError
from reportgen.generation import excerpt, segment, tagger, wordvectors
from reportgen.generation.align import NONE, labels
from reportgen.generation.dialogue import Sentence, is_transcript, sentences, words
from reportgen.generation.excerpt import FULL
from reportgen.generation.wording import prepare, written
from reportgen.layout import Layout, load_layout
from reportgen.terminology.encoder import installed_encoder

FOLDS = 3
THRESHOLDS = (0.45, 0.55, 0.6, 0.65, 0.7, 0.75, 0.85)
PRIOR_POWERS = (0.0, 0.4, 0.8, 1.2)  # how strongly a sentence's section is weighed against the section's frequency
# P(section) a left-out sentence needs to fill a division the tagger left empty (None: never fill)
DIVISION_FLOORS = (None, 0.01, 0.02, 0.05)
# Longest median held-out draft, as a multiple of the reference, a choice may write. A report should stay
# within 1.5x of the note clinicians write; the Markdown users get is ~1.2x the draft (headers, problem list,
# extracted data; ACI-Bench train), so 1.0 leaves ~0.3x for held-out visits that run longer than cross-validation
# says (the previous model: 1.03x here, 1.52x in Markdown on ACI-Bench valid).
MAX_LENGTH = 1.0
EXCERPT_C = (4.0, 16.0, 64.0)  # inverse regularisation of the excerpt classifier, chosen by cross-validation


@dataclass
class ExtractiveResult:
    output: Path
    model: tagger.TaggerModel
    sentences: int
    content: int  # sentences labelled with a section


def train_extractive(
    data: Path,
    output: Path,
    settings: Settings,
    *,
    overwrite: bool = False,
    limit: int | None = None,
    deidentify: bool = True,
    say: Callable[[str], None] = print,
) -> ExtractiveResult:
    if output.exists() and not overwrite:
        raise UsageError(f"{output} already exists.", "Pass --overwrite to replace it, or choose another -o.")
    if output.suffix != ".safetensors":
        raise UsageError(f"{output} must end in .safetensors (the extractive model is one file).", "Choose -o NAME.safetensors.")
    pairs = read_pairs(data)[:limit]
    layout = load_layout(settings.generate.layout, settings.generate.templates_dir)
    deidentifier = None
    if deidentify:
        from reportgen.deid import Item, build_deidentifier

        # Surrogates seeded from the data (never from its published sha256), one mapping per pair: a retrain on
        # the same file labels the same text, so it writes the same model.
        secret = hashlib.sha256(b"reportgen extractive training surrogates\0" + data.read_bytes()).digest()
        deidentifier = build_deidentifier(settings.deid, secret=secret)
    else:
        say("Warning: de-identification is off; this model will be trained on text that was not de-identified.")
    say(f"Labelling the sentences of {len(pairs)} pairs (de-identify, split, align to the report) ...")
    start = time.perf_counter()
    texts: list[tuple[str, str]] = []
    for pair in pairs:
        note, report = pair.note, pair.report
        if deidentifier is not None:
            result = deidentifier.run([Item(pair.id, note, (report,), settings.deid.patient_key or f"pair {pair.id}")])[0]
            note, report = result.text, result.also[0]
        texts.append((note, report))
    said = [sentences(note) for note, _ in texts]
    segmenter = segment.fit(said)
    labelled: list[_Labelled] = []
    for (note, report), uncut in zip(texts, said):
        raw = segmenter.split(uncut)
        items = prepare(raw)
        sections = layout.section_texts(report)
        topic = (next(iter(sections)) if len(sections) == 1 else FULL) if sections and is_transcript(raw) else None
        ys = labels([written(s) for s in items], report, layout)
        by_section = section_examples(topic, items, ys, sections)
        tokens = words(items)
        labelled.append(_Labelled(note, report, tagger.features(items, tokens), tokens, ys, excerpt.terms(raw), excerpt.text(raw),
                                  topic, [(excerpt.terms(part), excerpt.text(part), section) for section, part in by_section.items()],
                                  report_sentences(sections)))
    ys = [y for item in labelled for y in item.labels]
    counts = Counter(ys)
    if len(counts) < 2 or counts[NONE] == len(ys):
        raise UsageError(f"no sentence of {data} could be aligned to a report section of layout {layout.name}.",
                         "Check that the reports use the layout's section headers (see templates/layouts/).")
    encoder = installed_encoder()
    vectors = None if encoder is None else wordvectors.build((w for item in labelled for w in item.words), encoder)
    reference = sum(len(item.reference.labels) for item in labelled)
    say(f"{len(ys)} sentences, {len(ys) - counts[NONE]} carry report content; {reference} sentences of full reports"
        + ("" if vectors else " (words only: the sentence encoder, reportgen[terms], is not installed)")
        + f"; choosing the content threshold, prior power and division floor by {FOLDS}-fold cross-validation ...")
    (threshold, power, floor), figures = choose_selection(labelled, layout, segmenter, vectors)
    model = _fit(labelled, vectors)
    model.segmenter = segmenter
    topics = [item for item in labelled if item.topic is not None]
    excerpt_figures: dict[str, float] = {}
    found = None
    if len({item.topic for item in topics}) >= 2:
        found = excerpt.vectors([item.dialogue for item in topics])
        say(f"Training the excerpt classifier on {len(topics)} dialogues (one-section excerpt or full visit"
            + ("" if found is not None else "; words only: the sentence encoder, reportgen[terms], is not installed") + ") ...")
        parts = _parts(topics, found is not None)
        c, excerpt_figures = choose_excerpt_c(topics, found, parts)
        model.excerpt = excerpt.fit([item.terms for item in topics], [str(item.topic) for item in topics], c, found,
                                    extra=[part for whose in parts for part in whose])
    model.info = {
        "data": data.name,
        "data_sha256": file_sha256(data),
        "pairs": len(pairs),
        "sentences": len(ys),
        "labels": dict(counts.most_common()),
        "reference_sentences": reference,
        "layout": layout.name,
        "deid_policy": deidentifier.policy if deidentifier is not None else None,
        "content_threshold": threshold,
        "prior_power": power,
        "division_floor": floor,
        "cross_validation": figures,
        "excerpt_dialogues": dict(Counter(str(item.topic) for item in topics).most_common()),
        "excerpt_cross_validation": excerpt_figures,
        "excerpt_encoder": None if found is None else f"all-MiniLM-L6-v2, first {excerpt.ENCODER_TOKENS} word pieces",
        "word_vectors": None if vectors is None else f"all-MiniLM-L6-v2, {len(vectors.words)} words seen >= {wordvectors.MIN_COUNT} times",
    }
    rouge1, divisions, length = figures[f"{threshold} {power} {floor}"]
    say(f"Labelled and cross-validated in {time.perf_counter() - start:.0f} s.")
    say(f"Content threshold {threshold}, prior power {power}, division floor {floor} (cross-validated ROUGE-1 {rouge1:.3f}, "
        f"per division {divisions:.3f}, median length {length:.2f}x the reference).")
    output.parent.mkdir(parents=True, exist_ok=True)
    model.save(output)
    return ExtractiveResult(output, model, len(ys), len(ys) - counts[NONE])


@dataclass
class _Labelled:
    note: str  # de-identified
    report: str  # de-identified with the same surrogates
    rows: list[dict[str, float]]
    words: list[list[str]]  # each sentence's, for the word vectors
    labels: list[str]
    terms: Counter[str]  # of the whole dialogue, for the excerpt classifier
    dialogue: str  # what the excerpt classifier's sentence encoder reads
    topic: str | None  # the one section an excerpt is about, FULL, or None (not a transcript)
    # Short texts about one section that teach the excerpt section model beside the excerpts (terms, text, section):
    # a full visit's parts, an excerpt's own summary
    parts: list[tuple[Counter[str], str, str]]
    reference: _Sentences  # a full note's own sentences (none for a one-section report)


class _Sentences(NamedTuple):
    """Sentences of one text as the tagger trains on them."""

    rows: list[dict[str, float]]
    words: list[list[str]]
    labels: list[str]


def report_sentences(sections: dict[str, str]) -> _Sentences:
    """A full report's own sentences, each labelled with its section, in the report's order (as one note, so its
    sentences have their neighbours); none for a one-section report (an excerpt's summary). The note is the written form of what the tagger looks for in the
    transcript: "Potassium 3.9." teaches what "your potassium is 3.9" is. 3-fold cross-validation on ACI-Bench
    train (the training command's folds, with MTS-Dialog train in them; full note / mean division ROUGE-1 /
    median length, each at its best threshold and prior power): without 0.495 / 0.378 / 0.94x; with the full
    reports' sentences at weight 0.5 / 1 / 3 of a transcript sentence 0.496 / 0.384, 0.496 / 0.387, 0.495 / 0.383;
    with the one-section MTS-Dialog summaries' too (weight 1) 0.494 / 0.381 (longer: 0.99x at 0.7)."""
    if len(sections) < 2:
        return _Sentences([], [], [])
    found = [(sentence, section) for section, text in sections.items() for sentence in sentences(text)]
    items = [sentence for sentence, _ in found]
    tokens = words(items)
    return _Sentences(tagger.features(items, tokens), tokens, [section for _, section in found])


def section_examples(topic: str | None, items: list[Sentence], labels: list[str], sections: dict[str, str]) -> dict[str, list[Sentence]]:
    """Short texts about one section that teach the excerpt section model beside the excerpts: a full visit's
    parts about one section (`excerpt.parts`, by the sentences' `labels`); an excerpt's own summary, the written
    form of its section; none for a pair that is not a transcript."""
    if topic == FULL:
        return excerpt.parts(items, labels, NONE)
    return {} if topic is None else {topic: sentences(sections[topic])}


def _fit(items: list[_Labelled], vectors: wordvectors.WordVectors | None) -> tagger.TaggerModel:
    """The tagger over the transcripts' sentences and then the full reports' own."""
    transcripts = [_Sentences(item.rows, item.words, item.labels) for item in items]
    texts = transcripts + [item.reference for item in items if item.reference.labels]
    return tagger.fit([row for text in texts for row in text.rows], [y for text in texts for y in text.labels],
                      vectors, [text.words for text in texts])


def _parts(topics: list[_Labelled], encoder: bool) -> list[list[tuple[Counter[str], np.ndarray, str]]]:
    """Each dialogue's parts (a full visit's, an excerpt's summary) with their sentence vectors (none without the
    encoder), for `excerpt.fit`."""
    texts = [text for item in topics for _, text, _ in item.parts]
    found = excerpt.vectors(texts) if encoder and texts else None
    if found is None:
        return [[] for _ in topics]
    vectors = iter(found)
    return [[(terms, next(vectors), section) for terms, _, section in item.parts] for item in topics]


def choose_selection(labelled: list[_Labelled], layout: Layout, segmenter: segment.Segmenter,
                     vectors: wordvectors.WordVectors | None = None) -> tuple[tuple[float, float, float | None], dict[str, tuple[float, float, float]]]:
    """The content threshold, prior power and division floor whose held-out drafts score best, with
    {"threshold power floor": (ROUGE-1, mean division ROUGE-1, median length / reference)} for all tried. The score is the mean of the
    two figures ACI-Bench reports: full-note ROUGE-1 and the mean of the divisions' ROUGE-1 (a division the
    reference has and the draft lacks scores 0), among the choices whose median draft is at most MAX_LENGTH
    times the reference (all, if none is). Only pairs whose reference is a full note (two sections
    or more) are scored, when there are any: the generator writes full reports; one-section pairs
    (MTS-Dialog) still train the tagger. The threshold and prior power are chosen together at the lowest
    division floor (filling on), then the floor at those two (None: filling off).

    Pairs are split into FOLDS folds by position (pair order is the user's); a model trained on the
    other folds writes the drafts of each fold, cutting long turns with the `segmenter` the rows were made
    with. Pairs without a transcript do not depend on it.
    """
    from statistics import mean, median

    from reportgen.evaluate import rouge
    from reportgen.generation.extractive import ExtractiveGenerator

    full = [len(layout.section_texts(item.report)) >= 2 for item in labelled]
    folds = min(FOLDS, len(labelled))
    held_out: list[tuple[tagger.TaggerModel, dict[str, int], list[_Labelled]]] = []
    for fold in range(folds):
        train = [item for i, item in enumerate(labelled) if i % folds != fold]
        if train:
            ys = [y for item in train for y in item.labels]
            test = [item for i, item in enumerate(labelled) if i % folds == fold and (full[i] or not any(full))]
            model = _fit(train, vectors)
            model.segmenter = segmenter  # the drafts are written from the sentences the rows were made of
            held_out.append((model, dict(Counter(ys)), test))

    figures: dict[str, tuple[float, float, float]] = {}

    def best(grid: list[tuple[float, float, float | None]]) -> tuple[float, float, float | None]:
        for key in (key for key in grid if " ".join(map(str, key)) not in figures):
            scores = []
            for model, counts, test in held_out:
                model.info = {"content_threshold": key[0], "prior_power": key[1], "division_floor": key[2], "labels": counts}
                for item in test:
                    theirs = {d: text for d, text in layout.division_texts(layout.section_texts(item.report)).items() if text}
                    texts = ExtractiveGenerator(model, Path("cross-validation")).sort(item.note, layout)
                    ours = layout.division_texts(texts)
                    divisions = [rouge(text, ours[d])["rouge1"] if ours.get(d) else 0.0 for d, text in theirs.items()]
                    draft = layout.format_draft(texts)
                    scores.append((rouge(item.report, draft)["rouge1"], mean(divisions or [0.0]), len(draft.split()) / max(len(item.report.split()), 1)))
            if scores:
                name = " ".join(map(str, key))
                figures[name] = (round(mean(s[0] for s in scores), 4), round(mean(s[1] for s in scores), 4),
                                 round(median(s[2] for s in scores), 3))
        short = [key for key in grid if figures.get(" ".join(map(str, key)), (0.0, 0.0, 0.0))[2] <= MAX_LENGTH] or grid
        return max(short, key=lambda key: sum(figures.get(" ".join(map(str, key)), (0.0, 0.0, 0.0))[:2]))

    threshold, power, _ = best([(t, a, DIVISION_FLOORS[1]) for t in THRESHOLDS for a in PRIOR_POWERS])
    return best([(threshold, power, f) for f in DIVISION_FLOORS]), figures


def choose_excerpt_c(topics: list[_Labelled], found: np.ndarray | None,
                     parts: list[list[tuple[Counter[str], np.ndarray, str]]]) -> tuple[float, dict[str, float]]:
    """The excerpt classifier's regularisation with the best cross-validated accuracy ({c: accuracy} for all),
    over FOLDS folds by position, like the content threshold; `found`: the dialogues' sentence vectors, if any;
    `parts`: each dialogue's parts (`_parts`), used when it is in the training folds."""
    folds = min(FOLDS, len(topics))
    right: dict[float, int] = dict.fromkeys(EXCERPT_C, 0)
    for fold in range(folds):
        train = [i for i in range(len(topics)) if i % folds != fold]
        test = [i for i in range(len(topics)) if i % folds == fold]
        if len({topics[i].topic for i in train}) < 2:
            continue
        for c in EXCERPT_C:
            model = excerpt.fit([topics[i].terms for i in train], [str(topics[i].topic) for i in train], c,
                                None if found is None else found[train], extra=[part for i in train for part in parts[i]])
            right[c] += sum(model.label(topics[i].terms, None if found is None else found[i]) == topics[i].topic for i in test)
    figures = {str(c): round(n / len(topics), 4) for c, n in right.items()}
    return max(EXCERPT_C, key=lambda c: right[c]), figures
