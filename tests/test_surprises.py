"""Quiet surprises turned into one-line errors or warnings: unknown output suffixes, an evaluation
or export that would overwrite, an unusable data dir, more workers than cores."""

from __future__ import annotations

import logging
import os

from click.testing import CliRunner

from reportgen import errors
from reportgen.cli import cli
from tests.conftest import SAMPLES

NOTE = SAMPLES / "finger-pain.txt"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def one_line(result, code: int, fragment: str) -> None:
    assert result.exit_code == code, result.output
    assert fragment in result.stderr and "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ")


def test_an_output_suffix_that_is_not_a_format_is_refused(tmp_path):
    one_line(run("generate", str(NOTE), "-o", str(tmp_path / "r.pdf")), errors.USAGE, "cannot write .pdf files.")
    assert not (tmp_path / "r.pdf").exists()
    assert run("generate", str(NOTE), "-o", str(tmp_path / "r.pdf"), "--format", "md").exit_code == 0  # asked for


def test_evaluate_does_not_overwrite_without_force(tmp_path):
    out = tmp_path / "eval"
    out.mkdir()
    (out / "summary.md").write_text("an earlier evaluation")
    one_line(run("evaluate", "--data", str(tmp_path / "pairs.jsonl"), "-o", str(out)), errors.USAGE, "--force")
    assert (out / "summary.md").read_text() == "an earlier evaluation"


def test_export_onto_its_own_run_is_refused(tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "reportgen-card.json").write_text("{}")
    for output in (run_dir, run_dir / "inside"):
        one_line(run("export", str(run_dir), "-o", str(output), "--force"), errors.USAGE, "is the run folder")
    assert (run_dir / "reportgen-card.json").exists()


def test_an_unusable_data_dir_is_one_line(tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    result = run("generate", str(NOTE), env={"REPORTGEN_DATA_DIR": str(not_a_folder)})
    one_line(result, errors.RUNTIME, f"cannot create the terminology index in {not_a_folder}")


def test_workers_are_capped_by_cores(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(NOTE.read_text())
    result = run("deid", str(folder), "-o", str(tmp_path / "out"), "--workers", "1000")
    assert result.exit_code == 0, result.output
    assert f"1000 workers asked for, this machine has {os.cpu_count()} CPU cores; using {os.cpu_count()}." in result.stderr


def test_deid_folder_follows_the_batch_rules(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Seen by Dr. Quillfeather for knee pain.\n")
    (folder / "empty.txt").write_text("  \n")
    (folder / "binary.txt").write_bytes(b"\x00\x01PK" + bytes(range(200)))
    (folder / "latin1.txt").write_bytes("Caf\xe9 au lait spots seen by Dr. Quillfeather.\n".encode("cp1252"))
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("Dr. Quillfeather outside.\n")
    (folder / "link.txt").symlink_to(outside)
    (folder / ".hidden.txt").write_text("Dr. Quillfeather hidden.\n")
    out = tmp_path / "out"
    result = run("deid", str(folder), "-o", str(out))
    assert result.exit_code == errors.PARTIAL, result.output
    assert sorted(p.name for p in out.iterdir()) == ["good.txt", "latin1.txt"]
    for name, reason in (("empty.txt", "is empty"), ("binary.txt", "binary"), ("link.txt", "outside the input folder")):
        assert f"Warning: skipped {name}: " in result.stderr and reason in result.stderr
    assert "Warning: latin1.txt: note was not valid UTF-8; decoded as Windows-1252." in result.stderr


def test_a_csv_with_a_quote_left_open_names_the_row(tmp_path):
    data = tmp_path / "pairs.csv"
    data.write_text('encounter_id,dataset,dialogue,note\nD2N001,aci,[doctor] hi,Note one\nD2N002,aci,"[doctor] hello,Note two\n')
    result = run("data", "import", str(data), "--format", "aci-bench", "-o", str(tmp_path / "p.jsonl"))
    one_line(result, errors.INPUT, "row 2 (from line 3) is not valid CSV (unexpected end of data). Look for a quote left open there.")
    assert not (tmp_path / "p.jsonl").exists()


def test_an_index_build_says_which_vocabulary_it_leaves_out(tmp_path):
    first, second = tmp_path / "formulary.csv", tmp_path / "devices.csv"
    first.write_text("code,title,synonyms\nF1,Aspirin tablet,\n")
    second.write_text("code,title,synonyms\nD1,Knee brace,\n")
    env = {"REPORTGEN_DATA_DIR": str(tmp_path / "data")}
    assert run("-q", "terms", "index", "--no-shipped", "--source", str(first), env=env).exit_code == 0
    result = run("-q", "terms", "index", "--no-shipped", "--source", str(second), env=env)
    assert result.exit_code == 0, result.output
    assert "Warning: the index being replaced also held formulary.csv, which this build leaves out" in result.stderr
    again = run("-q", "terms", "index", "--no-shipped", "--source", str(first), "--source", str(second), env=env)
    assert "Warning" not in again.stderr


def test_verbose_logs_more(caplog):
    caplog.set_level(logging.NOTSET)
    assert run("generate", str(NOTE)).exit_code == 0
    assert not [r for r in caplog.records if r.name == "reportgen" and r.levelno == logging.INFO]
    caplog.clear()
    assert run("-v", "generate", str(NOTE)).exit_code == 0
    lines = [r.getMessage() for r in caplog.records if r.name == "reportgen" and r.levelno == logging.INFO]
    assert any(line.startswith("seconds per stage: deid ") for line in lines), lines
