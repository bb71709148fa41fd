from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import click

from reportgen import errors
from reportgen.cli import App, capped_workers, choice, pass_app
from reportgen.config import NotesSettings, Operator
from reportgen.errors import InputError, UsageError
from reportgen.files import atomic_write, check_output_path, write_stdout
from reportgen.notes import Note, discover, read_note, resolve_input

if TYPE_CHECKING:
    from reportgen.deid import Item

NOTE_SUFFIXES = (".txt",)


@click.command()
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True, type=click.Path(path_type=Path, allow_dash=True))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output file (one input) or folder (several inputs or a folder). Default: stdout.")
@click.option("--operator", type=choice(Operator), help="What replaces identifiers (default: surrogate).")
@click.option("--audit", type=click.Path(path_type=Path, dir_okay=False), help="Write a JSONL audit here: offsets, types, recognizers; never the text.")
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes for many notes (default 1).")
@click.option("--patient", "patient_key", help="Patient key: one surrogate set and date shift for all these notes.")
@click.option("--no-ner", is_flag=True, default=None, help="Patterns only, without the spaCy model (lower recall; recorded in the audit).")
@click.option("--tagger/--no-tagger", "use_tagger", default=None, help="Also run the trained PHI tagger (default off, deid.use_tagger; recorded in the audit).")
@click.option("--decrypt", is_flag=True, help="Undo --operator encrypt with the same key (deid.key_file or REPORTGEN_DEID_KEY).")
@click.option("--force", is_flag=True, help="Overwrite output files that exist.")
@pass_app
def deid(
    app: App,
    inputs: tuple[Path, ...],
    output: Path | None,
    operator: str | None,
    audit: Path | None,
    workers: int | None,
    patient_key: str | None,
    no_ner: bool | None,
    use_tagger: bool | None,
    decrypt: bool,
    force: bool,
) -> None:
    """De-identify clinical notes: files, folders (their *.txt files) or '-' for stdin.

    Names, dates, ages over 89, phone numbers, record numbers, places,
    emails, URLs, SSNs and addresses are replaced by realistic surrogates
    (consistent within a note, or within a patient with --patient; dates
    shifted by one offset per patient), or by tags, masks, nothing, or
    AES-encrypted text (the key comes from deid.key_file or REPORTGEN_DEID_KEY,
    never from the command line).

    \b
    Examples:
      reportgen deid note.txt
      reportgen deid notes/ -o clean/ --audit audit.jsonl --workers 2
      reportgen deid note.txt --operator tag
      REPORTGEN_DEID_KEY=... reportgen deid note.txt --operator encrypt -o enc.txt
      REPORTGEN_DEID_KEY=... reportgen deid enc.txt --decrypt
    """
    from reportgen.deid import Item, build_deidentifier, read_key
    from reportgen.deid.operators import decrypt_text
    from reportgen.deid.parallel import run_many

    settings = app.settings(
        **{"deid.operator": operator, "deid.workers": workers, "deid.no_ner": no_ner, "deid.use_tagger": use_tagger, "deid.patient_key": patient_key}
    )
    notes, sources, skipped = _read_all(app, _expand(inputs), settings.notes)
    targets = _targets(sources, output, force)
    if decrypt:
        key = read_key(settings.deid)
        if key is None:
            raise UsageError("--decrypt needs the key.", "Set deid.key_file or REPORTGEN_DEID_KEY.")
        for note, target in zip(notes, targets, strict=True):
            _emit(decrypt_text(note.text, key), target)
        return
    if settings.deid.no_ner:
        app.warn("--no-ner: patterns only, names and places the model would find are missed.")
    deidentifier = build_deidentifier(settings.deid)
    names = settings.notes.ids == "name"
    items = [Item(_note_id(note, path, rel, names), note.text, patient=settings.deid.patient_key) for note, (path, rel) in zip(notes, sources, strict=True)]
    records: list[str] = []
    done = 0
    with click.progressbar(length=len(items), label="De-identifying", file=sys.stderr) if _show_bar(app, items) else _NoBar() as bar:
        for results in run_many(deidentifier, items, capped_workers(app, settings.deid.workers)):
            for result in results:
                _emit(result.text, targets[done])
                records += [json.dumps(r) for r in result.audit]
                done += 1
            bar.update(len(results))
    if audit is not None:
        atomic_write(audit, "".join(r + "\n" for r in records))
    if output is not None:
        app.say(f"De-identified {len(items)} note(s) ({deidentifier.policy}) into {output}")
    if skipped:
        app.warn(f"{skipped} note(s) skipped (see above); the others were written.")
        sys.exit(errors.PARTIAL)


def _expand(inputs: tuple[Path, ...]) -> list[tuple[Path, Path, Path | None]]:
    """(path, path relative to its input folder, that folder or None) for every note. Folders are
    expanded as `batch` does: hidden files and symlinked folders skipped, *.txt at any depth."""
    found: list[tuple[Path, Path, Path | None]] = []
    for path in inputs:
        if path.is_dir():
            files = discover(path, "*" + NOTE_SUFFIXES[0], recursive=True)
            if not files:
                raise InputError(f"folder {path} holds no {'/'.join(NOTE_SUFFIXES)} notes.", "Point at a folder of note files.")
            found += [(path / rel, Path(rel), path) for rel in files]
        else:
            found.append((path, Path(path.name if str(path) != "-" else "stdin.txt"), None))
    return found


def _read_all(
    app: App, sources: list[tuple[Path, Path, Path | None]], settings: NotesSettings
) -> tuple[list[Note], list[tuple[Path, Path]], int]:
    """The notes that can be read. A note named on the command line must be; one found in a folder
    that cannot (empty, binary, a symlink out of the folder, not a regular file) is skipped with a
    warning, as `batch` records it and goes on."""
    notes, kept, skipped = [], [], 0
    for path, rel, folder in sources:
        try:
            note = read_note(resolve_input(folder, PurePosixPath(rel.as_posix())) if folder else path, settings)
        except InputError as e:
            if folder is None:
                raise
            app.warn(f"skipped {rel}: {e.message}")
            skipped += 1
            continue
        for warning in note.warnings:
            app.warn(f"{rel}: {warning}.")
        notes.append(note)
        kept.append((path, rel))
    if not notes:
        raise InputError("no note could be read.", "See the warnings above.")
    return notes, kept, skipped


def _targets(sources: list[tuple[Path, Path]], output: Path | None, force: bool) -> Sequence[Path | None]:
    """Where each note goes: None = stdout (only for a single note)."""
    single = len(sources) == 1 and not sources[0][0].is_dir() and sources[0][1].parent == Path(".")
    if output is None:
        if not single:
            raise UsageError("several notes need an output folder.", "Pass -o FOLDER.")
        return [None]
    if single and not output.is_dir():
        check_output_path(output, force)
        return [output]
    output.mkdir(parents=True, exist_ok=True)
    targets = [output / rel for _, rel in sources]
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        check_output_path(target, force)
    return targets


def _note_id(note: Note, path: Path, rel: Path, names: bool) -> str:
    """The audit's id for a note: opaque (note-<hash of its text>) unless notes.ids = "name"."""
    return str(rel.with_suffix("")) if names and str(path) != "-" else note.id


def _emit(text: str, target: Path | None) -> None:
    if target is None:
        write_stdout(text)
    else:
        atomic_write(target, text)


def _show_bar(app: App, items: list[Item]) -> bool:
    return app.verbosity >= 0 and len(items) > 1


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, n: int) -> None:
        pass
