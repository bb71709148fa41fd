"""Notes longer than spaCy takes in one pass (1,000,000 characters) go through it in overlapping windows."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.deid import analyzer as analyzer_module
from reportgen.deid.analyzer import windows_of

LINE = "Seen by Dr. Quillfeather on 3/14/2019 with her husband John Abernathy, MRN 4471923. "


def test_windows_cover_the_text_and_overlap():
    text = ("word " * 70_000 + "\n") * 5  # 1.75 M characters
    windows = windows_of(text)
    assert windows[0][0] == 0 and windows[-1][1] == len(text)
    assert all(end - start <= analyzer_module.WINDOW for start, end in windows)
    for (_, end), (start, _) in zip(windows, windows[1:]):
        assert start < end and end - start >= analyzer_module.OVERLAP // 2  # overlapping
        assert text[start - 1].isspace()  # windows start on a word
    assert windows_of("short note") == [(0, 10)]
    assert windows_of("x" * 250_001)[-1][1] == 250_001  # no space anywhere: hard cuts


def test_windowed_analysis_finds_what_one_pass_finds(analyzer, monkeypatch):
    text = LINE * 60  # ~5,000 characters: with 1,000-character windows, identifiers fall on every cut
    whole = {(s.start, s.end) for s in analyzer.analyze(text)}
    monkeypatch.setattr(analyzer_module, "WINDOW", 1_000)
    monkeypatch.setattr(analyzer_module, "OVERLAP", 200)
    assert len(windows_of(text)) > 5
    windowed = analyzer.analyze(text)
    for name in ("Quillfeather", "Abernathy", "4471923"):
        places = [i for i in range(len(text)) if text.startswith(name, i)]
        assert all(any(s.start <= p and p + len(name) <= s.end for s in windowed) for p in places), name
    assert {(s.start, s.end) for s in windowed} == whole


@pytest.mark.slow  # a 1.05 MB one-line note through the whole de-identifier (~1-2 min on 2 busy cores)
def test_a_note_over_a_million_characters_is_deidentified(tmp_path):
    note = tmp_path / "long.txt"
    note.write_text((LINE * 12_500)[:1_050_000])  # one line, over spaCy's 1,000,000-character limit
    result = CliRunner().invoke(cli, ["deid", str(note), "-o", str(tmp_path / "clean.txt")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    clean = (tmp_path / "clean.txt").read_text()
    assert "Quillfeather" not in clean and "4471923" not in clean
