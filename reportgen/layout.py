"""The report layout: which sections a report has, how their headers are written.

A layout is data (`templates/layouts/*.toml`); this module loads it and does
the two things every generator needs: split text into sections by header
aliases, and write sections back in the layout's draft format (the format a
fine-tuned model is trained to produce).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reportgen.errors import InputError
from reportgen.resources import templates_dir


class SectionSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    aliases: list[str] = Field(description="Header spellings that start this section (any case).")
    required: bool = False
    cues: list[str] = Field(default_factory=list, description="Phrases that suggest a sentence belongs here.")
    opens: list[str] = Field(default_factory=list, description="Spoken phrases that start this section.")
    needs_cue: bool = Field(False, description="A sentence naming none of the cues but another section's is sorted "
                            "there instead (results hold tests: a remark on today's blood pressure is a vital sign).")
    division: str | None = Field(None, description="Scoring division the section belongs to (ACI-Bench: subjective, "
                                 "objective_exam, objective_results, assessment_and_plan).")


class Layout(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    title: str
    fallback: str = Field(description="Section id for sentences with no cue.")
    problems: list[str] = Field(default_factory=list, description="Section ids whose items become the problem list.")
    header: str | None = Field(None, description="Section id for the note's header block (Patient/MRN/DOB lines, "
                               "dictated identifiers), kept out of the narrative; None leaves them where they fall.")
    sections: list[SectionSpec]
    letter_headers: dict[str, str] = Field(
        default_factory=dict, description="One-letter headers and the sections they open, in the order notes write them "
        "(SOAP: S, O, A, P). A letter opens a section only in a note that has at least three of them as headers, in "
        "this order: elsewhere \"P: 72\" is a pulse.")

    @model_validator(mode="after")
    def _check_ids(self) -> Layout:
        ids = [s.id for s in self.sections]
        if len(set(ids)) != len(ids):
            raise ValueError("section ids must be unique")
        if any(len(letter) != 1 or not letter.isalpha() for letter in self.letter_headers):
            raise ValueError("letter_headers keys must be single letters")
        unknown = {self.fallback, *self.problems, *([self.header] if self.header else []), *self.letter_headers.values()} - set(ids)
        if unknown:
            raise ValueError(f"unknown section ids {sorted(unknown)}")
        return self

    @cached_property
    def _alias_to_ids(self) -> dict[str, list[str]]:
        """Each normalized title or alias -> the sections it names, in layout order."""
        table: dict[str, list[str]] = {}
        for spec in self.sections:
            for alias in (spec.title, *spec.aliases):
                ids = table.setdefault(_normalize_header(alias), [])
                if spec.id not in ids:
                    ids.append(spec.id)
        return table

    @cached_property
    def section_ids(self) -> frozenset[str]:
        return frozenset(spec.id for spec in self.sections)

    @cached_property
    def _cue_patterns(self) -> dict[str, re.Pattern[str]]:
        return {spec.id: re.compile(r"\b(?:" + "|".join(re.escape(c.strip()) for c in spec.cues) + r")\b", re.I)
                for spec in self.sections if spec.cues}

    def names_cue(self, section_id: str, text: str) -> bool:
        """True if `text` names one of the section's cues (whole words, any case)."""
        pattern = self._cue_patterns.get(section_id)
        return bool(pattern and pattern.search(text))

    def sortable(self, ranked: Sequence[str], text: str) -> str | None:
        """Where a sentence goes, of the sections in `ranked` (a tagger's, best first): the best, unless it
        needs a cue the sentence does not name while the sentence names another section's cue; then
        the best of those."""
        if not ranked:
            return None
        best = ranked[0]
        if not self._needs_cue.get(best) or self.names_cue(best, text):
            return best
        return next((sid for sid in ranked[1:] if not self._needs_cue.get(sid) and self.names_cue(sid, text)), best)

    @cached_property
    def _needs_cue(self) -> dict[str, bool]:
        return {spec.id: spec.needs_cue for spec in self.sections}

    def header_id(self, line: str) -> str | None:
        """The section a line opens, if the line is a header (`HPI:`, `## Plan`, `Exam`)."""
        ids = self._alias_to_ids.get(_normalize_header(line))
        return ids[0] if ids else None

    def header_ids(self, line: str) -> list[str]:
        """Every section a header names, in layout order: a combined code (MTS-Dialog's FAM/SOCHX, an alias of
        both family and social history) names more than one; `header_id` opens the first."""
        return list(self._alias_to_ids.get(_normalize_header(line), ()))

    def section_for(self, header: str, text: str) -> str | None:
        """The section a labelled text (a header code and its text) belongs to: of the sections the header
        names, the one whose cues the text names most often (the first on a tie)."""
        ids = self.header_ids(header)
        return max(ids, key=lambda sid: len(p.findall(text)) if (p := self._cue_patterns.get(sid)) else 0) if ids else None

    def split(self, text: str) -> list[tuple[str | None, str]]:
        """Split text at header lines: [(section id or None before the first header, body)].

        A header may also carry text on its own line after a colon (`CC: knee pain`).
        """
        parts: list[tuple[str | None, list[str]]] = [(None, [])]
        lines = text.splitlines()
        letters = self._letter_headers(lines)
        for i, line in enumerate(lines):
            section_id, rest = letters[i] if i in letters else self._header_with_rest(line)
            if section_id:
                parts.append((section_id, [rest] if rest else []))
            else:
                parts[-1][1].append(line)
        return [(sid, "\n".join(lines).strip()) for sid, lines in parts if sid or "\n".join(lines).strip()]

    def _letter_headers(self, lines: Sequence[str]) -> dict[int, tuple[str, str]]:
        """Line index -> (section, text after the colon) for the one-letter headers of a note that writes at least
        three of them in the layout's order ("S: knee pain x 3 mo", "O: ...", "A: ...", "P: ..."); {} otherwise."""
        if not self.letter_headers:
            return {}
        order = list(self.letter_headers)
        found = {i: m for i, line in enumerate(lines) if (m := _LETTER_HEADER.match(line)) and m["letter"].lower() in order}
        places = [order.index(m["letter"].lower()) for m in found.values()]
        if len(set(places)) < 3 or places != sorted(places):
            return {}
        return {i: (self.letter_headers[m["letter"].lower()], m["rest"].strip()) for i, m in found.items()}

    def _header_with_rest(self, line: str) -> tuple[str | None, str]:
        if (sid := self.header_id(line)) is not None:
            return sid, ""
        head, colon, rest = line.partition(":")
        if colon and len(head) <= 40 and (sid := self.header_id(head)) is not None:
            return sid, rest.strip()
        return None, ""

    def section_texts(self, text: str) -> dict[str, str]:
        """Section id -> text; text before the first header belongs to the fallback section."""
        texts: dict[str, list[str]] = {}
        for section_id, body in self.split(text):
            if body:
                texts.setdefault(section_id or self.fallback, []).append(body)
        return {sid: "\n\n".join(bodies) for sid, bodies in texts.items()}

    @property
    def divisions(self) -> list[str]:
        return list(dict.fromkeys(s.division for s in self.sections if s.division))

    def division_texts(self, texts: dict[str, str]) -> dict[str, str]:
        """Division -> its sections (section id -> text) written as a draft: ACI-Bench scores notes by division."""
        out = {}
        for division in self.divisions:
            part = {s.id: texts[s.id] for s in self.sections if s.division == division and texts.get(s.id, "").strip()}
            out[division] = self.format_draft(part) if part else ""
        return out

    def format_draft(self, texts: dict[str, str]) -> str:
        """Sections as a model writes them: the TITLE in capitals, the text, a blank line."""
        blocks = [f"{spec.title.upper()}\n{texts[spec.id].strip()}" for spec in self.sections if texts.get(spec.id, "").strip()]
        return "\n\n".join(blocks) + "\n"


_LETTER_HEADER = re.compile(r"^\s*(?P<letter>[A-Za-z])\s*:(?P<rest>.*)$")
_HEADER_JUNK = re.compile(r"^[#*\s]+|[\s:*#.-]+$")


def _normalize_header(line: str) -> str:
    return " ".join(_HEADER_JUNK.sub("", line).lower().split())


def load_layout(name_or_path: str, user_templates: Path | None = None) -> Layout:
    """A layout by name (user templates folder first, then the shipped ones) or by file path."""
    path = _find_layout(name_or_path, user_templates)
    try:
        return Layout.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError, UnicodeDecodeError) as e:
        detail = str(e).splitlines()[0]
        raise InputError(f"layout file {path} is invalid ({detail}).", "Fix the file; see templates/layouts/.") from None


def _find_layout(name_or_path: str, user_templates: Path | None) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.is_file():
        if candidate.is_file():
            return candidate
        raise InputError(f"layout file {candidate} does not exist.", "Check generate.layout / --layout.")
    for folder in filter(None, (user_templates, templates_dir())):
        path = folder / "layouts" / f"{name_or_path}.toml"
        if path.is_file():
            return path
    shipped = sorted(p.stem for p in (templates_dir() / "layouts").glob("*.toml"))
    raise InputError(f"no layout named '{name_or_path}'.", f"Available: {', '.join(shipped)}; or pass a .toml path.")
