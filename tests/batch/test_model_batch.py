"""`reportgen batch --model`: the model runs in this process, fed several notes per generate_many call."""

from __future__ import annotations

from reportgen.generation.model import ModelGenerator
from tests.batch.conftest import GOOD, run
from tests.batch.test_batch import manifest


def test_model_batch_generates_in_batches(samples, tmp_path, tiny_model, monkeypatch):
    calls: list[int] = []
    original = ModelGenerator.generate_many

    def counting(self, notes, layout):  # spy on the real method: how many notes per call
        calls.append(len(notes))
        return original(self, notes, layout)

    monkeypatch.setattr(ModelGenerator, "generate_many", counting)
    monkeypatch.setenv("REPORTGEN_GENERATE_MAX_NEW_TOKENS", "8")
    (samples / "empty.txt").write_text("")
    out = tmp_path / "out"

    result = run("batch", str(samples), "-o", str(out), "--model", str(tiny_model), "-f", "json", "-j", "2")

    assert result.exit_code == 5, result.output  # the empty note
    assert calls == [len(GOOD)]  # one call for the chunk, the failed note left out
    records = manifest(out)
    assert records["empty.txt"]["error"] == "empty.txt is empty."
    for name in GOOD:
        assert records[name]["versions"]["generator"] == "model"
        assert records[name]["versions"]["model"]
        assert records[name]["status"] == "ok", records[name]
