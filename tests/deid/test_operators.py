"""Operators through the de-identifier: surrogate consistency, date shift, tags, encryption, restore."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from reportgen.deid.operators import date_offset, decrypt_text, shift_date
from reportgen.deid.spans import Span, resolve
from reportgen.errors import InputError, UsageError

NOTE = (
    "Seen by Dr. Smith on 7/22/93 with husband John Baker. Smith's plan: recheck 7/29/93. "
    "SMITH aware. Call 301 944-5032. Transferred from Calvert Hospital. 91 yo."
)
KEY = "0123456789abcdef"


def test_surrogates_are_consistent_and_remove_the_identifiers(deid):
    result = deid().deidentify(NOTE)
    for original in ("Smith", "John", "Baker", "7/22/93", "944-5032", "Calvert"):
        assert not re.search(rf"(?<![\w/-]){re.escape(original)}(?![\w/-])", result.text, re.I)  # "Johnson" may be a surrogate
    surrogate = re.search(r"Dr\. (\w+)", result.text).group(1)
    assert f"{surrogate}'s plan" in result.text  # "Dr. Smith", "Smith's" -> one surrogate
    assert f"{surrogate.upper()} aware" in result.text  # case kept
    assert "90+ yo" in result.text
    assert "Hospital" in result.text  # the cue stays readable


def test_a_facility_keeps_its_kind_and_shares_the_place_surrogate(deid):
    result = deid().deidentify("Transferred from Calvert Hospital for cath. Records from CALVERT requested.")
    place = re.search(r"from (.+) Hospital for", result.text).group(1)
    assert "Calvert" not in result.text and f"from {place.upper()} requested" in result.text


def test_date_shift_keeps_intervals_and_format(deid):
    result = deid().deidentify(NOTE)
    first, second = re.findall(r"\b\d{1,2}/\d{1,2}/\d{2}\b", result.text)
    parse = lambda s: date(1900 + int(s.split("/")[2]), int(s.split("/")[0]), int(s.split("/")[1]))  # noqa: E731
    assert parse(second) - parse(first) == timedelta(days=7)
    assert parse(first) != date(1993, 7, 22)


@pytest.mark.parametrize(
    ("original", "shifted"),
    [("7/22", "6/17"), ("11/21/93", "10/16/92"), ("8/87", "7/86"), ("1992", "1991"), ("'92", "'91"),
     ("2001-03-04", "2000-01-28"), ("January 5th, 1998", "November 30th, 1996"), ("MARCH", "FEBRUARY")],
)  # fmt: skip
def test_shift_date_formats(original, shifted):
    assert shift_date(original, timedelta(days=-401)) == shifted


def test_no_date_offset_gives_a_date_back_unchanged():
    """Every offset a secret can draw moves a month, a day and month, and a year: none is a whole number of years."""
    for number in range(335):
        offset = date_offset(number)
        for original in ("December", "December 5th", "february 29th", "2019", "March 2018", "12/5/19"):
            shifted = shift_date(original, offset)
            assert shifted is not None and shifted.lower() != original.lower(), (number, original)


def test_unparseable_dates_become_tags(deid):
    result = deid().deidentify("Home for Christmas, seen by Dr. Smith.")
    assert "<DATE_1>" in result.text and "Christmas" not in result.text


def test_patient_key_shares_surrogates_and_offset_across_notes(deid):
    d = deid()
    one = d.deidentify("Dr. Smith saw her on 7/22/93.", patient="p1")
    two = d.deidentify("Dr. Smith called on 7/22/93.", patient="p1")
    other = d.deidentify("Dr. Smith called on 7/22/93.", patient="p2")
    assert one.text.split(" saw")[0] == two.text.split(" called")[0]
    assert one.text[-9:] == two.text[-9:]
    assert other.text != two.text


def test_a_pipeline_given_a_patient_makes_the_same_surrogates_in_every_run(deid):
    from dataclasses import replace

    from reportgen.config import load_settings
    from reportgen.notes import Note
    from reportgen.pipeline import Pipeline

    base = Pipeline.from_settings(load_settings(env={}), deidentify=False)
    note = Note("n1", "Dr. Smith saw John Baker on 7/22/93.", "")
    runs = [replace(base, deidentifier=deid()).prepare([note], patient="pair 1")[0].text for _ in range(2)]
    assert runs[0] == runs[1] and "Smith" not in runs[0]


def test_tags_are_numbered_per_entity_and_consistent(deid):
    result = deid("tag").deidentify("Dr. Smith and Dr. Jones met. Smith's note. Seen 7/22/93 and 7/23/93.")
    assert result.text == "Dr. <PERSON_1> and Dr. <PERSON_2> met. <PERSON_1>'s note. Seen <DATE_1> and <DATE_2>."


def test_companion_texts_share_the_mapping(deid):
    result = deid().deidentify("Dr. Smith saw the patient on 7/22/93.", also=["Reviewed by Smith on 7/22/93."])
    surrogate = re.search(r"Dr\. (\w+)", result.text).group(1)
    shifted = re.search(r"\d+/\d+/\d+", result.text).group()
    assert result.also == [f"Reviewed by {surrogate} on {shifted}."]


def test_restore_puts_the_originals_back(deid):
    result = deid().deidentify(NOTE)
    assert result.restore(result.text) == NOTE  # ages over 89 too: the clinician's copy has the real one
    tagged = deid("tag").deidentify(NOTE)
    assert "Smith" in tagged.restore("Report: <PERSON_1> reviewed.")
    assert set(tagged.identifiers) >= {"Smith", "John Baker", "7/22/93"}


def test_restore_escapes_for_the_output_format(deid):
    result = deid("tag").deidentify("Dr. O'Brien <b> saw him.")
    assert result.restore("<PERSON_1>", escape=lambda s: s.replace("'", "&#x27;")) == "O&#x27;Brien"


def test_encrypt_round_trip_with_overlapping_detections(deid):
    text = "Dr. John Smith at Calvert Hospital, MRN: 1234567, 7/22/93, Smith's wife Carol."
    result = deid("encrypt", KEY).deidentify(text)
    assert "Smith" not in result.text and "{enc:" in result.text
    assert decrypt_text(result.text, KEY) == text
    assert result.restore(result.text) == text
    with pytest.raises(InputError) as e:
        decrypt_text(result.text, "fedcba9876543210")
    assert "Smith" not in str(e.value)


def test_encrypt_needs_a_valid_key(deid):
    with pytest.raises(UsageError):
        deid("encrypt")
    with pytest.raises(UsageError):
        deid("encrypt", "short")


def test_mask_and_redact(deid):
    masked = deid("mask").deidentify("Seen by Dr. Smith.").text
    assert masked == "Seen by Dr. *****."
    assert deid("redact").deidentify("Seen by Dr. Smith.").text == "Seen by Dr. ."


def test_overlaps_resolve_longest_first_and_merge_neighbours():
    text = "John Smith on 7/22/93"
    spans = [
        Span("PERSON", 0, 4, 0.5, "a"),
        Span("PERSON", 5, 10, 0.5, "b"),
        Span("DATE", 14, 21, 0.9, "c"),
        Span("PHONE", 14, 18, 0.9, "d"),
        Span("LOCATION", 3, 7, 0.9, "e"),
    ]
    assert [(s.entity, text[s.start : s.end]) for s in resolve(spans, text)] == [("PERSON", "John Smith"), ("DATE", "7/22/93")]


def test_resolve_leaves_disjoint_spans_covering_every_detected_character():
    import random

    rng = random.Random(0)
    text = "".join(rng.choice("ab1 ") for _ in range(3000))
    spans = []
    for _ in range(2000):
        start = rng.randrange(len(text) - 1)
        spans.append(Span(rng.choice(("PERSON", "DATE", "PHONE")), start, start + rng.randint(1, 30), rng.random(), "r"))
    out = resolve(spans, text)
    assert all(a.end <= b.start for a, b in zip(out, out[1:]))
    covered = {i for s in out for i in range(s.start, s.end)}
    assert all(i in covered for s in spans for i in range(s.start, min(s.end, len(text))) if text[i].isalnum())


def test_lower_case_first_names_in_transcripts_are_replaced(deid):
    # ACI-Bench transcripts are lower-case throughout; the patient's first name must not survive.
    text = "[doctor] hi , martha . how are you ?\n[doctor] so , martha , it's been a year since i've seen you .\n"
    result = deid("tag").deidentify(text)
    assert "martha" not in result.text.lower()
    assert result.text.count("<PERSON_1>") == 2


@pytest.mark.parametrize(
    ("text", "gender"),
    [
        ("Seen with her daughter Robin today.", "female"),
        ("Son Ashley visited.", "male"),
        ("Dr. Robin Hayes came in; she is well.", "female"),
        ("Mr. Robin Jones came in.", "male"),
    ],
)
def test_surrogate_first_names_keep_the_gender_the_text_implies(deid, text, gender):
    from reportgen.deid.gender import name_gender

    result = deid().deidentify(text)
    replaced = [w for w in result.pairs if result.pairs[w].lower() in ("robin", "ashley")]
    assert replaced and name_gender(replaced[0]) == gender


def test_a_census_first_name_gets_a_first_name_surrogate(deid):
    """"Rosa" is in the census's first names, not Faker's: it was replaced by a last name ("Daughter Lopez")."""
    from reportgen.deid.gender import name_gender

    result = deid().deidentify("Her daughter Rosa drove her in.")
    replaced = [w for w in result.pairs if result.pairs[w] == "Rosa"]
    assert replaced and name_gender(replaced[0]) == "female"


def test_a_surrogate_holds_no_word_of_the_note():
    from faker import Faker

    from reportgen.deid.operators import Mapping

    mapping = Mapping(b"s", "note", Faker("en_US"))
    mapping.avoid.update({"husband", "john", "baker"})  # "Husband John Baker ... From Calvert Hospital"
    offers = iter(["Port John", "Lake Mary"])
    assert mapping._unique("LOCATION", "calvert", lambda: next(offers)) == "Lake Mary"
