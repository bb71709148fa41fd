"""Scoring generated reports against reference reports.

- ROUGE-1/2/L/Lsum computed the way ACI-Bench's `evaluate_fullnote.py` does
  (Hugging Face `evaluate`'s rouge defaults over the `rouge-score` package):
  no stemmer, the F-measure, scored per pair and averaged.
- Section coverage: the layout splits both texts; the share of the reference's
  sections that the output documents, and ROUGE-1 per section.
- ICD-10-CM agreement: the pipeline's `code` stage on the output's problems
  and on the (de-identified) reference's; precision/recall of the output's codes.
- PHI leak check: no identifier de-identification found in the note (nor a
  known patient identifier given with the pair) may appear in the output,
  unless PHI was restored on purpose.
- What users get: the rendered Markdown report scored the same way, whole and
  per division (the layout's `division` of each section; ACI-Bench's
  subjective / objective_exam / objective_results / assessment_and_plan), and
  its length against the reference's.
- Problem list: with a labelled set (`--problems`, e.g. bench/data/aci_valid_problems.json),
  precision and recall of the listed problems and how often the first code is
  an acceptable one (`score_problems`).
- How far the headline figures move with the sample (`Evaluation.intervals`): 95%
  bootstrap intervals over encounters (reportgen.intervals), for the benches.

Per-note records hold scores and counts only: never note, report or identifier text.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import mean

from rouge_score import rouge_scorer

from reportgen.files import atomic_write
from reportgen.generation import Draft
from reportgen.intervals import mean_interval, ratio_interval
from reportgen.layout import Layout
from reportgen.notes import decode_note
from reportgen.pipeline import Pipeline
from reportgen.render import render
from reportgen.report import Problem, Report

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
_scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=False)


def rouge(reference: str, prediction: str) -> dict[str, float]:
    """F-measures, as ACI-Bench computes them (reference first, as rouge-score expects)."""
    scores = _scorer.score(reference, prediction)
    return {name: scores[name].fmeasure for name in ROUGE_TYPES}


def report_text(report: Report) -> str:
    """The report as plain text, each section under its title in capitals (as references are written)."""
    return "\n\n".join(f"{s.title.upper()}\n{s.text.strip()}" for s in report.sections if s.documented) + "\n"


def report_codes(report: Report) -> set[str]:
    return {code.code for problem in report.problems for code in problem.codes if code.system == "icd10cm"}


def leaked(identifiers: Iterable[str], text: str) -> int:
    """How many distinct identifiers appear in text as whole words (any case)."""
    found = 0
    for identifier in {i.strip().casefold() for i in identifiers if len(i.strip()) >= 2}:
        if re.search(rf"(?<!\w){re.escape(identifier)}(?!\w)", text, re.IGNORECASE):
            found += 1
    return found


@dataclass
class ProblemScore:
    listed: int  # active, possible and history problems the report lists
    correct: int  # of those, matching a labelled problem
    neutral: int  # matching an item labelled acceptable but not a problem of its own
    labelled: int
    found: int  # labelled problems matched by some listed problem
    first_code_right: int  # of the found ones: the first listed code is acceptable


def score_problems(problems: Sequence[Problem], labels: dict) -> ProblemScore:
    """Listed problems against one encounter's labels ({"problems": [{"text", "aliases", "codes"}], "also_acceptable"})."""
    gold = labels["problems"]
    listed = [p for p in problems if p.status in ("active", "possible", "history")]
    found: set[int] = set()
    correct = neutral = first_right = 0
    for problem in listed:
        match = next((i for i, g in enumerate(gold) if same_problem(problem, g)), None)
        if match is None:
            neutral += any(_words_match(problem.text, alias) for alias in labels.get("also_acceptable", []))
            continue
        correct += 1
        if match not in found:
            found.add(match)
            first_right += bool(problem.codes) and _code_ok(problem.codes[0].code, gold[match]["codes"])
    return ProblemScore(len(listed), correct, neutral, len(gold), len(found), first_right)


def same_problem(problem: Problem, gold: dict) -> bool:
    """A listed problem is a labelled one: it says at least half of one of its names, or its first code is acceptable."""
    if any(_words_match(problem.text, name) for name in (gold["text"], *gold.get("aliases", []))):
        return True
    return bool(problem.codes) and _code_ok(problem.codes[0].code, gold["codes"])


def _words_match(text: str, name: str) -> bool:
    """At least half of the name's words are in the text (plural 's' ignored)."""
    ours, theirs = _stems(text), _stems(name)
    return bool(theirs) and len(ours & theirs) / len(theirs) >= 0.5


def _stems(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in _STOP}


_STOP = frozenset("the a an of and or with in on to for right left".split())


def _code_ok(code: str, acceptable: list[str]) -> bool:
    """An acceptable entry is a code or a category prefix ('I50' accepts I50.9)."""
    return any(code == entry or code.startswith(entry) for entry in acceptable)


@dataclass
class PairScore:
    id: str
    rouge: dict[str, float]
    reference_sections: list[str]
    output_sections: list[str]
    section_coverage: float | None  # None: the reference has no recognisable sections
    section_rouge1: dict[str, float]  # per section of the reference
    reference_codes: list[str]
    output_codes: list[str]
    phi_check: str  # "passed", "leaked" or "skipped (--restore-phi)"
    phi_identifiers: int
    phi_leaked: int
    generator: str
    deid_policy: str | None
    seconds: float
    warnings: list[str] = field(default_factory=list)
    markdown_rouge: dict[str, float] = field(default_factory=dict)  # the rendered Markdown against the reference
    division_rouge1: dict[str, float] = field(default_factory=dict)  # Markdown, per division the reference has
    words: int = 0  # of the rendered Markdown
    reference_words: int = 0
    problems: ProblemScore | None = None  # None: no labels for this pair


@dataclass
class Evaluation:
    scores: list[PairScore]
    model: str | None

    @property
    def generator(self) -> str:
        return self.scores[0].generator if self.scores else "none"

    @property
    def deid_policy(self) -> str | None:
        return self.scores[0].deid_policy if self.scores else None

    def summary(self) -> dict[str, float | int | None]:
        n = len(self.scores)
        rendered = n > 0 and all(s.markdown_rouge for s in self.scores)
        ratios = sorted(s.words / s.reference_words for s in self.scores if s.reference_words)
        divisions = sorted({d for s in self.scores for d in s.division_rouge1})
        problem_scores = [s.problems for s in self.scores if s.problems is not None]
        scored = {k: sum(getattr(p, k) for p in problem_scores) for k in ("listed", "correct", "neutral", "labelled", "found", "first_code_right")}
        covered = [s.section_coverage for s in self.scores if s.section_coverage is not None]
        ref_codes = sum(len(s.reference_codes) for s in self.scores)
        out_codes = sum(len(s.output_codes) for s in self.scores)
        shared = sum(len(set(s.reference_codes) & set(s.output_codes)) for s in self.scores)
        checked = [s for s in self.scores if s.phi_check in ("passed", "leaked")]
        return {
            "pairs": n,
            **{name: mean(s.rouge[name] for s in self.scores) for name in ROUGE_TYPES},
            "section_coverage": mean(covered) if covered else None,
            "code_precision": shared / out_codes if out_codes else None,
            "code_recall": shared / ref_codes if ref_codes else None,
            "phi_checked": len(checked),
            "phi_notes_leaking": sum(s.phi_leaked > 0 for s in checked),
            "phi_leaked_identifiers": sum(s.phi_leaked for s in checked),
            **{f"markdown_{name}": mean(s.markdown_rouge[name] for s in self.scores) if rendered else None for name in ROUGE_TYPES},
            **{f"division_rouge1_{d}": mean(s.division_rouge1[d] for s in self.scores if d in s.division_rouge1) for d in divisions},
            "length_ratio_median": ratios[len(ratios) // 2] if ratios else None,
            "problem_precision": scored["correct"] / (scored["listed"] - scored["neutral"]) if scored["listed"] > scored["neutral"] else None,
            "problem_recall": scored["found"] / scored["labelled"] if scored["labelled"] else None,
            "problem_first_code_right": scored["first_code_right"] / scored["found"] if scored["found"] else None,
        }

    def intervals(self) -> dict[str, tuple[float, float]]:
        """95% bootstrap intervals (reportgen.intervals, resampling encounters) of the headline figures, keyed
        as in `summary`: Markdown ROUGE-1, ROUGE-1 per division (over the encounters whose reference has it,
        as its mean is), problem precision and recall; a figure `summary` gives as None has none."""
        summary = self.summary()
        out = {}
        if summary["markdown_rouge1"] is not None:
            out["markdown_rouge1"] = mean_interval([s.markdown_rouge["rouge1"] for s in self.scores])
        for division in sorted({d for s in self.scores for d in s.division_rouge1}):
            out[f"division_rouge1_{division}"] = mean_interval([s.division_rouge1[division] for s in self.scores if division in s.division_rouge1])
        problems = [s.problems for s in self.scores if s.problems is not None]
        if summary["problem_precision"] is not None:
            out["problem_precision"] = ratio_interval([p.correct for p in problems], [p.listed - p.neutral for p in problems])
        if summary["problem_recall"] is not None:
            out["problem_recall"] = ratio_interval([p.found for p in problems], [p.labelled for p in problems])
        return out

    def per_section(self, layout: Layout) -> list[tuple[str, int, float, float]]:
        """(section title, pairs whose reference has it, share the output documents, mean ROUGE-1)."""
        rows = []
        for spec in layout.sections:
            having = [s for s in self.scores if spec.id in s.reference_sections]
            if having:
                present = mean(spec.id in s.output_sections for s in having)
                rows.append((spec.title, len(having), present, mean(s.section_rouge1[spec.id] for s in having)))
        return rows


def evaluate_pair(pipeline: Pipeline, pair_id: str, note_text: str, reference: str, known: Sequence[str] = (),
                  restore_phi: bool = False, problem_labels: dict | None = None) -> PairScore:
    start = time.perf_counter()
    settings, layout = pipeline.settings, pipeline.layout
    note = decode_note(note_text.encode("utf-8"), pair_id, settings.notes)
    result = pipeline.run(note)
    output = report_text(result.report)
    markdown = render(result.report, "md", user_templates=settings.generate.templates_dir)
    identifiers = result.deid.identifiers
    if restore_phi:
        output = result.deid.restore(output)
        markdown = result.deid.restore(markdown)
        phi_check, leaks = "skipped (--restore-phi)", 0
    else:
        leaks = leaked([*identifiers, *known], output)
        phi_check = "leaked" if leaks else "passed"

    ref_sections = layout.section_texts(reference)
    out_sections = {s.id: s.text for s in result.report.sections if s.documented}
    coverage = mean(sid in out_sections for sid in ref_sections) if ref_sections else None
    return PairScore(
        id=pair_id,
        rouge=rouge(reference, output),
        reference_sections=sorted(ref_sections),
        output_sections=sorted(out_sections),
        section_coverage=coverage,
        section_rouge1={sid: rouge(text, out_sections.get(sid, ""))["rouge1"] for sid, text in ref_sections.items()},
        reference_codes=sorted(report_codes(_reference_report(pipeline, pair_id, reference))),
        output_codes=sorted(report_codes(result.report)),
        phi_check=phi_check,
        phi_identifiers=len(set(identifiers)) + len(known),
        phi_leaked=leaks,
        generator=result.report.provenance.generator,
        deid_policy=result.report.provenance.deid_policy,
        seconds=round(time.perf_counter() - start, 4),
        warnings=list(result.report.provenance.warnings),
        markdown_rouge=rouge(reference, markdown),
        division_rouge1=_division_rouge1(layout, reference, markdown),
        words=len(markdown.split()),
        reference_words=len(reference.split()),
        problems=score_problems(result.report.problems, problem_labels) if problem_labels else None,
    )


def _division_rouge1(layout: Layout, reference: str, markdown: str) -> dict[str, float]:
    """ROUGE-1 per division that the reference has (the output's missing divisions score 0)."""
    ours = layout.division_texts(layout.section_texts(markdown))
    theirs = layout.division_texts(layout.section_texts(reference))
    return {d: rouge(text, ours.get(d, ""))["rouge1"] for d, text in theirs.items() if text}


def _reference_report(pipeline: Pipeline, pair_id: str, reference: str) -> Report:
    """The reference as a coded report: de-identified first, since coding queries the index with its text."""
    note = decode_note(reference.encode("utf-8"), f"{pair_id}-reference", pipeline.settings.notes)
    prepared = pipeline.prepare([note])
    layout = pipeline.layout
    draft = Draft(text=layout.format_draft(layout.section_texts(prepared[0].text)), generator="reference")
    return pipeline.finish(prepared, [draft])[0].report


def evaluate_pairs(pipeline: Pipeline, pairs: Iterable, restore_phi: bool = False,
                   on_pair: Callable[[PairScore], None] = lambda score: None,
                   problem_labels: dict[str, dict] | None = None) -> Evaluation:
    """Score every pair (objects with id, note, report and optional patient identifiers);
    `problem_labels`: pair id -> labelled problems (see `score_problems`)."""
    scores = []
    for pair in pairs:
        known = [v for k, v in (getattr(pair, "patient", None) or {}).items() if k == "name"]
        known += [part for name in known for part in name.split()]
        labels = (problem_labels or {}).get(pair.id)
        score = evaluate_pair(pipeline, pair.id, pair.note, pair.report, known, restore_phi, labels)
        scores.append(score)
        on_pair(score)
    return Evaluation(scores=scores, model=pipeline.settings.generate.model)


# ---------------------------------------------------------------- outputs


def summary_markdown(evaluation: Evaluation, layout: Layout) -> str:
    summary = evaluation.summary()
    lines = [
        "# Evaluation",
        "",
        f"Generator: {evaluation.generator}" + (f" (model {evaluation.model})" if evaluation.model else "")
        + f"; de-identification: {evaluation.deid_policy or 'off'}; {summary['pairs']} pairs. ROUGE as ACI-Bench computes it (rouge-score, no stemmer, F-measure, mean over pairs).",
        "",
        "| metric | value |",
        "|---|---|",
        *(f"| {name} | {_fmt(value)} |" for name, value in summary.items()),
        "",
        "## Sections",
        "",
        "| section | reference has it | output has it | ROUGE-1 |",
        "|---|---|---|---|",
        *(f"| {title} | {n} | {present:.2f} | {r1:.3f} |" for title, n, present, r1 in evaluation.per_section(layout)),
        "",
    ]
    return "\n".join(lines)


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def plot_sections(evaluation: Evaluation, layout: Layout, path: Path) -> None:
    """A small bar chart: per section, the share of outputs that have it and its ROUGE-1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = evaluation.per_section(layout)
    titles = [f"{title} (n={n})" for title, n, *_ in rows]
    positions = range(len(rows))
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(rows) + 1.2), dpi=100)
    ax.barh([p + 0.2 for p in positions], [present for _, _, present, _ in rows], height=0.4, label="output has the section")
    ax.barh([p - 0.2 for p in positions], [r1 for *_, r1 in rows], height=0.4, label="ROUGE-1 (section)")
    ax.set_yticks(list(positions), titles)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.legend(loc="lower right", fontsize="small")
    ax.set_title(f"Per-section scores ({len(evaluation.scores)} pairs)")
    fig.tight_layout()
    buffer = _png(fig)
    plt.close(fig)
    atomic_write(path, buffer)


def _png(fig) -> bytes:
    from io import BytesIO

    out = BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def write_outputs(evaluation: Evaluation, layout: Layout, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "evaluation.jsonl", out_dir / "summary.md", out_dir / "sections.png"]
    atomic_write(paths[0], "".join(json.dumps(asdict(s)) + "\n" for s in evaluation.scores))
    atomic_write(paths[1], summary_markdown(evaluation, layout))
    plot_sections(evaluation, layout, paths[2])
    return paths
