"""De-identification on synthetic notes: identifier shapes beyond the one hospital PhysioNet comes from.

    PYTHONPATH=. .venv/bin/python bench/deid_synthetic.py [--notes 1000] [--seed 7] [--tagger]

The PhysioNet gold corpus is one Boston-area ICU whose surrogate places are Maryland's;
rules written on it can hold there and fail on the next site. This scores the rules
(tag operator, no site lists) on notes from `reportgen.deid.synth` (the tagger's training
generator: real CC BY 4.0 clinical text with identifiers of all US states, hospital and
ward shapes, phone and date formats woven in), and prints span recall per identifier type
(a span counts when any of its characters is detected) and the share of tokens detected
outside any identifier. The seed differs from the tagger's training seed (0), but the
notes come from the same generator, so `--tagger` figures are in-distribution for it.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from reportgen.config import DeidSettings
from reportgen.deid import Item, build_deidentifier
from reportgen.deid.synth import LABELS, Synthesizer

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
_TOKEN = re.compile(r"[A-Za-z0-9]+")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED, help="Folder with aci-bench/ and mts-dialog/.")
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tagger", action="store_true", help="Also score rules + the trained tagger.")
    args = parser.parse_args()
    synthesizer = Synthesizer(args.data, args.seed)
    notes = [synthesizer.note() for _ in range(args.notes)]
    configs = {"rules (default)": DeidSettings(operator="tag")}
    if args.tagger:
        configs["rules + tagger"] = DeidSettings(operator="tag", use_tagger=True)
    print(f"{args.notes} synthetic notes (seed {args.seed}), tag operator, no site lists: span recall by type\n")
    print(f"{'':<18}" + "".join(f"{label:>14}" for label in LABELS) + f"{'false tokens':>14}")
    for name, settings in configs.items():
        results = build_deidentifier(settings).run([Item(str(i), n.text) for i, n in enumerate(notes)])
        spans, found, false, tokens = Counter(), Counter(), 0, 0
        for note, result in zip(notes, results):
            hit = [False] * len(note.text)
            for a in result.audit:
                hit[a["start"] : a["end"]] = [True] * (a["end"] - a["start"])
            gold = [False] * len(note.text)
            for start, end, label in note.spans:
                gold[start:end] = [True] * (end - start)
                spans[label] += 1
                found[label] += any(hit[start:end])
            for t in _TOKEN.finditer(note.text):
                tokens += 1
                false += any(hit[t.start() : t.end()]) and not any(gold[t.start() : t.end()])
        cells = [f"{found[label] / max(1, spans[label]):.3f} ({spans[label]})" for label in LABELS]
        print(f"{name:<18}" + "".join(f"{cell:>14}" for cell in cells) + f"{false / max(1, tokens):>14.4f}")


if __name__ == "__main__":
    main()
