"""Train the PHI tagger: `python -m reportgen.deid.train [--site-data notes.jsonl] [-o DIR]`.

With no options it rebuilds the shipped model (reportgen/deid/models/phi-tagger)
from synthetic notes and dialogues (`synth.py`: ACI-Bench train and MTS-Dialog
train, CC BY 4.0, with surrogate identifiers). A site adds its own annotated
notes with `--site-data` (JSONL, one note a line:
`{"text": "...", "spans": [{"start": 0, "end": 5, "label": "PERSON"}]}`, labels
PERSON LOCATION DATE PHONE ID AGE) and points `deid.tagger` at the output.

The model is a spaCy CNN NER (hash embeddings + a small transition parser):
a few MB, ~thousands of notes a minute on one core, no GPU.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import click

from reportgen.deid.synth import LABELS, Example, Synthesizer
from reportgen.deid.tagger import DEFAULT_TAGGER, new_pipeline
from reportgen.errors import InputError, ReportgenError, UsageError

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@dataclass
class TaggerTrainConfig:
    """What `python -m reportgen.deid.train` does; every field is a flag."""

    output: Path = DEFAULT_TAGGER  # where the model directory is written (replaced atomically)
    data: Path = DEFAULT_DATA  # the folder holding aci-bench/ and mts-dialog/ (only their train splits are read)
    site_data: list[Path] = field(default_factory=list)  # JSONL files of annotated notes (text + spans)
    synthetic: int = 3000  # synthetic examples; 0 trains on site data alone
    epochs: int = 5
    dev_share: float = 0.1  # held out of the training examples to report P/R/F after each epoch
    seed: int = 0
    width: int = 96  # CNN width
    depth: int = 4  # CNN layers
    embed_size: int = 3000  # hash embedding rows per feature
    dropout: float = 0.15
    max_minutes: float = 0  # stop after the epoch that passes this much training time (0: run every epoch)


def read_site_data(path: Path) -> list[Example]:
    """A JSONL file of annotated notes; a bad line is an InputError naming the file and line (never the text)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read site data {path} ({type(e).__name__}).", "Give a UTF-8 JSONL file.") from None
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = row["text"]
            spans = [(int(s["start"]), int(s["end"]), str(s["label"])) for s in row.get("spans", [])]
        except (ValueError, KeyError, TypeError):
            raise InputError(
                f"{path} line {number} is not a note with spans.", 'Each line: {"text": "...", "spans": [{"start": 0, "end": 5, "label": "PERSON"}]}.'
            ) from None
        for start, end, label in spans:
            if label not in LABELS or not 0 <= start < end <= len(text):
                raise InputError(f"{path} line {number} has a span out of the text or an unknown label.", f"Labels: {', '.join(LABELS)}.")
        out.append(Example(text, spans))
    return out


def _to_spacy(nlp, examples: Iterable[Example]) -> list:
    from spacy.training import Example as SpacyExample
    from spacy.util import filter_spans

    out = []
    for ex in examples:
        doc = nlp.make_doc(ex.text)
        spans = [doc.char_span(s, e, label=lab, alignment_mode="expand") for s, e, lab in ex.spans]
        reference = nlp.make_doc(ex.text)
        reference.ents = filter_spans([s for s in spans if s is not None])
        out.append(SpacyExample(doc, reference))
    return out


def train(config: TaggerTrainConfig, say=print) -> dict:
    """Builds the data, trains, writes the model directory; returns the dev figures."""
    from spacy.util import compounding, fix_random_seed, minibatch

    random.seed(config.seed)
    fix_random_seed(config.seed)
    examples: list[Example] = []
    if config.synthetic:
        if not (config.data / "aci-bench").is_dir() or not (config.data / "mts-dialog").is_dir():
            raise UsageError(f"no aci-bench/ and mts-dialog/ under {config.data}.", "Pass --data DIR, or --synthetic 0 with --site-data.")
        examples += Synthesizer(config.data, config.seed).examples(config.synthetic)
    site = [ex for path in config.site_data for ex in read_site_data(path)]
    examples += site
    if len(examples) < 10:
        raise UsageError("fewer than 10 training examples.", "Add --site-data or raise --synthetic.")
    rng = random.Random(config.seed)
    rng.shuffle(examples)
    n_dev = max(1, int(len(examples) * config.dev_share))
    nlp = new_pipeline(config.width, config.depth, config.embed_size)
    dev, training = _to_spacy(nlp, examples[:n_dev]), _to_spacy(nlp, examples[n_dev:])
    say(f"{len(training)} training and {len(dev)} dev examples ({config.synthetic} synthetic, {len(site)} from site data)")
    optimizer = nlp.initialize(lambda: training)
    scores: dict = {}
    began = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        start, losses = time.perf_counter(), dict[str, float]()
        rng.shuffle(training)
        for batch in minibatch(training, size=compounding(8.0, 32.0, 1.001)):
            nlp.update(batch, drop=config.dropout, sgd=optimizer, losses=losses)
        scores = nlp.evaluate(dev)
        say(
            f"epoch {epoch}: loss {losses.get('ner', 0):.0f}  dev P {scores['ents_p']:.3f} R {scores['ents_r']:.3f} "
            f"F {scores['ents_f']:.3f}  ({time.perf_counter() - start:.0f} s)"
        )
        if config.max_minutes and time.perf_counter() - began > config.max_minutes * 60:
            say(f"stopping after epoch {epoch}: --max-minutes {config.max_minutes} reached")
            break
    nlp.meta.update(
        name="phi_tagger",
        version="1.0.0",
        description="reportgen PHI tagger (spaCy CNN NER): PERSON LOCATION DATE PHONE ID AGE",
        license="CC-BY-4.0" if not site else "site",
        sources=[
            {"name": "ACI-Bench train (text and names)", "license": "CC BY 4.0"},
            {"name": "MTS-Dialog train", "license": "CC BY 4.0"},
        ]
        if config.synthetic
        else [],
    )
    nlp.meta["reportgen"] = {"train": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items() if k not in ("output", "data", "site_data")}}
    nlp.meta["reportgen"]["train"]["site_examples"] = len(site)
    _save(nlp, config.output)
    size = sum(p.stat().st_size for p in config.output.rglob("*") if p.is_file())
    say(f"wrote {config.output} ({size / 1e6:.1f} MB)")
    return {k: v for k, v in scores.items() if k.startswith("ents")}


def _save(nlp, output: Path) -> None:
    """Written beside the target, then swapped in: a failed run never leaves half a model."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".phi-tagger-", dir=output.parent))
    try:
        nlp.to_disk(tmp, exclude=["lookups"])  # no lemmatizer: spaCy's lookup tables are empty, and loading skips them
        old = output.with_name(output.name + ".old")
        if output.exists():
            os.replace(output, old)
        os.replace(tmp, output)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@click.command()
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_TAGGER, show_default=True, help="Model directory to write.")
@click.option("--data", type=click.Path(path_type=Path, file_okay=False), default=DEFAULT_DATA, show_default=True, help="Folder with aci-bench/ and mts-dialog/ (train splits only).")
@click.option("--site-data", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True), help="JSONL of annotated notes (text + spans); repeatable.")
@click.option("--synthetic", type=click.IntRange(min=0), default=TaggerTrainConfig.synthetic, show_default=True, help="Synthetic examples (0: site data only).")
@click.option("--epochs", type=click.IntRange(min=1), default=TaggerTrainConfig.epochs, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-minutes", type=click.FloatRange(min=0), default=0, help="Stop after the epoch that passes this much training time.")
def main(output: Path, data: Path, site_data: Sequence[Path], synthetic: int, epochs: int, seed: int, max_minutes: float) -> None:
    """Train the PHI tagger (see the module docstring and reportgen/deid/models/MODEL_CARD.md)."""
    config = TaggerTrainConfig(
        output=output, data=data, site_data=list(site_data), synthetic=synthetic, epochs=epochs, seed=seed, max_minutes=max_minutes
    )
    try:
        train(config, say=lambda line: click.echo(line, err=True))
    except ReportgenError as e:
        click.echo(f"Error: {e}", err=True)
        raise SystemExit(e.exit_code) from None


if __name__ == "__main__":
    main()
