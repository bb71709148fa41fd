"""Write one split of the PhysioNet deid gold corpus as tagger training data (JSONL: text + spans).

    PYTHONPATH=. .venv/bin/python bench/physionet_jsonl.py --split train -o /tmp/physionet-train.jsonl
    PYTHONPATH=. .venv/bin/python -m reportgen.deid.train --site-data /tmp/physionet-train.jsonl -o /tmp/tagger-pn

For measuring what in-domain notes add (`bench/deid_physionet.py --tagger /tmp/tagger-pn`).
The notes are GPL-2.0: a model trained on them is not the shipped one, and the
file stays outside the repository. Only the train split may be used.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from reportgen.deid.scoring import load_physionet, select

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SPLIT_FILE = Path(__file__).resolve().parent / "physionet_split.json"
LABELS = {
    "HCPName": "PERSON", "PTName": "PERSON", "PTNameInitial": "PERSON", "RelativeProxyName": "PERSON",
    "Location": "LOCATION", "Date": "DATE", "DateYear": "DATE", "Phone": "PHONE", "Age": "AGE", "Other": "ID",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=SHARED / "physionet-deid")
    parser.add_argument("--split", choices=("train",), default="train")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    notes = select(load_physionet(args.data), SPLIT_FILE, args.split)
    with args.output.open("w") as f:
        for n in notes:
            spans = [{"start": s, "end": e, "label": LABELS[kind]} for s, e, kind in n.phi]
            f.write(json.dumps({"text": n.text, "spans": spans}) + "\n")
    print(f"{len(notes)} notes of split '{args.split}' -> {args.output}")


if __name__ == "__main__":
    main()
