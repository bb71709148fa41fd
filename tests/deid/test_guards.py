"""Each guard on the clinical text it clears and on the identifiers it must leave alone."""

from __future__ import annotations

import pytest

from reportgen.deid.guards import guarded_by
from reportgen.deid.recognizers import DATE, LOCATION, PERSON
from reportgen.deid.spans import Span


def span_of(text: str, found: str, entity: str, recognizer: str = "SpacyRecognizer", pattern: str | None = None) -> Span:
    start = text.index(found)
    return Span(entity, start, start + len(found), 0.5, recognizer, pattern)


DATE_HIT = ("ClinicalDateRecognizer", "month/day")


@pytest.mark.parametrize(
    ("text", "found", "entity", "guard"),
    [
        ("Pain 2/10 at rest.", "2/10", DATE, "clinical value"),
        ("[patient] i'd say it's a 6/10 .", "6/10", DATE, "clinical value"),
        ("Grade 3/6 holosystolic murmur.", "3/6", DATE, "clinical value"),
        ("2/6 SEM at the RUSB.", "2/6", DATE, "clinical value"),
        ("RUE 3/5, LUE 5/5.", "5/5", DATE, "clinical value"),
        ("Pt remained on CPAP, 5/5, 40% till 4PM.", "5/5", DATE, "clinical value"),
        ("ON BIPAP OVERNIGHT 10/5 FIO2 65%.", "10/5", DATE, "clinical value"),
        ("Crackles 1/3 up bilat.", "1/3", DATE, "clinical value"),
        ("Continues on IVF D5 1/2 at 75/hr.", "1/2", DATE, "clinical value"),
        ("Developed 4/10 CP at 0400.", "4/10", DATE, "clinical value"),
        ("Vent support at psv 12/5/40%.", "12/5/40", DATE, "clinical value"),
        ("Positive Murphy's sign.", "Murphy", PERSON, "eponym"),
        ("Kernig and Brudzinski signs are negative.", "Kernig", PERSON, "eponym"),
        ("Ottawa ankle rules negative.", "Ottawa", LOCATION, "eponym"),
        ("Child-Pugh class B.", "Pugh", PERSON, "eponym"),
        ("History of Hashimoto's thyroiditis.", "Hashimoto", PERSON, "eponym"),
        ("[doctor] take it twice a day .", "day", PERSON, "dosing phrase"),
        ("Metoprolol every morning.", "morning", PERSON, "dosing phrase"),
        ("Will obtain an MRI.", "Will", PERSON, "sentence-start word"),
        ("Stable. Hope to wean tomorrow.", "Hope", PERSON, "sentence-start word"),
    ],
)
def test_guards_clear_clinical_text(text, found, entity, guard):
    recognizer, pattern = DATE_HIT if entity == DATE else ("SpacyRecognizer", None)
    assert guarded_by(span_of(text, found, entity, recognizer, pattern), text) == guard


@pytest.mark.parametrize(
    ("text", "found", "entity", "recognizer"),
    [
        ("Seen in clinic on 3/14 for follow-up.", "3/14", DATE, "ClinicalDateRecognizer"),
        ("Pain since 2/10, worse today.", "2/10", DATE, "ClinicalDateRecognizer"),
        ("Surgery 7/22, doing well.", "7/22", DATE, "ClinicalDateRecognizer"),
        ("Trach placed 8/14. Mech vent via trach.", "8/14", DATE, "ClinicalDateRecognizer"),
        ("MECH VENT VIA TRACH (PLACED 8/14).", "8/14", DATE, "ClinicalDateRecognizer"),
        ("Seen on 1/2 in clinic.", "1/2", DATE, "ClinicalDateRecognizer"),
        ("Discussed with Dr. Murphy's team.", "Murphy", PERSON, "TitledNameRecognizer"),
        ("Smith's plan: recheck in a week.", "Smith", PERSON, "SpacyRecognizer"),
        ("Husband Will called twice.", "Will", PERSON, "RelativeNameRecognizer"),
        ("Seen with Rose today.", "Rose", PERSON, "SpacyRecognizer"),
        ("Bruce Ward test results pending.", "Bruce Ward", PERSON, "SiteListPersonRecognizer"),
        ("Martha Collins is here for her annual exam.", "Martha Collins", PERSON, "SpacyRecognizer"),
    ],
)
def test_guards_leave_identifiers(text, found, entity, recognizer):
    pattern = "listed phrase" if recognizer.startswith("SiteList") else ("p" if recognizer != "SpacyRecognizer" else None)
    assert guarded_by(span_of(text, found, entity, recognizer, pattern), text) is None
