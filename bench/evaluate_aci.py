"""`reportgen evaluate` on ACI-Bench valid (20 encounters), beside copy-the-transcript.

Both rows are scored by reportgen.evaluate the same way ACI-Bench's
evaluate_fullnote.py does (rouge-score, no stemmer, F-measure, mean over
encounters): the model-free pipeline's report text, and the raw transcript as
the "report" (ACI-Bench's own baseline; 32.8 ROUGE-1 on its test set 1).

    .venv/bin/python bench/evaluate_aci.py [--split valid] [--data ../shared/data/aci-bench] [-o DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from statistics import mean

from reportgen.config import load_settings
from reportgen.data import import_file
from reportgen.evaluate import ROUGE_TYPES, evaluate_pairs, rouge, write_outputs
from reportgen.pipeline import Pipeline

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="valid")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/aci-bench")
    parser.add_argument("-o", "--output-dir", type=Path, help="Also write evaluation.jsonl, summary.md, sections.png.")
    args = parser.parse_args()

    pipeline = Pipeline.from_settings(load_settings())
    pairs = import_file("aci-bench", args.data / f"{args.split}.csv", pipeline.layout).pairs
    start = time.perf_counter()
    evaluation = evaluate_pairs(pipeline, pairs)
    seconds = time.perf_counter() - start
    summary = evaluation.summary()
    copied = {name: mean(rouge(p.report, p.note)[name] for p in pairs) for name in ROUGE_TYPES}

    print(f"ACI-Bench {args.split}: {len(pairs)} encounters; evaluated in {seconds:.1f} s; "
          f"de-identification: {evaluation.deid_policy or 'off'}")
    print(f"{'':26}" + "".join(f"{name:>10}" for name in ROUGE_TYPES))
    print(f"{'reportgen ' + evaluation.generator:26}" + "".join(f"{100 * summary[n]:10.1f}" for n in ROUGE_TYPES))
    print(f"{'copy the transcript':26}" + "".join(f"{100 * copied[n]:10.1f}" for n in ROUGE_TYPES))
    for key in ("section_coverage", "code_precision", "code_recall", "phi_checked", "phi_notes_leaking"):
        value = summary[key]
        print(f"{key}: {'n/a' if value is None else f'{value:.3f}' if isinstance(value, float) else value}")
    if args.output_dir:
        for path in write_outputs(evaluation, pipeline.layout, args.output_dir):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()
