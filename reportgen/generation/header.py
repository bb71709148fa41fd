"""The note's header block: the administrative lines a note opens with
("Patient: ...", "MRN: ...", "DOB: ...", "Date of service: ...") and the
identifier sentences a clinician dictates ("next patient is ..., date of birth
is ..."). They are not narrative: the model-free generator files them under the
layout's header section instead of the history of present illness. Nothing is
dropped, and what is kept is the de-identified text (surrogates), like the rest
of the report.
"""

from __future__ import annotations

import re

from reportgen.generation.dialogue import Sentence

# Administrative fields of a note header ("MRN:", "Date of service:", "Attending:").
_FIELD = (r"(?:patient(?:'s)? name|name|mrn|medical record(?: number| no\.?| #)?|mr #|dob|d\.o\.b\.?|date of birth|birth ?date|"
          r"date of (?:service|visit|exam(?:ination)?|admission|encounter|dictation)|dos|visit date|service date|"
          r"encounter(?: date| number| #)?|account(?: number| #)?|acct(?: #)?|csn|fin|ssn|provider|attending(?: physician)?|"
          r"physician|referring(?: physician| provider)?|pcp|primary care(?: physician| provider)?|location|facility|"
          r"clinic|phone|address|insurance|dictated by|transcribed by|signed by|author)")
_FIELD_LINE = re.compile(rf"^\s*{_FIELD}\s*[:#]\s*\S", re.I)
_FIELD_ANYWHERE = re.compile(rf"(?:^|\s){_FIELD}\s*[:#]\s*\S", re.I)  # several fields on one line
# "Patient: John Smith" is a header line; "Patient: I have had a cough" is a speaker's turn.
_PATIENT_LINE = re.compile(r"^\s*patient\s*:\s*(?P<value>[^.?!,\n]{1,40})$", re.I)
_CLAUSE_WORD = re.compile(r"\b(?:i|i'm|is|are|was|have|has|had|been|my|you|your|it|it's|the|a|an|with|for|and)\b", re.I)
# A dictated identifier: "date of birth is ...", "medical record number 682454", "dictating on ...".
_SPOKEN_ID = re.compile(r"\b(?:date of birth|d\.?o\.?b\.?|medical record(?: number)?|mrn|record number|date of service)\b"
                        r"|^\s*(?:dictating on|next patient is|patient name is)\b", re.I)


def header_lines(text: str) -> tuple[list[str], str]:
    """(the header block's lines, the note without them): the field lines ("MRN: ...") of the note's
    opening block, blank lines between them allowed. The rest of the note is returned unchanged."""
    lines = text.splitlines()
    header: list[str] = []
    end = 0
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if not is_field_line(line):
            break
        header.append(line.strip())
        end = i + 1
    return header, "\n".join(lines[end:]) if header else text


def is_field_line(line: str) -> bool:
    """True for a header field line ("DOB: <date>", "Patient: <name>", "Patient: <name>  DOB: <date>  MRN: <number>"),
    not for a speaker's turn."""
    if _FIELD_LINE.match(line) or len(_FIELD_ANYWHERE.findall(line)) >= 2:
        return True
    m = _PATIENT_LINE.match(line.strip())
    return bool(m and len(m.group("value").split()) <= 4 and not _CLAUSE_WORD.search(m.group("value")))


def dictated_header(items: list[Sentence]) -> set[int]:
    """Indexes of the sentences that dictate identifiers ("date of birth is ...", "next patient is ..."),
    with a bare name said just before one in the same turn ("tammy bowen. date of birth, ...")."""
    found: set[int] = set()
    for i, sentence in enumerate(items):
        if _SPOKEN_ID.search(sentence.text):
            found.add(i)
            previous = items[i - 1] if i else None
            if (previous is not None and previous.turn == sentence.turn and len(previous.text.split()) <= 3
                    and not _CLAUSE_WORD.search(previous.text)):
                found.add(i - 1)
    return found
