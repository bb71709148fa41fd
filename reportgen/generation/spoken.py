"""Spoken numbers as digits, for finding values in transcripts ("five hundred
milligrams" -> "500 milligrams", "one thirty over eighty" -> "130 over 80",
"ninety eight point six" -> "98.6").

Used only on a copy of the text that structured-field patterns search: the
report's own wording is never rewritten, so a misheard number can be checked
against what was said.
"""

from __future__ import annotations

import re

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_WORDS = {**_UNITS, **_TENS, "hundred": 100, "thousand": 1000, "point": -1, "a": -2}
NUMBER_WORDS = frozenset([*_UNITS, *_TENS, "hundred", "thousand"])
_RUN = re.compile(r"\b(?:(?:" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")(?:[\s-]+|\b))+", re.I)


def digits(text: str) -> str:
    """Every run of number words replaced by its value; other text unchanged."""
    return _RUN.sub(_replace, re.sub(r"\bhundred and\b", "hundred", text, flags=re.I))


def _replace(match: re.Match[str]) -> str:
    raw = match.group(0)
    words = [w.lower() for w in re.split(r"[\s-]+", raw.strip()) if w]
    # "a" only counts inside a run ("a hundred"); leading/trailing "a" stays a word.
    lead = ""
    while words and words[0] == "a" and (len(words) == 1 or words[1] not in ("hundred", "thousand")):
        lead += raw[: raw.lower().find("a") + 1] + " "
        raw = raw[raw.lower().find("a") + 1 :]
        words.pop(0)
    trail = ""
    while words and words[-1] in ("a", "point"):
        trail = " " + words.pop() + trail
    if not words:
        return match.group(0)
    value = _value(words)
    if value is None:
        return match.group(0)
    return lead.lstrip() + value + trail + (" " if match.group(0)[-1].isspace() else "")


def _value(words: list[str]) -> str | None:
    if "point" in words:
        cut = words.index("point")
        whole, decimals = words[:cut], words[cut + 1 :]
        if "point" in decimals or not all(w in _UNITS and _UNITS[w] < 10 for w in decimals):
            return None  # "point five point", "point twenty": not one decimal number
        left = _value(whole) if whole else "0"
        right = "".join(str(_UNITS[w]) for w in decimals)
        return f"{left}.{right}" if left is not None and right else None
    numbers = [_WORDS[w] for w in words if w != "a"]
    # "one thirty" / "one twenty five" / "two ten": the hundreds spoken as a digit, as in blood pressures.
    if len(numbers) >= 2 and 1 <= numbers[0] <= 9 and numbers[1] >= 10 and numbers[1] < 100:
        rest = _cardinal(numbers[1:])
        return str(numbers[0] * 100 + rest) if rest is not None and rest < 100 else None
    total = _cardinal(numbers)
    return None if total is None else str(total)


def _cardinal(numbers: list[int]) -> int | None:
    """'five hundred', 'one thousand two hundred', 'ninety eight' -> value; None if not one number."""
    total, current = 0, 0
    previous = None
    for n in numbers:
        if n == 100:
            current = (current or 1) * 100
        elif n == 1000:
            total += (current or 1) * 1000
            current = 0
        elif previous is not None and previous < 100 and not (previous >= 20 and previous % 10 == 0 and n < 10):
            return None  # "five six" is two numbers
        else:
            current += n
        previous = n
    return total + current
