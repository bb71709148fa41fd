"""Worked examples: the archive (de-identified, BM25), the prompt budget, training and generating with them,
and the adaptation-strategy comparison on the tiny model."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.adaptation import compare, plot, strategies_for, table_markdown
from reportgen.archive import ExampleArchive, build_archive
from reportgen.cli import cli
from reportgen.config import Settings
from reportgen.data import Pair, write_pairs
from reportgen.generation.model import ModelGenerator, load_model, open_examples
from reportgen.generation.prompt import build_messages, fit_examples
from reportgen.layout import load_layout
from reportgen.pipeline import Pipeline
from reportgen.training.run import train
from tests.training.conftest import make_pairs, quick_recipe

NAMED = Pair(
    id="named",
    note="[doctor] hello mr. John Carter, your knee pain is back?\n[patient] yes, since Tuesday.",
    report="CHIEF COMPLAINT\nKnee pain in John Carter.",
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, pipeline: Pipeline) -> ExampleArchive:
    folder = tmp_path_factory.mktemp("archive")
    write_pairs(folder / "source.jsonl", [*make_pairs(), NAMED])
    return build_archive(folder / "source.jsonl", folder / "archive", pipeline)


def test_the_archive_holds_de_identified_pairs_only(archive: ExampleArchive) -> None:
    stored = (archive.path / "pairs.jsonl").read_text()
    assert "Carter" not in stored and "knee pain" in stored.lower()
    assert archive.meta["deid_policy"] and archive.meta["pairs"] == 17


def test_nearest_notes_come_first_and_a_pair_never_sees_its_own(archive: ExampleArchive) -> None:
    query = make_pairs()[3].note  # headaches
    found = archive.nearest(query, 2)
    assert found[0].id == "p03" and "headaches" in found[1].note
    assert next(p.id for p in archive.nearest(query, 2, exclude="p03")) != "p03"
    assert archive.nearest(query, 0) == []


def test_worked_examples_fit_the_token_budget(archive: ExampleArchive, tiny_model: Path) -> None:
    tokenizer = load_model(str(tiny_model)).tokenizer
    layout = load_layout("clinical-visit")
    query = make_pairs()[3].note
    whole = archive.worked_examples(query, layout, tokenizer, 3, 10_000)
    assert len(whole) == 3 and whole[0].startswith("CHIEF COMPLAINT")
    one = len(tokenizer(whole[0], add_special_tokens=False)["input_ids"])
    assert archive.worked_examples(query, layout, tokenizer, 3, one) == whole[:1]
    cut = fit_examples(whole, tokenizer, 5)
    assert len(cut) == 1 and len(tokenizer(cut[0], add_special_tokens=False)["input_ids"]) <= 5
    user = build_messages("the note", [], layout, whole[:2])[1]["content"]
    assert user.index("Example 1:") < user.index("Example 2:") < user.index("Note:\nthe note")
    assert build_messages("the note", [], layout, [])[1]["content"] == "Note:\nthe note"


def test_train_and_generate_with_worked_examples(
    archive: ExampleArchive, tiny_model: Path, pairs_file: Path, settings: Settings, tmp_path: Path
) -> None:
    with_examples = settings.model_copy(update={"generate": settings.generate.model_copy(update={"examples": archive.path})})
    result = train(pairs_file, str(tiny_model), tmp_path / "run", quick_recipe(max_steps=2, eval_fraction=0), with_examples,
                   progress=False, say=lambda _: None)
    assert result.card.examples is not None and result.card.examples.archive == archive.version
    assert all("Example 1:" in item.prompt[1]["content"] for item in result.examples.items)
    generator = ModelGenerator(load_model(str(result.output)), max_new_tokens=8,
                               examples=open_examples(with_examples.generate))
    drafts = generator.generate_many([(p.note, []) for p in make_pairs(2)], load_layout("clinical-visit"))
    assert generator.stats.prompts == 2 and generator.stats.prompt_tokens > 2 * 50 and generator.stats.new_tokens > 0
    assert not any("worked examples" in w for d in drafts for w in d.warnings)
    without = ModelGenerator(load_model(str(result.output)), max_new_tokens=4)
    assert any("trained with worked examples" in w for w in without.generate(NAMED.note, [], load_layout("clinical-visit")).warnings)


def test_examples_without_a_model_are_a_usage_error(archive: ExampleArchive) -> None:
    from reportgen.config import GenerateSettings
    from reportgen.errors import UsageError
    from reportgen.generation import load_generator

    with pytest.raises(UsageError, match="Pass --model"):
        load_generator(GenerateSettings(examples=archive.path))


def test_examples_index_cli_writes_an_archive(pairs_file: Path, tmp_path: Path, data_dir: Path) -> None:
    out = tmp_path / "archive"
    result = CliRunner().invoke(cli, ["examples", "index", "--data", str(pairs_file), "-o", str(out)],
                                env={"REPORTGEN_DATA_DIR": str(data_dir)})
    assert result.exit_code == 0, result.output
    assert len(ExampleArchive.open(out).pairs) == 16
    again = CliRunner().invoke(cli, ["examples", "index", "--data", str(pairs_file), "-o", str(out)],
                               env={"REPORTGEN_DATA_DIR": str(data_dir)})
    assert again.exit_code == 2 and "--force" in again.output


def test_compare_strategies_gives_one_row_each(archive: ExampleArchive, tiny_model: Path, settings: Settings, tmp_path: Path) -> None:
    held_out = make_pairs(3)
    short = settings.model_copy(update={"generate": settings.generate.model_copy(update={"max_new_tokens": 6})})
    strategies = strategies_for(str(tiny_model), None, archive.path)
    assert [s.name for s in strategies] == ["base", "rag", "model-free"]
    rows = compare(short, held_out, strategies, batch_size=2)
    base, rag, free = rows
    assert base.pairs == rag.pairs == free.pairs == 3
    assert rag.prompt_tokens > base.prompt_tokens  # the worked examples are in the prompt
    assert base.generated_tokens <= 6 and base.tokens_per_second > 0
    assert free.prompt_tokens is None and free.rouge1 > 0.3  # the extractive generator copies the note's words
    table = table_markdown(rows, "tiny")
    assert table.count("\n| ") == 4 and "base model + retrieved examples" in table
    plot(rows, tmp_path / "plot.png", "tiny")
    assert (tmp_path / "plot.png").read_bytes()[:4] == b"\x89PNG"


def test_evaluate_compare_cli_writes_the_table_and_plot(
    archive: ExampleArchive, tiny_model: Path, pairs_file: Path, tmp_path: Path, data_dir: Path
) -> None:
    env = {"REPORTGEN_DATA_DIR": str(data_dir), "REPORTGEN_GENERATE_MAX_NEW_TOKENS": "4"}
    args = ["evaluate", "--data", str(pairs_file), "--limit", "2", "--compare", "--base-model", str(tiny_model),
            "--examples", str(archive.path), "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    table = (tmp_path / "out" / "adaptation.md").read_text()
    assert "base model, zero-shot" in table and "base model + retrieved examples" in table and "model-free" in table
    assert (tmp_path / "out" / "adaptation.png").is_file()
    refused = CliRunner().invoke(cli, ["evaluate", "--data", str(pairs_file), "--compare"], env=env)
    assert refused.exit_code == 2 and "--base-model" in refused.output
