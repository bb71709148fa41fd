"""The trained PHI tagger: training data, the training command, the registered recognizer, failing closed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.deid.scoring import load_physionet, patient_of, split_patients
from reportgen.deid.synth import LABELS, Synthesizer
from reportgen.deid.tagger import DEFAULT_TAGGER, NAME, PhiTaggerRecognizer, load_tagger, plausible
from reportgen.deid.train import TaggerTrainConfig, read_site_data, train
from reportgen.errors import InputError, RuntimeFailure
from tests.conftest import REPO, shared_data

SITE_NOTES = [
    ("Dr. Quimby aware of K 3.1.", [(4, 10, "PERSON")]),
    ("Transferred from Wexford General on 3/14.", [(17, 24, "LOCATION"), (36, 40, "DATE")]),
    ("Wife Philippa called, pain 2/10.", [(5, 13, "PERSON")]),
    ("Call 617 555 0199 x23 with questions.", [(5, 21, "PHONE")]),
]


def _write_site_data(path: Path, copies: int = 6) -> Path:
    path.write_text("".join(json.dumps({"text": t, "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in spans]}) + "\n" for t, spans in SITE_NOTES * copies))
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tagger trained in a second or two on site data alone (the retraining path a site uses)."""
    root = tmp_path_factory.mktemp("tagger")
    config = TaggerTrainConfig(output=root / "model", site_data=[_write_site_data(root / "site.jsonl")], synthetic=0, epochs=2, width=16, depth=1, embed_size=100)
    train(config, say=lambda line: None)
    return config.output


def test_synthetic_examples_label_identifiers_in_real_text():
    synth = Synthesizer(shared_data(), seed=3)
    examples = list(synth.examples(60))
    labelled = [(ex.text[s:e], lab) for ex in examples for s, e, lab in ex.spans]
    assert {lab for _, lab in labelled} >= {"PERSON", "LOCATION", "DATE", "PHONE", "ID"}
    assert all(lab in LABELS and text.strip() == text and text for text, lab in labelled)
    for ex in examples:  # spans never overlap
        assert all(a[1] <= b[0] for a, b in zip(ex.spans, ex.spans[1:]))


def test_dialogue_metadata_names_are_replaced_and_labelled():
    synth = Synthesizer(shared_data(), seed=5)
    text, names = synth.dialogues[0]  # the first ACI-Bench train encounter names its patient
    line = next(line for line in text.split("\n") if any(n in line.lower().split() for n in names))
    out, spans = synth._replace_names(line, names)
    assert spans and all(label == "PERSON" for _, _, label in spans)
    assert not any(n in out.lower().replace(",", " ").split() for n in names)


def test_site_data_format_errors_name_the_line_not_the_text(tmp_path: Path):
    good = _write_site_data(tmp_path / "good.jsonl", copies=1)
    assert [ex.spans for ex in read_site_data(good)] == [spans for _, spans in SITE_NOTES]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good.read_text() + json.dumps({"text": "Mr Secretname", "spans": [{"start": 3, "end": 99, "label": "PERSON"}]}) + "\n")
    with pytest.raises(InputError, match="line 5") as e:
        read_site_data(bad)
    assert "Secretname" not in str(e.value)


def test_retrained_tagger_loads_and_runs_as_a_presidio_recognizer(tiny_model: Path):
    recognizer = PhiTaggerRecognizer(load_tagger(tiny_model))
    assert set(recognizer.supported_entities) <= set(LABELS)
    results = recognizer.analyze("Dr. Quimby aware of K 3.1.", recognizer.supported_entities)
    assert all(r.recognition_metadata["recognizer_name"] == NAME for r in results)
    assert not (tiny_model / "vocab" / "lookups.bin").exists()  # spaCy's empty lookup tables are not written


def test_shipped_tagger_is_small_and_finds_what_the_rules_do_not_know():
    size = sum(p.stat().st_size for p in DEFAULT_TAGGER.rglob("*") if p.is_file())
    assert size < 25_000_000
    recognizer = PhiTaggerRecognizer(load_tagger(DEFAULT_TAGGER))
    text = "PT TRANSFERRED FROM PINE RIDGE ON 3/14. WIFE JOLENE CALLED AT 1400, UPDATED. PAIN 2/10, BP 130/82."
    found = {(text[r.start : r.end], r.entity_type) for r in recognizer.analyze(text, list(LABELS))}
    assert ("JOLENE", "PERSON") in found
    assert not {t for t, _ in found} & {"2/10", "130/82", "1400"}


def _run_deid(tmp_path: Path, env: dict[str, str], *flags: str):
    note = tmp_path / "note.txt"
    note.write_text("Wife Jolene called; Dr. Quimby aware.\n")
    audit = tmp_path / "audit.jsonl"
    result = CliRunner().invoke(cli, ["deid", str(note), "--operator", "tag", "--audit", str(audit), *flags], env=env)
    return result, audit


def test_missing_tagger_model_fails_closed_naming_the_file(tmp_path: Path):
    result, audit = _run_deid(tmp_path, {"REPORTGEN_DEID_TAGGER": str(tmp_path / "nowhere")})
    assert result.exit_code == 4
    assert "nowhere" in result.output and "python -m reportgen.deid.train" in result.output
    assert "Traceback" not in result.output and "Jolene" not in result.output and not audit.exists()


def test_corrupt_tagger_model_fails_closed(tmp_path: Path, tiny_model: Path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    (broken / "ner" / "model").write_bytes(b"not a model")
    result, audit = _run_deid(tmp_path, {"REPORTGEN_DEID_TAGGER": str(broken)})
    assert result.exit_code == 4 and "cannot be loaded" in result.output and "Traceback" not in result.output
    assert not audit.exists()


def test_missing_model_is_a_runtime_failure_not_a_rules_only_run(tmp_path: Path):
    with pytest.raises(RuntimeFailure, match=r"config\.cfg"):
        load_tagger(tmp_path)


def test_the_tagger_is_opt_in_and_recorded_in_the_audit(tmp_path: Path):
    result, audit = _run_deid(tmp_path, {})
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert records and all(r["tagger"] is False for r in records)
    result, audit = _run_deid(tmp_path, {}, "--tagger")
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert records and all(r["tagger"] is True for r in records)


def test_stored_physionet_split_is_the_seeded_patient_split():
    notes = load_physionet(shared_data("physionet-deid"))
    stored = json.loads((REPO / "bench" / "physionet_split.json").read_text())
    expected = split_patients([patient_of(n) for n in notes])
    assert {k: stored[k] for k in expected} == expected
    assert not set(expected["test"]) & (set(expected["train"]) | set(expected["dev"]))


@pytest.mark.parametrize(
    ("label", "text", "ok"),
    [
        ("PHONE", "(617) 555-1234", True), ("PHONE", "617/555-1234 x22", True), ("PHONE", "280-320", False), ("PHONE", "550x12/5/50", False),
        ("DATE", "7/22", True), ("DATE", "07-22-2019", True), ("DATE", "July 4th, 2019", True), ("DATE", "'92", True),
        ("DATE", "6-8", False), ("DATE", "13/10", False), ("DATE", "1400", False), ("DATE", "cpap 10/peep 5", False),
        ("ID", "XT368329980", True), ("ID", "12-345-67", True), ("ID", "400-500", False), ("ID", "95-130/60-70", False),
        ("PERSON", "Jolene", True), ("PERSON", "co", False), ("LOCATION", "Pine Ridge\nHospital", False),
    ],
)
def test_tagged_spans_must_have_the_shape_of_their_type(label: str, text: str, ok: bool):
    assert plausible(label, text, 0, len(text)) is ok


def test_an_age_is_tagged_only_over_89_and_as_an_age():
    assert plausible("AGE", "95 yo woman", 0, 2) and plausible("AGE", "aged 95", 5, 7)
    assert not plausible("AGE", "HR 95 bpm", 3, 5) and not plausible("AGE", "85 yo", 0, 2)


def test_training_command_retrains_on_site_data_and_refuses_too_little(tmp_path: Path):
    from reportgen.deid.train import main

    site = _write_site_data(tmp_path / "site.jsonl", copies=3)
    out = tmp_path / "model"
    result = CliRunner().invoke(main, ["--site-data", str(site), "--synthetic", "0", "--epochs", "1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_tagger(out).pipe_names == ["ner"] and "wrote" in result.output
    result = CliRunner().invoke(main, ["--synthetic", "0", "-o", str(tmp_path / "none")])
    assert result.exit_code == 2 and "fewer than 10" in result.output and not (tmp_path / "none").exists()
