"""Output names: mirrored, distinct (case-folded too), never outside OUTPUT_DIR."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from reportgen import errors
from reportgen.batch import MANIFEST, plan_outputs
from reportgen.errors import InputError, UsageError
from reportgen.outputs import safe_target
from tests.batch.conftest import GOOD, copy_samples, run
from tests.batch.test_batch import manifest

P = PurePosixPath


def output_files(inputs: list[str], formats=("md", "json")) -> list[str]:
    return [out.as_posix() for job in plan_outputs([P(i) for i in inputs]) for out in job.outputs(formats)]


def test_plain_names_mirror_the_input():
    assert output_files(["a.txt", "ward/b.txt", "c"], ("md",)) == ["a.md", "ward/b.md", "c.md"]


@pytest.mark.parametrize(
    "inputs",
    [
        ["note.txt", "note.text", "note"],  # same stem
        ["Note.txt", "note.txt", "NOTE.TXT"],  # same on a case-insensitive file system
        ["a.txt", "a.md/b.txt"],  # a.md (file) vs a.md/ (folder another output needs)
        ["x.txt", "x.json/y.txt", "x.html/z.txt"],
        ["n.txt", "n-" + "0" * 8 + ".txt"],  # a name that looks like a disambiguated one
    ],
)
def test_clashing_names_are_made_distinct(inputs):
    outputs = output_files(inputs)
    folded = [o.casefold() for o in outputs]
    assert len(set(folded)) == len(folded)
    folders = {p.as_posix().casefold() for o in outputs for p in P(o).parents}
    assert not folders & set(folded)


def test_a_folder_named_like_the_manifest_is_refused():
    with pytest.raises(UsageError, match=MANIFEST):
        plan_outputs([P(f"{MANIFEST}/n.txt"), P("m.txt")])


@pytest.mark.parametrize("bad", ["../up.txt", "/etc/passwd", "a/../../b.txt"])
def test_escaping_input_paths_are_refused(bad):
    with pytest.raises(UsageError):
        plan_outputs([P(bad)])


def test_safe_target_refuses_a_symlinked_folder_out(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir(), elsewhere.mkdir()
    (out / "ward").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(InputError, match="outside the output folder"):
        safe_target(out, P("ward/n.md"))
    assert safe_target(out, P("other/n.md")) == out.resolve() / "other" / "n.md"


def test_clashing_notes_end_to_end(tmp_path):
    src = copy_samples(tmp_path / "in")
    text = (src / GOOD[0]).read_text()
    for name in ("visit.txt", "visit.text", "Visit.txt"):
        (src / name).write_text(text)
    out = tmp_path / "out"
    result = run("batch", str(src), "-o", str(out), "--glob", "*", "-j", "1")
    assert result.exit_code == 0, result.output
    outputs = [r["outputs"][0] for r in manifest(out).values()]
    assert len(outputs) == len(GOOD) + 3 == len({o.casefold() for o in outputs})
    assert all((out / o).is_file() for o in outputs)


def test_output_symlinked_out_fails_that_note_only(tmp_path):
    src = copy_samples(tmp_path / "in" / "ward")
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir(), elsewhere.mkdir()
    (out / "ward").symlink_to(elsewhere, target_is_directory=True)
    result = run("batch", str(src.parent), "-o", str(out), "-r", "-j", "1", "--force")
    assert result.exit_code == errors.PARTIAL
    assert list(elsewhere.iterdir()) == []
    assert all("outside the output folder" in r["error"] for r in manifest(out).values())


def test_output_folder_inside_the_input_is_not_read_back(tmp_path):
    src = copy_samples(tmp_path / "in")
    first = run("batch", str(src), "-o", str(src / "reports"), "-r", "--glob", "*", "-j", "1")
    assert first.exit_code == 0, first.output
    assert set(manifest(src / "reports")) == set(GOOD)
    assert run("batch", str(src), "-o", str(src)).exit_code == errors.USAGE
