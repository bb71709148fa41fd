"""`reportgen deid` end to end, fail-closed, no PHI in audit, logs or errors, the pipeline stage."""

from __future__ import annotations

import json
import logging
import re

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.config import DeidSettings, load_settings
from reportgen.deid import build_deidentifier
from reportgen.errors import RuntimeFailure
from reportgen.notes import Note
from reportgen.pipeline import Pipeline

NOTE = "Seen by Dr. Smith on 7/22/93. Husband John Baker at 301 944-5032. From Calvert Hospital.\n"
PHI = ("Smith", "7/22/93", "John", "Baker", "944-5032", "Calvert")
KEY = "0123456789abcdef0123456789abcdef"


def run(*args: str, input: str | None = None, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=env, catch_exceptions=False)


def assert_no_phi(text: str) -> None:
    for identifier in PHI:  # as a whole word: a surrogate may be "Johnson"
        assert not re.search(rf"(?<![\w/-]){re.escape(identifier)}(?![\w/-])", text)


def test_file_to_stdout(tmp_path):
    note = tmp_path / "n.txt"
    note.write_text(NOTE)
    result = run("deid", str(note))
    assert result.exit_code == 0, result.stderr
    assert_no_phi(result.stdout)
    assert "Hospital" in result.stdout


def test_folder_with_audit_and_workers(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    folder = tmp_path / "notes"
    (folder / "sub").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "sub/c.txt"):
        (folder / name).write_text(NOTE)
    out, audit = tmp_path / "out", tmp_path / "audit.jsonl"
    result = run("-v", "deid", str(folder), "-o", str(out), "--audit", str(audit), "--workers", "2", "--operator", "tag",
                 env={"REPORTGEN_NOTES_IDS": "name"})  # audit ids are file paths only when asked (test_note_ids.py)
    assert result.exit_code == 0, result.stderr
    assert (out / "sub" / "c.txt").read_text().startswith("Seen by Dr. <PERSON_1> on <DATE_1>.")
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    assert {r["note"] for r in records} == {"a", "b", "sub/c"}
    assert {"entity", "start", "end", "score", "recognizer", "operator"} <= set(records[0])
    assert_no_phi(audit.read_text())
    assert_no_phi(result.stderr)
    assert_no_phi(caplog.text)


def test_stdin_and_encrypt_decrypt_round_trip(tmp_path):
    env = {"REPORTGEN_DEID_KEY": KEY}
    encrypted = run("deid", "-", "--operator", "encrypt", input=NOTE, env=env)
    assert encrypted.exit_code == 0, encrypted.stderr
    assert_no_phi(encrypted.stdout)
    enc = tmp_path / "enc.txt"
    enc.write_text(encrypted.stdout)
    decrypted = run("deid", str(enc), "--decrypt", env=env)
    assert decrypted.stdout == NOTE
    wrong = run("deid", str(enc), "--decrypt", env={"REPORTGEN_DEID_KEY": "f" * 32})
    assert wrong.exit_code == 3
    assert_no_phi(wrong.stderr)


def test_key_from_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    config = tmp_path / "c.toml"
    config.write_text(f'[deid]\noperator = "encrypt"\nkey_file = "{key_file}"\n')
    result = run("--config", str(config), "deid", "-", input=NOTE)
    assert result.exit_code == 0, result.stderr
    assert "{enc:" in result.stdout


def test_missing_model_fails_closed(tmp_path):
    note = tmp_path / "n.txt"
    note.write_text(NOTE)
    result = run("deid", str(note), env={"REPORTGEN_DEID_MODEL": "no_such_spacy_model"})
    assert result.exit_code == 4
    assert "not installed" in result.stderr and "--no-ner" in result.stderr
    assert result.stdout == ""
    with pytest.raises(RuntimeFailure):
        build_deidentifier(DeidSettings(model="no_such_spacy_model"))


def test_no_ner_is_explicit_and_recorded(tmp_path):
    audit = tmp_path / "a.jsonl"
    result = run("deid", "-", "--no-ner", "--audit", str(audit), input=NOTE, env={"REPORTGEN_DEID_MODEL": "no_such_spacy_model"})
    assert result.exit_code == 0, result.stderr
    assert "--no-ner" in result.stderr
    assert all(json.loads(line)["ner"] is False for line in audit.read_text().splitlines())
    assert_no_phi(result.stdout)


def test_site_lists_are_always_removed(tmp_path):
    roster = tmp_path / "staff.txt"
    roster.write_text("# staff roster\nZelda Quonk\n")
    settings = load_settings(overrides={"deid.person_lists": [roster], "deid.operator": "tag"}, env={})
    text = build_deidentifier(settings.deid).deidentify("zelda quonk checked the drip.").text
    assert text == "<PERSON_1> checked the drip."


def test_pipeline_deidentifies_and_restores(tmp_path):
    settings = load_settings(overrides={"deid.operator": "tag", "data_dir": tmp_path}, env={})
    pipeline = Pipeline(settings=settings, layout=None, generator=None, deidentifier=build_deidentifier(settings.deid))
    note = Note(id="n", text=NOTE, sha256="0")
    prepared = pipeline.prepare([note], also=[["Dr. Smith agrees."]])[0]
    clean = prepared.deid
    assert pipeline.deid_policy == "presidio-clinical/tag (ner+patterns)"
    assert clean.also == ["Dr. <PERSON_1> agrees."]
    assert "Smith" in clean.identifiers
    assert clean.restore("Plan by <PERSON_1>.") == "Plan by Smith."
    assert "Smith" not in repr(clean) and "Smith" not in repr(prepared)
    off = Pipeline(settings=settings, layout=None, generator=None)
    assert off.deid_policy is None and off.prepare([note])[0].text == NOTE


def test_generate_no_deid_warns(tmp_path):
    note = tmp_path / "n.txt"
    note.write_text(NOTE)
    result = run("generate", str(note), "--no-deid", env={"XDG_DATA_HOME": str(tmp_path)})
    assert "Warning: --no-deid" in result.stderr
