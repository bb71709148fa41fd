"""`reportgen terms ...` and the pipeline's retrieve/code stages, on real files."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.report import Report
from tests.conftest import SAMPLES


def run(*args: str):
    """Lexical (terms.dense off): these tests pin the BM25 side; test_dense.py runs the hybrid one."""
    return CliRunner().invoke(cli, list(args), env={"REPORTGEN_TERMS_DENSE": "false"})


@pytest.fixture(scope="module")
def local_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small index built by the CLI from a user vocabulary only."""
    folder = tmp_path_factory.mktemp("cli")
    vocab = folder / "local.csv"
    vocab.write_text("code,title,synonyms\nL1,Essential hypertension,high blood pressure\nL2,Type 2 diabetes mellitus,\nL3,Chest pain,\n")
    result = run("terms", "index", "--no-shipped", "--source", str(vocab), "--index-dir", str(folder / "idx"))
    assert result.exit_code == 0, result.output
    assert "Indexed 3 terms (local sha256:" in result.stderr
    return folder / "idx"


def test_search_prints_a_table(local_index: Path) -> None:
    result = run("terms", "search", "htn", "--index-dir", str(local_index))
    assert result.exit_code == 0, result.output
    header, first, *_ = result.stdout.splitlines()
    assert header.split() == ["#", "score", "system", "code", "matched", "title"]
    assert first.split()[2:5] == ["local", "L1", "title"]


def test_search_json_lines(local_index: Path) -> None:
    result = run("terms", "search", "chest pain", "-k", "1", "--json", "--index-dir", str(local_index))
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert json.loads(line) | {"score": 0} == {
        "system": "local", "code": "L3", "title": "Chest pain", "score": 0, "matched_field": "title", "billable": None,
        "wordings": [],
    }


def test_no_expand_and_system_filter(local_index: Path) -> None:
    assert run("terms", "search", "htn", "--no-expand", "--index-dir", str(local_index)).stdout == ""
    assert run("terms", "search", "chest pain", "--system", "icd10cm", "--index-dir", str(local_index)).stdout == ""


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_query_is_a_usage_error(local_index: Path, query: str) -> None:
    result = run("terms", "search", query, "--index-dir", str(local_index))
    assert result.exit_code == 2 and "query is empty" in result.stderr


def test_info_shows_sources_and_hpo_acknowledgement(tmp_path: Path) -> None:
    assert "No index yet" in run("terms", "info", "--index-dir", str(tmp_path / "none")).stderr
    obo = tmp_path / "hp.obo"
    obo.write_text("data-version: hp/releases/2025-01-16\nontology: hp\n\n[Term]\nid: HP:0001250\nname: Seizure\n")
    assert run("terms", "index", "--no-shipped", "-s", str(obo), "--index-dir", str(tmp_path / "idx")).exit_code == 0
    result = run("terms", "info", "--index-dir", str(tmp_path / "idx"))
    assert result.exit_code == 0, result.output
    assert "terms:     1" in result.stdout
    assert "vectors:   none (terms.dense: off)" in result.stdout
    assert "hp: 2025-01-16, 1 terms, from hp.obo" in result.stdout
    assert "Human Phenotype Ontology (version 2025-01-16)" in result.stdout


def test_malformed_source_exits_3_with_line_number(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"code": "A", "title": "Patient John Smith"}\n{"code": "B", "title": "oops"\n')
    result = run("terms", "index", "--no-shipped", "-s", str(bad), "--index-dir", str(tmp_path / "idx"))
    assert result.exit_code == 3
    assert result.stderr.strip().splitlines() == ["Error: bad.jsonl line 2: not valid JSON. Fix or remove that line and run `reportgen terms index` again."]
    assert not (tmp_path / "idx").exists()


def test_corrupt_index_exits_4_and_terms_index_rebuilds(local_index: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    idx.mkdir()
    (idx / "reportgen-index.json").write_text("{")
    result = run("terms", "search", "chest pain", "--index-dir", str(idx))
    assert result.exit_code == 4 and "corrupt" in result.stderr and "reportgen terms index" in result.stderr
    vocab = tmp_path / "v.tsv"
    vocab.write_text("code\ttitle\tsynonyms\nX1\tChest pain\t\n")
    assert run("terms", "index", "--no-shipped", "-s", str(vocab), "--index-dir", str(idx)).exit_code == 0
    assert run("terms", "search", "chest pain", "--index-dir", str(idx)).exit_code == 0


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_elasticsearch_is_one_line_and_no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTGEN_ES_PASSWORD", "s3cret")
    url = f"http://elastic:s3cret@127.0.0.1:{_closed_port()}"
    result = run("terms", "search", "chest pain", "--backend", "elasticsearch", "--es-url", url, "--es-timeout", "1")
    assert result.exit_code == 4
    assert result.stderr.startswith("Error: cannot reach Elasticsearch at http://127.0.0.1:")
    assert "s3cret" not in result.output and "Traceback" not in result.output and result.stdout == ""


def test_elasticsearch_without_url_is_a_usage_error() -> None:
    result = run("terms", "info", "--backend", "elasticsearch")
    assert result.exit_code == 2 and "REPORTGEN_ES_URL" in result.stderr


def test_generate_codes_problems_and_records_the_index(full, data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run("generate", str(SAMPLES / "back-pain-visit-note.txt"), "--index-dir", str(data_dir / "terms"), "-o", str(out))
    assert result.exit_code == 0, result.output
    report = Report.model_validate_json(out.read_text())
    assert report.provenance.terminology_index.startswith("tantivy icd10cm FY2026")
    stones = next(p for p in report.problems if "stone" in p.text.lower())
    assert stones.codes[0].code.startswith("N20") and stones.codes[0].system == "icd10cm"
    assert all(c.source == "tantivy" and c.score > 0 for p in report.problems for c in p.codes)
    assert any(c.code.startswith("M54.5") for c in report.context)  # grounding context: low back pain
