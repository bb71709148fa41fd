"""The extractive generator's trained tagger: training command, the file, and what a bad file does."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reportgen import errors
from reportgen.cli import cli
from reportgen.generation.align import NONE, labels
from reportgen.generation.dialogue import sentences
from reportgen.generation.excerpt import FULL
from reportgen.generation.extractive import ExtractiveGenerator
from reportgen.generation.tagger import TaggerModel, matrix
from reportgen.generation.wording import written
from reportgen.layout import load_layout
from reportgen.training.extractive import report_sentences, section_examples
from tests.conftest import SAMPLES
from tests.test_bad_input import assert_one_line_error

DIALOGUE = "\n".join([
    "[doctor] what brings you in today ?",
    "[patient] i have had a cough for two weeks .",
    "[doctor] okay .",
    "[doctor] on exam , your lungs have scattered wheezes .",
    "[doctor] my assessment is acute bronchitis , and we will start an inhaler .",
    "[patient] thank you .",
])
REPORT = ("HISTORY OF PRESENT ILLNESS\nThe patient reports a cough for two weeks.\n\n"
          "PHYSICAL EXAM\nLungs: scattered wheezes.\n\nASSESSMENT AND PLAN\nAcute bronchitis. Start an inhaler.\n")


def test_alignment_labels_sentences_by_the_report_section_they_feed():
    layout = load_layout("clinical-visit")
    items = sentences(DIALOGUE)
    found = labels([written(s) for s in items], REPORT, layout)
    assert found == [NONE, "hpi", NONE, "physical_exam", "assessment_plan", NONE]


def test_a_full_reports_own_sentences_are_labelled_with_their_section_in_order():
    """The written form of what the tagger looks for: each report sentence under its section, as one note, so a
    sentence's neighbours are the report's."""
    written = report_sentences(load_layout("clinical-visit").section_texts(REPORT))
    assert written.labels == ["hpi", "physical_exam", "assessment_plan", "assessment_plan"]
    assert written.words[1] == ["lungs", "scattered", "wheezes"]
    assert written.rows[1]["w:wheezes"] > 0 and written.rows[1]["p:cough"] > 0 and written.rows[1]["spk=None"] == 1.0
    assert report_sentences({"hpi": "A cough."}) == ([], [], [])  # a one-section report: an excerpt's summary


def test_an_excerpts_own_summary_and_a_full_visits_parts_teach_the_excerpt_section_model():
    layout = load_layout("clinical-visit")
    summary = layout.section_texts(layout.format_draft({"social_history": "Smokes a pack a day. Drinks beer on weekends."}))
    examples = section_examples("social_history", sentences(SMOKING), [NONE] * len(sentences(SMOKING)), summary)
    assert {k: [s.text for s in v] for k, v in examples.items()} == {"social_history": ["Smokes a pack a day.", "Drinks beer on weekends."]}
    items = sentences("Doctor: Any fevers?\nPatient: No fevers.\nDoctor: Okay.")
    assert list(section_examples(FULL, items, ["review_of_systems", "review_of_systems", NONE], {})) == ["review_of_systems"]
    assert section_examples(None, items, [NONE] * 3, {}) == {}


def test_train_extractive_writes_a_model_that_generate_uses(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"id": f"p{i}", "note": DIALOGUE, "report": REPORT}) + "\n" for i in range(6)))
    model = tmp_path / "site.safetensors"
    result = CliRunner().invoke(cli, ["train", "--method", "extractive", "--data", str(pairs), "-o", str(model)])
    assert result.exit_code == 0, result.output
    loaded = TaggerModel.load(model)
    assert {"hpi", "physical_exam", "assessment_plan", NONE} <= set(loaded.classes)
    assert loaded.excerpt is None  # full visits only: no excerpt to learn, every transcript is sorted
    assert loaded.info["pairs"] == 6 and loaded.info["deid_policy"] and "0.65 0.4 0.01" in loaded.info["cross_validation"]
    note = tmp_path / "note.txt"
    note.write_text(DIALOGUE)
    report = CliRunner(env={"REPORTGEN_GENERATE_EXTRACTIVE_MODEL": str(model)}).invoke(cli, ["generate", str(note), "-f", "json"])
    assert report.exit_code == 0, report.output
    provenance = json.loads(report.stdout)["provenance"]
    assert provenance["model_id"] == "site.safetensors" and provenance["model_version"] == loaded.sha256[:12]
    again = CliRunner().invoke(cli, ["train", "--method", "extractive", "--data", str(pairs), "-o", str(model)])
    assert_one_line_error(again, errors.USAGE, "already exists", "--overwrite")


def test_retraining_on_the_same_pairs_writes_the_same_file(tmp_path):
    """Surrogates are seeded from the data, so names the de-identification replaces label the same text each run."""
    named = "[doctor] hello mrs. jones , i am doctor smith .\n[patient] hi doctor smith , yes i am mrs. jones .\n" + DIALOGUE
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"id": f"p{i}", "note": named, "report": "Mrs. Jones is seen today.\n" + REPORT}) + "\n"
                             for i in range(4)))
    for name in ("one", "two"):
        result = CliRunner().invoke(cli, ["train", "--method", "extractive", "--data", str(pairs), "-o", str(tmp_path / f"{name}.safetensors")])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "one.safetensors").read_bytes() == (tmp_path / "two.safetensors").read_bytes()


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    (b"not a safetensors file", "unreadable"),
])
def test_missing_or_broken_model_is_one_line_naming_it(tmp_path, content, message):
    model = tmp_path / "site.safetensors"
    if content is not None:
        model.write_bytes(content)
    result = CliRunner(env={"REPORTGEN_GENERATE_EXTRACTIVE_MODEL": str(model)}).invoke(
        cli, ["generate", str(SAMPLES / "annual-exam.txt")])
    assert_one_line_error(result, errors.RUNTIME, str(model), message, "reportgen train --method extractive")


def test_a_model_of_another_format_is_refused(tmp_path):
    import numpy as np
    from safetensors.numpy import save_file

    model = tmp_path / "other.safetensors"
    save_file({"weight": np.zeros((2, 2), dtype=np.float32)}, str(model), {"format": "something-else"})
    with pytest.raises(errors.RuntimeFailure, match="not a reportgen-extractive-tagger"):
        TaggerModel.load(model)


SMOKING = "\n".join([
    "Doctor: Do you smoke?",
    "Patient: I smoke a pack of cigarettes a day, and I drink beer on weekends.",
    "Doctor: How long have you been smoking?",
    "Patient: About twenty years.",
])


def test_a_one_section_excerpt_is_written_under_the_section_the_excerpt_classifier_picks(tmp_path):
    """Pairs whose report has one section teach the excerpt classifier; full visits stay sorted sentence by sentence."""
    layout = load_layout("clinical-visit")
    excerpt_report = layout.format_draft({"social_history": "Smokes a pack a day for twenty years. Drinks beer on weekends."})
    rows = [{"id": f"full{i}", "note": DIALOGUE, "report": REPORT} for i in range(6)]
    rows += [{"id": f"soc{i}", "note": SMOKING, "report": excerpt_report} for i in range(6)]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps(row) + "\n" for row in rows))
    model = tmp_path / "site.safetensors"
    result = CliRunner().invoke(cli, ["train", "--method", "extractive", "--data", str(pairs), "-o", str(model)])
    assert result.exit_code == 0, result.output
    loaded = TaggerModel.load(model)
    assert loaded.excerpt is not None and set(loaded.excerpt.classes) == {"social_history", FULL}
    assert loaded.info["excerpt_dialogues"] == {FULL: 6, "social_history": 6}
    assert loaded.info["reference_sentences"] == 6 * 4  # the full reports' own sentences; a one-section report adds none
    generator = ExtractiveGenerator(loaded, model)
    texts = generator.sort(SMOKING, layout)
    assert list(texts) == ["social_history"] and "pack of cigarettes a day" in texts["social_history"]
    # a bare "No." is the excerpt's one fact: kept with its question, not dropped as back-channel
    assert generator.sort("Doctor: Do you smoke?\nPatient: No.", layout) == {"social_history": "Does the patient smoke? No."}
    assert {"hpi", "physical_exam", "assessment_plan"} <= set(generator.sort(DIALOGUE, layout))


def test_the_excerpt_classifier_survives_the_file_round_trip(tmp_path):
    """scikit-learn's multinomial coef_ is Fortran-ordered; the file must still hold it (and the sentence-vector
    model's) row by row."""
    from collections import Counter

    import numpy as np

    from reportgen.generation import excerpt

    dialogues = [Counter({"smoke": 2, "beer": 1}), Counter({"knee": 1, "pain": 2}), Counter({"allergic": 1, "penicillin": 1})] * 4
    found = np.random.default_rng(0).normal(size=(12, 384)).astype(np.float32)  # stand-ins for sentence vectors
    classifier = excerpt.fit(dialogues, ["social_history", "hpi", "allergies"] * 4, c=16.0, found=found)
    model = TaggerModel([NONE, "hpi"], {"bias": 0}, np.zeros((2, 1), dtype=np.float32), np.zeros(2, dtype=np.float32), {},
                        excerpt=classifier)
    model.save(tmp_path / "m.safetensors")
    loaded = TaggerModel.load(tmp_path / "m.safetensors").excerpt
    assert loaded is not None and loaded.classes == classifier.classes
    for counts in dialogues[:3]:
        assert np.allclose(loaded.probabilities(counts), classifier.probabilities(counts), atol=1e-3)
    assert loaded.section_classes == classifier.section_classes and loaded.section_weight is not None
    assert [loaded.label(counts, v) for counts, v in zip(dialogues, found)] == ["social_history", "hpi", "allergies"] * 4


def test_prior_power_gives_a_short_section_the_sentences_it_is_likelier_for_than_usual():
    import numpy as np

    model = TaggerModel([NONE, "hpi", "results"], {}, np.zeros((3, 0), dtype=np.float32), np.zeros(3, dtype=np.float32),
                        {"labels": {NONE: 50, "hpi": 40, "results": 10}})
    row = np.array([[0.3, 0.4, 0.3]])  # hpi a little likelier, results three times likelier than its share
    assert model.classes[int(model.section_scores(row)[0].argmax())] == "hpi"
    model.info["prior_power"] = 0.8
    assert model.classes[int(model.section_scores(row)[0].argmax())] == "results"


def test_without_the_sentence_encoder_an_excerpt_gets_the_words_only_section(monkeypatch):
    """reportgen[terms] not installed: the section comes from the words model, never an error."""
    from collections import Counter

    import numpy as np

    from reportgen.generation import excerpt

    dialogues = [excerpt.terms(sentences(SMOKING)), Counter({"knee": 1, "pain": 2}), excerpt.terms(sentences(DIALOGUE))] * 4
    found = np.random.default_rng(0).normal(size=(12, 384)).astype(np.float32)
    classifier = excerpt.fit(dialogues, ["social_history", "hpi", FULL] * 4, c=16.0, found=found)
    assert classifier.section_classes == ["hpi", "social_history"]
    monkeypatch.setattr(excerpt, "_encoder", lambda: None)
    assert classifier.section(sentences(SMOKING)) == "social_history"
    assert classifier.section(sentences(DIALOGUE)) is None


def test_a_full_visits_parts_about_one_section_teach_the_excerpt_section_model():
    """A full visit's sentences the alignment gives one section (after the doctor's question they answer) are
    short dialogues about it; the section model learns from those of the excerpts' sections, never a new one."""
    from collections import Counter

    import numpy as np

    from reportgen.generation import excerpt

    items = sentences("Doctor: Any fevers?\nPatient: No fevers.\nDoctor: On exam, lungs are clear.\n"
                      "Doctor: Your x-ray showed no fracture.\nDoctor: Okay.")
    parts = excerpt.parts(items, [NONE, "review_of_systems", "physical_exam", "results", NONE], NONE)
    assert {section: [s.text for s in part] for section, part in parts.items()} == {
        "review_of_systems": ["Any fevers?", "No fevers."]}  # one-sentence parts say too little to keep
    dialogues = [Counter({"smoke": 2}), Counter({"knee": 1, "pain": 2})] * 4
    found = np.random.default_rng(0).normal(size=(8, 384)).astype(np.float32)
    rash = (Counter({"rash": 3}), found[0], "hpi")
    without = excerpt.fit(dialogues, ["social_history", "hpi"] * 4, c=16.0, found=found)
    both = excerpt.fit(dialogues, ["social_history", "hpi"] * 4, c=16.0, found=found,
                       extra=[rash, (Counter({"x-ray": 1}), found[1], "results")])
    assert both.section_classes == without.section_classes == ["hpi", "social_history"]
    assert both.section_weight is not None and without.section_weight is not None
    assert not np.allclose(both.section_weight, without.section_weight)


def test_the_feature_matrix_keeps_the_vocabularys_features_in_order_and_drops_the_rest():
    vocab = {"a": 0, "b": 1, "c": 2}
    rows = [{"b": 0.5, "x": 9.0, "a": 2.0}, {}, {"y": 1.0}, {"c": 0.25}]
    x = matrix(rows, vocab)
    assert x.shape == (4, 3)
    assert x.toarray().tolist() == [[2.0, 0.5, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.25]]
    assert x.indices.tolist() == [1, 0, 2]  # each row's features in the row's order, as the model was fitted on
    assert matrix([], vocab).shape == (0, 3)
