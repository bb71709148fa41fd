"""The analyzer as a whole: spaCy and the clinical recognizers together, then the clinical filters."""

from __future__ import annotations

import pytest


def found(analyzer, text: str) -> list[str]:
    return sorted({text[s.start : s.end] for s in analyzer.analyze(text)})


def test_a_long_spacy_span_does_not_swallow_a_cue_hit(analyzer):
    # spaCy tags "W. MAROTTA AWARE" as one PERSON; Presidio would drop the cue hits it contains
    # if spaCy scored as high, and the shouting-note filter would then drop spaCy's span.
    text = "PT STARTED TO HAVE FREQUENT PVC'S AND BIGEMINY. W. MAROTTA AWARE. PT GIVEN MG."
    assert {"W", "MAROTTA"} <= set(found(analyzer, text))


@pytest.mark.parametrize(
    ("text", "neighbour"),
    [
        ("family: proxy is granddaughter: Irene Czyzewicz- 204-943-1045", "Czyzewicz"),
        ("SOCIAL: MET W/ CASEWORKER LEONA LABOWICH.", "LABOWICH"),
        ("will consult with patty hoeller re skin care.", "hoeller"),
        ("social-> pt's dtr-in-law Rita Hickey was in to visit", "Hickey"),
    ],
)
def test_a_found_name_takes_its_neighbour_written_the_same_way(analyzer, text, neighbour):
    assert any(neighbour in f for f in found(analyzer, text))


def test_neighbours_that_are_words_stay(analyzer):
    text = "Dr. Smith met with the family. LISA CALLED TO ASK."
    assert "met" not in " ".join(found(analyzer, text)) and "ASK" not in " ".join(found(analyzer, text))


def test_a_found_place_is_found_again_before_a_hyphen(analyzer):
    text = "ADMITTED IN TRANSFER FROM CALVERT HOSPITAL. 7/23 AT CALVERT- 2 FFP GIVEN."
    from reportgen.deid.expansion import propagate

    spans = propagate([(text, analyzer.analyze(text))])[0]
    assert any(text[s.start : s.end] == "CALVERT" and s.start > text.index("7/23") for s in spans)


def test_spacy_sees_only_what_it_can_add_at_the_same_offsets():
    from reportgen.deid.filters import ner_view

    far = " and the knee pain is better with ice and rest, and we will keep doing that for now ."
    text = "[doctor] hi linda , how are you ?" + far * 3 + "\n[patient] Seen by Dr. Smith today ."
    view = ner_view(text)
    assert len(view) == len(text)
    assert "hi linda" in view and "Dr. Smith" in view  # a common name, capitals: kept
    assert view.count("knee pain") < text.count("knee pain")  # sentences far from both: blanked


def test_spacy_keeps_two_word_names_not_a_lone_unlisted_word(analyzer):
    text = "Tolerating tapering Levofed doses. Lacrilube applied to eyes. Seen by Gerry Masci today."
    spans = found(analyzer, text)
    assert not {"Levofed", "Lacrilube"} & set(spans)
    assert any("Masci" in s for s in spans)


def test_a_header_label_after_a_name_stays(analyzer):
    assert "MRN" not in " ".join(found(analyzer, "Smith, John MRN: 4456789"))


def test_a_credential_after_a_name_stays(analyzer):
    assert "RRT" not in " ".join(found(analyzer, "Humidifier full.\n\n David Murray RRT\n"))
