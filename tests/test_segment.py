"""The segmenter that cuts long unpunctuated turns: learnt from punctuated talk, loses no character."""

from __future__ import annotations

import numpy as np

from reportgen.generation import segment
from reportgen.generation.align import NONE
from reportgen.generation.dialogue import sentences
from reportgen.generation.tagger import TaggerModel

PUNCTUATED = "\n".join([
    "[doctor] okay. so let me listen to your heart. your heart sounds good.",
    "[patient] alright. i have had knee pain. it hurts when i walk.",
    "[doctor] okay. so on exam your knee is swollen. so let's talk about the plan. i will order an x-ray.",
    "[patient] okay. thank you.",
])
# One turn, no punctuation: exam, then plan, with the cue words the punctuated talk starts sentences with.
RUN_ON = ("[doctor] alright let me press on your knee here does that hurt okay so on exam your right knee is swollen "
          "with a small effusion so let's talk about the plan i will order an x-ray of the right knee and see you in two weeks")


def _segmenter() -> segment.Segmenter:
    return segment.fit([sentences(PUNCTUATED)] * 3)


def test_a_long_unpunctuated_turn_is_cut_where_talk_starts_sentences_and_keeps_every_character():
    items = sentences(RUN_ON)
    assert len(items) == 1
    pieces = _segmenter().split(items)
    assert len(pieces) >= 3
    assert " ".join(p.text for p in pieces) == items[0].text  # nothing lost, nothing rewritten
    assert any(p.text.startswith("so on exam") for p in pieces)  # "okay. so ..." is how the punctuated talk goes on
    assert [p.index for p in pieces] == list(range(len(pieces)))
    assert pieces[0].turn_start and not any(p.turn_start for p in pieces[1:])
    assert {p.speaker for p in pieces} == {"doctor"} and {p.turn for p in pieces} == {0}


def test_short_sentences_and_written_notes_are_kept_whole():
    segmenter = _segmenter()
    assert [s.text for s in segmenter.split(sentences(PUNCTUATED))] == [s.text for s in sentences(PUNCTUATED)]
    note = RUN_ON.removeprefix("[doctor] ")  # a written note's long sentence (no speaker): not talk
    assert segmenter.split(sentences(note)) == sentences(note)


def test_unpunctuated_transcripts_teach_nothing():
    """A transcript whose sentences are whole turns would teach that sentences never start mid-turn."""
    learnt = segment.fit([sentences(RUN_ON)])
    assert learnt.pairs == {} and learnt.prior == 0.0


def test_the_segmenter_survives_the_model_file_round_trip(tmp_path):
    segmenter = _segmenter()
    model = TaggerModel([NONE, "hpi"], {"bias": 0}, np.zeros((2, 1), dtype=np.float32), np.zeros(2, dtype=np.float32), {},
                        segmenter=segmenter)
    model.save(tmp_path / "m.safetensors")
    loaded = TaggerModel.load(tmp_path / "m.safetensors").segmenter
    assert loaded is not None and loaded.to_json() == segmenter.to_json()
    assert loaded.cut(sentences(RUN_ON)[0].text) == segmenter.cut(sentences(RUN_ON)[0].text)


def test_a_piece_never_ends_with_a_negation_cue():
    """Cut anywhere the counts allow (here: everywhere), a negation still stays with what it negates."""
    eager = segment.Segmenter({}, {}, {}, prior=1.0, negations=_segmenter().negations, longest=4)
    text = "on exam there's no rebound or guarding and the patient denies any chest pain at rest today"
    pieces = eager.cut(text)
    assert len(pieces) > 1 and " ".join(pieces) == text
    assert not any(piece.split()[-1] in ("no", "denies") for piece in pieces)
    assert "no" in eager.negations and "negative for" in eager.negations  # NegEx's own cues, not a list of ours


def test_a_piece_never_ends_wanting_its_complement_or_in_a_stutter():
    """"his a1c is | 8" or "is | is 8" would leave a value to a piece without its name."""
    eager = segment.Segmenter({}, {}, {}, prior=1.0, negations=[], longest=4)
    text = "okay so your hemoglobin a1c here is is 8 which is a bit high for the patient today"
    pieces = eager.cut(text)
    assert len(pieces) > 1 and " ".join(pieces) == text
    assert all(piece.split()[-1] not in ("is", "a", "the", "for") for piece in pieces[:-1])
    assert not any(piece.startswith("is 8") for piece in pieces)


def test_a_dose_keeps_its_duration():
    """"three times a day | for seven days" would leave the duration to a piece that may be left out."""
    eager = segment.Segmenter({}, {}, {}, prior=1.0, negations=[], longest=4)
    text = "i will prescribe amoxicillin 500 mg twice daily for the next seven days and we will recheck in a week"
    pieces = eager.cut(text)
    assert len(pieces) > 1 and " ".join(pieces) == text
    assert any("twice daily for the next seven days" in piece for piece in pieces)
