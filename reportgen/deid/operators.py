"""What replaces an identifier: surrogates (default), numbered tags, mask, redact, encrypt.

A `Mapping` holds one scope's replacements (a note, or all notes of one patient
when a patient key is given), so the same identifier always gets the same
replacement there: "Dr. Smith", "Smith" and "Smith's" share one surrogate
(names are mapped word by word after titles and possessives are stripped).
Surrogates are derived from an HMAC of the scope and the identifier, so worker
processes that share the secret agree without talking to each other.
Dates move by one offset per scope (intervals kept, format kept); a date that
cannot be parsed becomes a tag. Ages over 89 become "90+".
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from faker import Faker
from presidio_anonymizer.operators import Decrypt, Encrypt

from reportgen.config import OPERATORS
from reportgen.deid import recognizers as rec
from reportgen.deid.gender import FEMALE, MALE, name_gender, names_of
from reportgen.deid.patterns import FACILITY_END
from reportgen.deid.vocab import first_names
from reportgen.errors import InputError, UsageError

_TITLE = re.compile(r"^(?:drs?|doctor|mr|mrs|ms|miss|np|rn|pa|prof|nurse)\.?$", re.I)
_ENCRYPTED = re.compile(r"\{enc:([A-Za-z0-9_\-]+=*)\}")


def check_key(key: str | None) -> str:
    if key is None:
        raise UsageError(
            "the encrypt operator needs a key.",
            "Put a 16, 24 or 32 character key in a file named by deid.key_file, or in REPORTGEN_DEID_KEY.",
        )
    if len(key.encode()) not in (16, 24, 32):
        raise UsageError("the encryption key must be 16, 24 or 32 bytes long (AES-128/192/256).", "Check your key file.")
    return key


def decrypt_text(text: str, key: str, escape: Callable[[str], str] = str) -> str:
    """Put back every `{enc:...}` that `--operator encrypt` wrote."""
    key = check_key(key)

    def one(match: re.Match) -> str:
        try:
            plain = Decrypt().operate(match.group(1), {"key": key})
        except Exception:  # the cipher's own messages are not user-facing
            raise InputError("cannot decrypt an encrypted identifier.", "Check that this is the key it was encrypted with.") from None
        return escape(plain)

    return _ENCRYPTED.sub(one, text)


def case_like(template: str, value: str) -> str:
    if template.isupper() and len(template) > 1:
        return value.upper()
    if template.islower():
        return value.lower()
    return value


class Mapping:
    """One scope's replacements. `pairs` (replacement -> original, by word) serve restore()."""

    def __init__(self, secret: bytes, scope: str, faker: Faker):
        self.secret = secret
        self.scope = scope
        self.faker = faker
        self.forward: dict[tuple[str, str], str] = {}
        self.pairs: dict[str, str] = {}
        self.tags: Counter[str] = Counter()
        self.avoid: set[str] = set()  # this note's original words: never a surrogate
        self.genders: dict[str, str] = {}  # first name (normalized) -> the gender the text implies
        self.offset = date_offset(self._number("date-offset"))

    def _number(self, *parts: str) -> int:
        digest = hmac.new(self.secret, "\x1f".join((self.scope, *parts)).encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big")

    def _unique(self, entity: str, key: str, make: Callable[[], str]) -> str:
        """The replacement for (entity, key): made once, never shared with another original."""
        if (entity, key) in self.forward:
            return self.forward[(entity, key)]
        for attempt in range(20):
            self.faker.seed_instance(self._number(entity, key, str(attempt)))
            value = make()
            # no word of the note in it either: "Port John" for "Calvert" beside "John Baker" reads as a leak
            if value.lower() not in self.pairs and not self.avoid.intersection(normalize(value).split()):
                break
        self.forward[(entity, key)] = value
        return value

    def remember(self, replacement: str, original: str) -> None:
        if replacement and replacement != original:
            self.pairs.setdefault(replacement.lower(), original)

    def tag(self, entity: str, original: str) -> str:
        key = ("tag:" + entity, normalize(original))
        if key not in self.forward:
            self.tags[entity] += 1
            self.forward[key] = f"<{entity}_{self.tags[entity]}>"
        value = self.forward[key]
        self.remember(value, original)
        return value

    def surrogate(self, entity: str, original: str) -> str:
        if entity == rec.PERSON:
            return self._person(original)
        if entity == rec.DATE:
            shifted = shift_date(original, self.offset)
            if shifted is None:
                return self.tag(entity, original)
            self.remember(shifted, original)
            return shifted
        if entity == rec.AGE:
            return "90+"
        if entity in (rec.PHONE, rec.ID, rec.SSN, rec.ZIP):
            value = self._unique(entity, normalize(original), lambda: _digits_like(original, self.faker))
        elif entity == rec.LOCATION and (facility := FACILITY_END.search(original)) and facility.start() > 0:
            # "Calvert Hospital" -> "Lake Ann Hospital": the kind of place stays readable, "Calvert" maps as alone
            value = self.surrogate(entity, original[: facility.start()]) + facility.group()
        else:
            make = {
                rec.LOCATION: self.faker.city,
                rec.EMAIL: self.faker.email,
                rec.URL: self.faker.url,
                rec.ADDRESS: self.faker.street_address,
            }.get(entity, self.faker.last_name)
            value = case_like(original, self._unique(entity, normalize(original), make))
        self.remember(value, original)
        return value

    def _person(self, original: str) -> str:
        out = []
        for word in re.split(r"(\s+)", original):
            core = re.sub(r"(?:'s|'S|s')$", "", word)
            suffix = word[len(core) :]
            key = normalize(core)
            if not key or _TITLE.match(core):
                out.append(word)
                continue
            if len(key) == 1:
                make = lambda: self.faker.random_uppercase_letter()  # noqa: E731
            elif key in first_names():  # the census's too: "Rosa" is no last name
                gender = self.genders.get(key) or name_gender(key)
                make = partial(self.faker.random_element, names_of(gender)) if gender in (MALE, FEMALE) else self.faker.first_name
            else:
                make = self.faker.last_name
            value = case_like(core, self._unique(rec.PERSON, key, make))
            self.remember(value, core.rstrip("."))
            out.append(value + ("." if core.endswith(".") else "") + suffix)
        return "".join(out)


def normalize(text: str) -> str:
    """The key identifiers are matched on: lower case, no titles, possessives or punctuation."""
    words = [re.sub(r"(?:'s|s')$", "", w) for w in text.lower().split()]
    words = [re.sub(r"[^\w]", "", w) for w in words if not _TITLE.match(w)]
    return " ".join(w for w in words if w)


def _digits_like(original: str, faker: Faker) -> str:
    return re.sub(r"\d", lambda _: str(faker.random_digit()), original)


def make_replacer(operator: str, mapping: Mapping, key: str | None) -> Callable[[str, str], str]:
    """(entity, original) -> replacement, for one operator."""
    if operator == "surrogate":
        return mapping.surrogate
    if operator == "tag":
        return mapping.tag
    if operator == "mask":
        return lambda entity, original: re.sub(r"\S", "*", original)
    if operator == "redact":
        return lambda entity, original: ""
    if operator == "encrypt":
        key = check_key(key)
        return lambda entity, original: "{enc:" + Encrypt().operate(original, {"key": key}) + "}"
    raise UsageError(f"unknown operator '{operator}'.", f"Use one of: {', '.join(OPERATORS)}.")


# ---- dates ---------------------------------------------------------------------------------

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH_NAMES = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
_NUMERIC = re.compile(r"^(\d{1,2})([/-])(\d{1,2})(?:\2(\d{2}|\d{4}))?$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_YEAR = re.compile(r"^(')?(\d{2}|\d{4})$")
_NAMED = re.compile(
    r"^(?:(?P<m1>[A-Za-z]+)\.?\s+(?P<d1>\d{1,2})(?P<o1>st|nd|rd|th)?|(?P<d2>\d{1,2})(?P<o2>st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>[A-Za-z]+)\.?|(?P<m3>[A-Za-z]+)\.?)"
    r"(?:(?P<sep>,?\s+)(?P<y>\d{2}|\d{4}))?$"
)


def _year(text: str) -> int:
    value = int(text)
    if len(text) == 4:
        return value
    return value + (1900 if value > 30 else 2000)


def _year_like(template: str, value: int) -> str:
    return f"{value % 100:02d}" if len(template) == 2 else str(value)


def _num_like(template: str, value: int) -> str:
    return f"{value:02d}" if len(template) == 2 and template.startswith("0") else str(value)


def _month_index(name: str) -> int | None:
    low = name.lower()[:3]
    return _MONTHS.index(low) + 1 if low in _MONTHS and name.lower() in (_MONTH_NAMES[_MONTHS.index(low)].lower(), low, "sept") else None


def _month_name_like(template: str, month: int) -> str:
    full = _MONTH_NAMES[month - 1]
    value = full if len(template) > 3 and template.lower() != "sept" else full[:3]
    return case_like(template, value) if not template.istitle() else value


def date_offset(number: int) -> timedelta:
    """381-715 days back (13-23 months): a year-only date moves by 1-2 years, and the offset is never a whole
    number of years, so a month named alone ("in December", moved by whole months) or with its day always
    changes. The 1-3 years back before let about one note in eight keep "December" and now and then "December 5th" as
    they were, a surrogate equal to the original."""
    return timedelta(days=-(381 + number % 335))


def _shift_years(offset: timedelta) -> int:
    return round(offset.days / 365.25)


def shift_date(text: str, offset: timedelta) -> str | None:
    """The date moved by `offset` in its own format; None if it is not a date we can read."""
    t = text.strip()
    try:
        if m := _ISO.match(t):
            d = date(int(m[1]), int(m[2]), int(m[3])) + offset
            return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
        if (m := _NUMERIC.match(t)) and (m[4] or int(m[3]) <= 31):
            month, sep, day, year = m[1], m[2], m[3], m[4]
            d = date(_year(year) if year else 2000, int(month), int(day)) + offset
            out = f"{_num_like(month, d.month)}{sep}{_num_like(day, d.day)}"
            return out + (f"{sep}{_year_like(year, d.year)}" if year else "")
        if m := _MONTH_YEAR.match(t):
            d = date(_year(m[2]), int(m[1]), 15) + offset
            return f"{_num_like(m[1], d.month)}/{_year_like(m[2], d.year)}"
        if m := _YEAR.match(t):
            year = _year(m[2]) + _shift_years(offset)
            return (m[1] or "") + _year_like(m[2], year)
        if m := _NAMED.match(t):
            name = m["m1"] or m["m2"] or m["m3"]
            month = _month_index(name)
            if month is None:
                return None
            day_text = m["d1"] or m["d2"]
            year_text = m["y"]
            if day_text is None:  # "March", "March 1993": move by whole months
                total = (_year(year_text) if year_text else 2000) * 12 + month - 1 + round(offset.days / 30.44)
                out = _month_name_like(name, total % 12 + 1)
                return out + (f"{m['sep']}{_year_like(year_text, total // 12)}" if year_text else "")
            d = date(_year(year_text) if year_text else 2000, month, int(day_text)) + offset
            ordinal = m["o1"] or m["o2"] or ""
            suffix = _ordinal(d.day, ordinal)
            if m["m1"]:
                out = f"{_month_name_like(name, d.month)} {d.day}{suffix}"
            else:
                out = f"{d.day}{suffix} {_month_name_like(name, d.month)}"
            return out + (f"{m['sep']}{_year_like(year_text, d.year)}" if year_text else "")
    except ValueError:  # 2/30, 13/45: not a real date
        return None
    return None


def _ordinal(day: int, template: str) -> str:
    if not template:
        return ""
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return suffix.upper() if template.isupper() else suffix
