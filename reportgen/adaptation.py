"""RAG or fine-tuning? Adaptation strategies compared on the same held-out pairs.

A strategy is a generator set-up: the base model zero-shot, the base model with retrieved
worked examples (+ terminology, which every strategy gets), a fine-tuned model, a fine-tuned
model with worked examples, and the model-free generator. Each writes a report for every
held-out note through the same pipeline (de-identify -> retrieve -> generate -> parse -> code);
each report is scored with `reportgen.evaluate`'s scorers against the pair's reference.
One row per strategy: ROUGE, problem-code agreement, report length, prompt tokens,
generation speed, training time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean

from reportgen.config import Settings
from reportgen.data import Pair
from reportgen.evaluate import _reference_report, report_codes, report_text, rouge
from reportgen.files import atomic_write
from reportgen.generation.model import GenerationStats
from reportgen.generation.parse import HEADERLESS
from reportgen.notes import Note
from reportgen.pipeline import Pipeline
from reportgen.report import Report

STRATEGIES = ("base", "rag", "fine-tuned", "fine-tuned+rag", "model-free")
LABELS = {
    "base": "base model, zero-shot",
    "rag": "base model + retrieved examples",
    "fine-tuned": "fine-tuned",
    "fine-tuned+rag": "fine-tuned + retrieved examples",
    "model-free": "model-free generator",
}


@dataclass
class Strategy:
    name: str  # one of STRATEGIES, or your own label
    model: str | None = None  # None = the model-free generator
    examples: Path | None = None  # example archive: worked examples in the prompt
    training_seconds: float | None = None  # from the fine-tuned model's card


@dataclass
class Row:
    strategy: str
    pairs: int
    rouge1: float
    rouge2: float
    rougeL: float
    code_precision: float | None
    code_recall: float | None
    report_words: float
    prompt_tokens: float | None
    generated_tokens: float | None
    tokens_per_second: float | None
    training_seconds: float | None
    seconds: float
    warnings: int = 0
    headerless: int = 0  # drafts with no section headers: scored on their whole text (kept under the fallback section)
    per_pair_rouge1: list[float] = field(default_factory=list, repr=False)


def strategies_for(base_model: str | None, fine_tuned: str | None, examples: Path | None) -> list[Strategy]:
    """The strategies the given models and archive allow, in table order; the model-free one always."""
    from reportgen.generation.card import read_card

    found = []
    if base_model:
        found.append(Strategy("base", base_model))
        if examples:
            found.append(Strategy("rag", base_model, examples))
    if fine_tuned:
        card = read_card(Path(fine_tuned)) if Path(fine_tuned).is_dir() else None
        seconds = card.metrics.get("train_runtime") if card else None
        found.append(Strategy("fine-tuned", fine_tuned, training_seconds=seconds))
        if examples:
            found.append(Strategy("fine-tuned+rag", fine_tuned, examples, training_seconds=seconds))
    found.append(Strategy("model-free"))
    return found


def compare(
    settings: Settings,
    pairs: Sequence[Pair],
    strategies: Sequence[Strategy],
    batch_size: int = 8,
    say: Callable[[str], None] = lambda message: None,
) -> list[Row]:
    """Run every strategy over `pairs`; reference codes are computed once and shared."""
    rows = []
    references: dict[str, set[str]] | None = None
    for strategy in strategies:
        say(f"{strategy.name}: writing {len(pairs)} reports ...")
        overrides = {"model": strategy.model, "examples": strategy.examples}
        pipeline = Pipeline.from_settings(
            settings.model_copy(update={"generate": settings.generate.model_copy(update=overrides)})
        )
        if references is None:
            references = {p.id: report_codes(_reference_report(pipeline, p.id, p.report)) for p in pairs}
        rows.append(_row(strategy, pipeline, pairs, references, batch_size))
        say(f"{strategy.name}: ROUGE-1 {rows[-1].rouge1:.3f}")
    return rows


def _row(strategy: Strategy, pipeline: Pipeline, pairs: Sequence[Pair], references: dict[str, set[str]], batch_size: int) -> Row:
    import time

    start = time.perf_counter()
    reports: list[Report] = []
    for at in range(0, len(pairs), batch_size):
        reports += _reports(pipeline, pairs[at : at + batch_size])
    seconds = time.perf_counter() - start
    return score(strategy, pairs, reports, references, seconds, getattr(pipeline.generator, "stats", None))


def score(
    strategy: Strategy,
    pairs: Sequence[Pair],
    reports: Sequence[Report],
    references: dict[str, set[str]],
    seconds: float,
    stats: GenerationStats | None,
) -> Row:
    """One strategy's row from its reports (written here, or drafted elsewhere and finished here)."""
    outputs = [report_text(r) for r in reports]
    scores = [rouge(p.report, out) for p, out in zip(pairs, outputs, strict=True)]
    shared = sum(len(references[p.id] & report_codes(r)) for p, r in zip(pairs, reports, strict=True))
    made = sum(len(report_codes(r)) for r in reports)
    wanted = sum(len(references[p.id]) for p in pairs)
    return Row(
        strategy=strategy.name,
        pairs=len(pairs),
        rouge1=mean(s["rouge1"] for s in scores),
        rouge2=mean(s["rouge2"] for s in scores),
        rougeL=mean(s["rougeL"] for s in scores),
        code_precision=shared / made if made else None,
        code_recall=shared / wanted if wanted else None,
        report_words=mean(len(out.split()) for out in outputs),
        prompt_tokens=stats.prompt_tokens / stats.prompts if stats and stats.prompts else None,
        generated_tokens=stats.new_tokens / stats.prompts if stats and stats.prompts else None,
        tokens_per_second=stats.new_tokens / stats.seconds if stats and stats.seconds else None,
        training_seconds=strategy.training_seconds,
        seconds=seconds,
        warnings=sum(len(r.provenance.warnings) for r in reports),
        headerless=sum(any(w.startswith(HEADERLESS) for w in r.provenance.warnings) for r in reports),
        per_pair_rouge1=[s["rouge1"] for s in scores],
    )


def _reports(pipeline: Pipeline, pairs: Sequence[Pair]) -> list[Report]:
    """One batch through the pipeline, the model writing the whole batch at once."""
    notes = [Note(id=p.id, text=p.note, sha256=hashlib.sha256(p.note.encode("utf-8")).hexdigest()) for p in pairs]
    return [result.report for result in pipeline.run_many(notes)]


# ---------------------------------------------------------------- outputs

COLUMNS = (
    ("strategy", "strategy"),
    ("pairs", "pairs"),
    ("ROUGE-1", "rouge1"),
    ("ROUGE-2", "rouge2"),
    ("ROUGE-L", "rougeL"),
    ("code P", "code_precision"),
    ("code R", "code_recall"),
    ("words", "report_words"),
    ("no headers", "headerless"),
    ("prompt tok", "prompt_tokens"),
    ("gen tok", "generated_tokens"),
    ("gen tok/s", "tokens_per_second"),
    ("train s", "training_seconds"),
)


def cells(row: Row) -> list[str]:
    out = []
    for _, attr in COLUMNS:
        value = getattr(row, attr)
        if attr == "strategy":
            out.append(LABELS.get(value, value))
        elif value is None:
            out.append("-")
        elif attr in ("pairs", "headerless"):
            out.append(str(value))
        elif attr in ("rouge1", "rouge2", "rougeL", "code_precision", "code_recall"):
            out.append(f"{value:.3f}")
        else:
            out.append(f"{value:.1f}" if value < 100 else f"{value:.0f}")
    return out


def table_markdown(rows: Sequence[Row], title: str) -> str:
    head = [name for name, _ in COLUMNS]
    lines = [f"# {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cells(row)) + " |" for row in rows]
    lines += ["", "no headers: drafts with no section headers; such a draft is scored on its whole text, "
              "which the parser keeps under the layout's fallback section."]
    return "\n".join(lines) + "\n"


def plot(rows: Sequence[Row], path: Path, title: str) -> None:
    """ROUGE-1 per strategy (bars) with generation speed noted on each bar."""
    import matplotlib

    matplotlib.use("Agg")
    from io import BytesIO

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.5 * len(rows) + 1.4), dpi=100)
    positions = list(range(len(rows)))
    ax.barh(positions, [r.rouge1 for r in rows], height=0.6, label="ROUGE-1")
    ax.barh(positions, [r.rouge2 for r in rows], height=0.3, label="ROUGE-2")
    for p, row in zip(positions, rows, strict=True):
        speed = f"  {row.tokens_per_second:.1f} tok/s" if row.tokens_per_second else ""
        ax.text(row.rouge1, p, f" {row.rouge1:.3f}{speed}", va="center", fontsize="small")
    ax.set_yticks(positions, [LABELS.get(r.strategy, r.strategy) for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, max(0.6, max(r.rouge1 for r in rows) + 0.25))
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(title, fontsize="medium")
    fig.tight_layout()
    buffer = BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    atomic_write(path, buffer.getvalue())
