"""A note's file name can hold identifiers: reports, audits, batch output names and the manifest's
note ids are opaque unless notes.ids = "name"."""

from __future__ import annotations

import json
import os
import stat

from click.testing import CliRunner

from reportgen.cli import cli
from tests.conftest import SAMPLES

NAME = "Quux_Zebediah_MRN4471923"  # stands for identifiers in a file name


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_generate_and_deid_never_carry_the_file_name(tmp_path):
    note = tmp_path / f"{NAME}.txt"
    note.write_text((SAMPLES / "finger-pain.txt").read_text())
    for fmt in ("md", "html", "json"):
        result = run("generate", str(note), "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "Quux" not in result.stdout and "4471923" not in result.stdout
    report = json.loads(run("generate", str(note), "--format", "json").stdout)
    assert report["provenance"]["note_id"].startswith("note-")
    audit = tmp_path / "audit.jsonl"
    assert run("deid", str(note), "-o", str(tmp_path / "clean.txt"), "--audit", str(audit)).exit_code == 0
    assert "Quux" not in audit.read_text() and json.loads(audit.read_text().splitlines()[0])["note"].startswith("note-")
    named = json.loads(run("generate", str(note), "--format", "json", env={"REPORTGEN_NOTES_IDS": "name"}).stdout)
    assert named["provenance"]["note_id"] == NAME


def test_batch_outputs_are_named_by_opaque_ids_mapped_in_the_manifest(tmp_path):
    folder = tmp_path / "in"
    (folder / "ward").mkdir(parents=True)
    (folder / f"{NAME}.txt").write_text((SAMPLES / "finger-pain.txt").read_text())
    (folder / "ward" / f"{NAME}.txt").write_text((SAMPLES / "finger-pain.txt").read_text() + "\nSecond visit.\n")
    out = tmp_path / "out"
    result = run("batch", str(folder), "-o", str(out), "-r", "--format", "md,json", "-j", "1")
    assert result.exit_code == 0, result.output
    outputs = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert all("Quux" not in name and "4471923" not in name for name in outputs)
    records = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert {r["input"] for r in records} == {f"{NAME}.txt", f"ward/{NAME}.txt"}  # the map from ids to files
    assert stat.S_IMODE(os.stat(out / "manifest.jsonl").st_mode) == 0o600
    for record in records:
        assert record["outputs"] == [f"{record['note']}.md", f"{record['note']}.json"]
        report = json.loads((out / record["outputs"][1]).read_text())
        assert report["provenance"]["note_id"] == record["note"]
        assert "Quux" not in (out / record["outputs"][0]).read_text()
