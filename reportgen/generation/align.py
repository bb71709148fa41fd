"""Training labels for the sentence tagger: which report section (if any) each
note sentence feeds.

The extractive oracle: for each section of the reference report, shortest
first (so a short results or exam section is not robbed by a long history
that repeats its findings: on a dev split of ACI-Bench train this lifted the
results and assessment divisions 3-6 ROUGE-1 points), note sentences (in the written form the report will use) are added one
at a time while they raise the unigram F1 between the chosen sentences and
that section; chosen sentences take the section's id, the rest are `NONE`
(talk that the report does not use). Content words only, so "the" and "and"
do not pull sentences in.
"""

from __future__ import annotations

import re
from collections import Counter

from reportgen.layout import Layout

NONE = "none"
_WORD = re.compile(r"[a-z0-9]+(?:[./][0-9]+)?")
STOPWORDS = frozenset(
    """a an the and or but if of to in on at for with from by as is are was were be been being am do does did
    doing have has had having i me my mine you your yours he him his she her hers it its we us our they them
    their this that these those there here what which who whom whose when where why how so than then too very
    just also not yes yeah okay ok um uh like know well right really can could would should will shall may
    might must about into over up out off again once all any both each few more most other some
    such only own same s t don't i'm i've it's that's you're can't didn't doesn't isn't let's going go get
    got think say said tell told see look looks thing things little bit kind sort lot now""".split()
)


def content_words(text: str) -> Counter[str]:
    return Counter(w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1)


def labels(written: list[str], report: str, layout: Layout) -> list[str]:
    """One label per note sentence (given in written form): a section id or NONE."""
    found = [NONE] * len(written)
    bags = [content_words(text) for text in written]
    sections = sorted(layout.section_texts(report).items(), key=lambda item: len(item[1]))
    for section_id, text in sections:
        target = content_words(text)
        chosen: Counter[str] = Counter()
        score = 0.0
        while True:
            best, best_score = None, score
            for i, bag in enumerate(bags):
                if found[i] == NONE and bag:
                    candidate = _f1(chosen + bag, target)
                    if candidate > best_score:
                        best, best_score = i, candidate
            if best is None:
                break
            found[best], score = section_id, best_score
            chosen += bags[best]
    return found


def _f1(candidate: Counter[str], target: Counter[str]) -> float:
    overlap = sum((candidate & target).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(candidate.values()), overlap / sum(target.values())
    return 2 * precision * recall / (precision + recall)
