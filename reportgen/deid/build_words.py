"""Rebuild data/common_words.txt: everyday English words, for telling words from names.

    python -m reportgen.deid.build_words ../shared/data

Counts the words of the ACI-Bench and MTS-Dialog notes (CC BY 4.0; Yim et al.
2023, Ben Abacha et al. 2023) and keeps those seen lower-case at least 3 times
and never capitalized inside a sentence. Only the clinicians' notes count: they
are properly cased, while the ACI-Bench transcripts are lower-case throughout
and would make every patient's first name ("martha") look like an everyday word.
No de-identification gold data is read.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

_TOKEN = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]+|[a-z][a-z'\-]*[a-z]")
OUT = Path(__file__).resolve().parent / "data" / "common_words.txt"
HEADER = (
    "# Everyday English words (lower-case in running text, >= 3 times) from the ACI-Bench and MTS-Dialog\n"
    "# clinicians' notes (CC BY 4.0). Rebuilt by `python -m reportgen.deid.build_words ../shared/data`.\n"
)


def count(paths: list[Path]) -> tuple[Counter[str], set[str]]:
    lower: Counter[str] = Counter()
    capitalized: set[str] = set()
    csv.field_size_limit(10**8)
    for path in paths:
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                for text in (row.get("note") or "", row.get("section_text") or ""):
                    for m in _TOKEN.finditer(text):
                        word = m.group()
                        if word[0].isupper():
                            capitalized.add(word.lower())
                        else:
                            lower[word] += 1
    return lower, capitalized


def main(data: Path) -> None:
    paths = [data / "aci-bench" / "train.csv", data / "aci-bench" / "valid.csv", *sorted((data / "mts-dialog").glob("MTS-Dialog-*Set.csv"))]
    lower, capitalized = count(paths)
    keep = sorted(w for w, n in lower.items() if n >= 3 and w not in capitalized and len(w) > 1)
    OUT.write_text(HEADER + "\n".join(keep) + "\n")
    print(f"{len(keep)} words -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
