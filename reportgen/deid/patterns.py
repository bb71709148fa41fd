"""Every clinical pattern, as data: named Presidio `Pattern`s grouped by the recognizer that runs them.

A pattern's cue ("Dr.", "husband", "Hospital", "pager") locates the identifier and
the named group `phi` (or `phi1`, `phi2`, ...) is what gets reported, so the cue
itself stays readable. The audit records the pattern's name. Regexes are
case-sensitive unless they say `(?i:...)`: clinical notes are often upper case, so
name patterns accept UPPER and Title case but not lower-case prose.
`registry.py` pairs each group with its recognizer and its word test.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

# ---- building blocks -------------------------------------------------------------------------

# A name word; "'s" is left out ("Smith's" -> "Smith"), "O'Driscoll", "Kessler-Adventist", "McCoy" and
# "DeAnn" kept whole (the prefixed form first, or "Mc" alone would match).
NAME = r"(?:(?:Mc|Mac|De|Di|Da|Du|La|Le|Van|Von)[A-Z][a-z]+(?:-[A-Za-z]+)*|[A-Z][a-z]+(?:-[A-Za-z]+|'[A-Za-z]{2,})*|[A-Z][A-Z]+(?:-[A-Z]+|'[A-Z]{2,})*|[A-Z]'[A-Z][a-z]+)"
ANY_NAME = rf"(?:{NAME}|[a-z][a-z]+(?:-[a-z]+|'[a-z]{{2,}})*|[a-z]'[a-z]{{2,}})"  # after a strong cue, lower case too
INITIAL = r"[A-Z]\.?"
# A word typed with the shift key held a letter too long ("BAltimore"); only the place list reads it.
SLIPPED_NAME = r"[A-Z]{2}[a-z]{2,}"

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
MONTH_ANY_CASE = rf"(?i:{MONTH})(?![a-z])"
# Clinical events whose bare year is a date: "MI 92", "CABG '98", "s/p MVR in 2001".
EVENT = r"(?i:MI|CABG|PTCA|MVR|AVR|CVA|TIA|PCI|stent(?:s|ed)?|cath|surgery|dx|diagnosed)"
HOLIDAY = (
    r"(?i:christmas(?:\s+eve)?|thanksgiving|new\s+year'?s(?:\s+(?:day|eve))?|easter|halloween|"
    r"memorial\s+day|labor\s+day|independence\s+day|fourth\s+of\s+july|valentine'?s\s+day)"
)
DAY = r"(?:[12]\d|3[01]|0?[1-9])"
MONTH_NUMBER = r"(?:1[0-2]|0?[1-9])"


def not_after(*words: str) -> str:
    """Negative lookbehinds for "word " in lower, Title and UPPER case (re needs fixed widths)."""
    forms = {f for w in words for f in (w.lower(), w.title(), w.upper())}
    return "".join(f"(?<!{re.escape(f)} )" for f in sorted(forms))


# Ventilator settings ("PSV 10/5", "CPAP 5/5") and fractions ("1 1/2") are not dates.
_NOT_DATE_BEFORE = not_after("psv", "ps", "cpap", "peep", "simv", "imv", "bipap", "ac", "vent", "settings") + r"(?<![\s(]\d )"
# Clock times ("AT 2000", "1900-0700") are not years.
_NOT_YEAR_BEFORE = not_after("at", "@", "by", "until", "till", "about", "around", "approx", "from", "to", "and", "since") + r"(?<![\-:@])"

# Transcripts write "mr . ward", "ms . jones", "miss christine": spaced dots make mr/ms titles.
STRONG_TITLE = r"(?:Drs|DRS|drs|Dr|DR|dr|Doctor|DOCTOR|doctor|Mr|Mrs|MRS|mrs|Ms|Miss|MISS|miss|Prof|mr(?=\s\.)|ms(?=\s\.))"
# MR, MS and NP are also mitral regurgitation, mental status and nasal prongs ("4L NP. Lungs clear").
WEAK_TITLE = r"(?:MR\.?|mr|MS\.?|ms\.|NP|np|Nurse|NURSE|nurse)"
TITLE = rf"(?:{STRONG_TITLE}|{WEAK_TITLE})"
FAMILY = (
    r"(?i:husband|wife|spouse|son|daughter|dtr|mother|mom|father|dad|brother|bro|sister|sis|"
    r"friend|niece|nephew|grand\s*-?d?aughter|grand\s*-?son|aunt|uncle|cousin|"
    r"fiance|fiancee|boyfriend|girlfriend|partner|sister-in-law|brother-in-law|daughter-in-law|son-in-law|"
    r"proxy|hcp|guardian|neighbor)(?![\w])"
)
# Roles and talk: weaker cues than titles or kin ("per pulm", "per SS", "I spoke with HOUSE staff").
ROLE = (
    r"(?i:per|md|ho|attending|resident|intern|fellow|staff|rep|chaplain|coordinator|case\s*manager|case\s*worker|social\s+worker|sw|"
    r"(?:spoke|talked|met|discussed|spoken|talking|speaking)\s+(?:with|w/|to))(?![\w])"
)
RELATION = rf"(?:{FAMILY}|{ROLE})"
# PT, OT, PA and DO are left out: in notes they are far more often patient, artery, "do".
CREDENTIAL = r"(?:MD|M\.D\.|RN|R\.N\.|NP|PA-C|RRT|CRT|LPN|CNA|LICSW|MSW|PhD)"
CREDENTIAL_ALONE = r"(?:M\.D\.|R\.N\.|PA-C|RRT|CRT|LICSW|MSW|(?i:licsw|rrt))"  # unambiguous without a comma

# What the nurse did with a clinician: "W. MAROTTA AWARE", "mary souza aware", "LINDSEY CARDARELLI CALLED TO BEDSIDE".
INFORMED = r"(?i:aware|notified|informed|paged|called\s+to\s+(?:bedside|see|evaluate|room)|made\s+aware|at\s+bedside|in\s+to\s+(?:see|eval))"

FACILITY = (
    r"(?:Hospital|HOSPITAL|hospital|Hosp|HOSP|Medical\s+Center|MEDICAL\s+CENTER|Med\s+Ctr|Rehab|REHAB|rehab|"
    r"Nursing\s+Home|NURSING\s+HOME|Clinic|CLINIC|Health\s+Center|HEALTH\s+CENTER|Manor|MANOR|"
    r"Rehabilitation|REHABILITATION|Memorial|MEMORIAL|memorial|General|GENERAL|Regional|REGIONAL|Infirmary|Hospice|HOSPICE|"
    r"Adventist|ADVENTIST|Square|SQUARE|Institute|INSTITUTE|Cancer\s+Center|CANCER\s+CENTER|Care\s+Center|CARE\s+CENTER|"
    r"Nursing\s+Center|NURSING\s+CENTER|Health\s+System|HEALTH\s+SYSTEM|Urgent\s+Care|URGENT\s+CARE)"
)
# Where people live, study and pray: "KEELEY HOUSE", "Brightview Assisted Living", "Towson High School". Only the name
# is reported, since "House", "Lodge" and "Church" are surnames too and a reported word is sought in the rest of the note.
RESIDENCE = (
    r"(?:(?:House|HOUSE)(?!\s+(?i:officer|staff|call|calls|md|doctor|physician|resident|diet|rules))|Lodge|LODGE|Assisted\s+Living|ASSISTED\s+LIVING|"
    r"Senior\s+Living|SENIOR\s+LIVING|Retirement\s+(?:Home|Community)|RETIREMENT\s+(?:HOME|COMMUNITY)|Group\s+Home|GROUP\s+HOME|"
    r"College|COLLEGE|High\s+School|HIGH\s+SCHOOL|Academy|ACADEMY|Church|CHURCH|Shelter|SHELTER|Campus|CAMPUS)"
)
# Words common in US hospital names that are also everyday words ("sacred heart", "holy cross", "good samaritan").
FACILITY_NAME_WORDS = frozenset(
    "sacred holy cross mercy providence samaritan presbyterian methodist baptist lutheran adventist episcopal sinai shriners memorial".split()
)
FACILITY_END = re.compile(rf"\s+{FACILITY}$")
SAINT = r"(?:St\.?|ST\.|Saint|SAINT)"  # "ST" alone is the ECG segment ("ST CHANGES", "1 ST DEGREE")

MOVED = (
    r"(?i:transferred|transfered|transfer|trans|tx'?d|tx|sent|admitted|adm|taken|brought|came|went|returned|return|"
    r"discharged|d/c'd|dc'd|going|go|accepted|screened|seen|followed|referred|presented|arrived|evaluated|lives|living|resides)"
)
# The fifty states, written out (Title case or capitals), and their postal codes.
_STATES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|"
    "Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|"
    "Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|"
    "Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming"
)
STATE_NAME = "|".join(name.replace(" ", r"\s+") for state in _STATES.split("|") for name in (state, state.upper()))
# Codes that may follow a town without a comma; the others ("IN", "OR", "ME", "MI", "ID") only after "Town,".
STATE = rf"MD|DC|VA|PA|DE|NY|NJ|MA|CT|FL|CA|TX|OH|NC|SC|GA|WV|{STATE_NAME}"
STATE_CODE = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|"
    "SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
# A state before a facility kind ("MD Hospital", "VIRGINIA HOSPITAL CENTER"); not VA, the veterans' hospitals.
STATE_FACILITY = re.compile(rf"(?!VA$)(?:{STATE_CODE}|{STATE_NAME})")
STREET = r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Terrace|Circle|Pike|Highway|Hwy)"


def is_title(word: str) -> bool:
    return re.fullmatch(TITLE + r"\.?", word, re.I) is not None


def is_relation(word: str) -> bool:
    """"son", "DAUGHTER", "proxy": a relation or role cue, never a name."""
    return re.fullmatch(RELATION, word) is not None


# ---- the patterns, by recognizer ------------------------------------------------------------

DATES = [
    # 11/21/93, 7-22-2001 (not a blood gas or BP run such as 7.40/35/64/22); also "on10/14/82"
    Pattern("month/day/year", rf"(?<![\d/.])(?<![A-Z]){MONTH_NUMBER}([/-]){DAY}\1(?:19|20)?\d\d\b(?![/\d])", 0.9),
    # 7/22 (month/day, not 1/2 tab, not 120/80)
    Pattern(
        "month/day",
        rf"{_NOT_DATE_BEFORE}(?<![\d/.])\b{MONTH_NUMBER}/{DAY}\b(?![/\d%]|-\d|\s*(?i:tab|mg|ml|units|strength|ns|hrs?|hours?|peep|of)\b)",
        0.6,
    ),
    # two dates in one run: "TREATMENTS 10/03/10/04"
    Pattern("two month/day dates run together", rf"(?<![\d/.])\b{MONTH_NUMBER}/{DAY}/{MONTH_NUMBER}/{DAY}\b(?![/\d])", 0.6),
    # "on 7-8 for coiling" (not "on 2-3 L NC")
    Pattern(
        "on month-day",
        rf"(?i:\bon\s+)(?P<phi>{MONTH_NUMBER}-{DAY})\b"
        r"(?![\-/.]?\d|\s*(?i:l|lpm|liters?|mg|mcg|units?|x|%|times|hrs?|days?|weeks?|mins?|lbs?|kg|cm|mm|beats|breaths)\b)",
        0.5,
    ),
    Pattern("decade", r"\b(?:19|20)\d0'?[sS]\b", 0.6),  # the 1980s
    Pattern("year with a trailing apostrophe", r"(?<![\d'])\b\d\d'(?![\w'\"])", 0.5),  # CVA 74'
    # 8/87, 11/1992 (the year part cannot be a day)
    Pattern("month/year", rf"(?<![\d/.])\b{MONTH_NUMBER}/(?:3[2-9]|[4-9]\d|(?:19|20)\d\d)\b(?![/\d%])", 0.7),
    Pattern("ISO date", r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b", 0.9),
    # "on the 11th", "it's the 11th" (not "5th ICS", "4th floor")
    Pattern(
        "ordinal day",
        r"(?i:\b(?:on|the|of)\s+)(?P<phi>(?:[12]?\d|3[01])(?:st|nd|rd|th))\b"
        r"(?!\s*(?i:ics|intercostal|rib|floor|percentile|grade|day|time|dose|toe|finger|nerve|ventricle)\b)"
        # an ordinal before a lower-case word counts things ("on 1st step mattress", "on 2nd cpap trial"), a day does not
        r"(?!\s+(?!of\b|at\b|and\b|when\b)[a-z])",
        0.6,
    ),
    Pattern("month name", r"\b(?i:january|february|march|april|june|july|august|september|sept|october|november|december)\b", 0.6),
    # Jan 5, January 5th 1998, 5 Jan 98, Jan 1998, 5th of January
    Pattern("month name and day", rf"\b{MONTH_ANY_CASE}\.?\s+{DAY}(?:st|nd|rd|th)?\b(?:,?\s+(?:19|20)?\d\d\b)?", 0.8),
    Pattern("day and month name", rf"\b{DAY}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_ANY_CASE}\.?(?:,?\s+(?:19|20)?\d\d\b)?", 0.8),
    Pattern("month name and year", rf"\b{MONTH_ANY_CASE}\.?,?\s+(?:19|20)\d\d\b", 0.8),
    Pattern("month name, two-digit year", rf"\b{MONTH_ANY_CASE}\.?,\s*'?\d\d\b(?!\s*(?i:mg|ml|units?|%))", 0.7),  # "nov, 96"
    Pattern("apostrophe year", r"(?<![\w/])'\d\d\b", 0.7),  # '92
    Pattern(
        "year of a clinical event",
        rf"\b{EVENT}\s+(?:in\s+|of\s+)?(?P<phi>(?:19|20)?\d\d)\b(?![./:%]\d|\s*(?i:mg|ml|cc|units?|%|mm|cm|min|x)\b)",
        0.6,
    ),
    Pattern(
        "four-digit year",
        rf"{_NOT_YEAR_BEFORE}\b(?P<phi>19\d\d|20[0-3]\d)\b(?![./:]\d|\s*-\s*\d|\s*(?i:mg|ml|cc|units?|u|kcal|mcg|%|hrs?|h|pm|am)\b)",
        0.5,
    ),
    Pattern("holiday", rf"\b{HOLIDAY}\b", 0.7),
]

_AGE = r"(?P<phi>9\d|1[01]\d)"
AGES = [
    Pattern("age in years", rf"\b{_AGE}\s*(?:-|\s)?(?i:y/?o|yrs?|years?(?:[- ]old)?|year-old)\b", 0.8),
    Pattern("aged", rf"(?i:\bage[d:]?\s*){_AGE}\b", 0.8),
    Pattern("age with y", rf"\b{_AGE}\s*(?i:y)\b", 0.6),
    Pattern("age opening a note", rf"(?m:^)[ \t]*{_AGE}\s+(?i:s/p|w/|with)\b", 0.6),  # "98 s/p left hip fx"
]

PHONES = [
    # "(410) 555-1234", "410/555-1234", "1-410-555-1234", "410-5551234", "4105551234"
    Pattern("phone number", r"(?<![\d./])(?<!\d-)(?:\+?1[\s.\-])?\(?\b\d{3}\)?[\s.\-/]{0,2}\d{3}[\s.\-]?\d{4}\b(?!\.\d|[\d/])", 0.8),
    Pattern("phone in parentheses, a digit too many", r"(?<![\d/])\(\d{3}[\s.\-]\d{3}[\s.\-]\d{4,5}\)", 0.6),  # "(301 273 45166)"
    Pattern("local phone number", r"(?<![\d./])(?<!\d-)\b\d{3}-\d{4}\b(?!\.\d|[\d/])", 0.6),
    Pattern(
        "pager or extension",
        r"(?i:\b(?:pager|beeper|pgr|pg|beep|page|cell|ext\.?|x|phone|tel)(?:\s+(?:number|no\.?))?)[\s#:]*"
        r"(?P<phi>\d{4,5}|\d-\d{4}|\d{3}-?\d{4})\b(?!\.\d|[\d/])",
        0.6,
    ),
]

_RECORD_CUE = (
    r"(?i:MRN|MR\s*#|med(?:ical)?\s+rec(?:ord)?(?:\s+(?:no\.?|number|#))?|acct\.?|account(?:\s+(?:no\.?|number|#))?|"
    r"unit\s+(?:no\.?|number|#)|SSN|record\s*#|hosp(?:ital)?\s*#)"
)
IDS = [
    # a dictated "medical record number is 48213377" as well as a written "MRN: 48213377"
    Pattern("medical record or account number", rf"\b{_RECORD_CUE}(?:\s+(?:is|was))?\s*[:#]?\s*(?P<phi>[A-Z]{{0,3}}\d[\d\-]{{3,}}\d)\b", 0.9),
    # "ref # 8336652", "per hospital policy #rg17", "confirmation no. A12345"
    Pattern(
        "reference number",
        r"(?i:\b(?:ref|reference|policy|confirmation|claim|case|order|requisition)\s*(?:#|no\.?|number)\s*)(?P<phi>[A-Za-z]{0,3}\d[\w\-]*)",
        0.7,
    ),
    # "member ID: XJH123456789", "Medicaid # 12345678", "insurance id W2345-6789", "group number 00123"
    Pattern(
        "health plan member number",
        r"(?i:\b(?:member|subscriber|insurance|insurer|policy|group|plan|beneficiary|medicare|medicaid|hicn|mbi|bcbs|payer)"
        r"(?:\s+(?:member|subscriber|plan))?\s*(?:id|#|no\.?|number|num)\s*(?:is|:|#)?\s*)(?P<phi>(?=[A-Za-z\-]*\d)[A-Za-z0-9][A-Za-z0-9\-]{4,}\d?)",
        0.8,
    ),
    # "accession # S23-4567", "specimen number SP-22-001234", "path # 12-3456", "sample ID 8842-17"
    Pattern(
        "accession or specimen number",
        r"(?i:\b(?:accession|specimen|surgical\s+path(?:ology)?|path(?:ology)?|lab|sample|slide|block|cytology)"
        r"\s*(?:id|#|no\.?|number|num)\s*(?:is|:|#)?\s*)(?P<phi>(?=[A-Za-z\-]*\d)[A-Za-z0-9][A-Za-z0-9\-]{3,})",
        0.8,
    ),
]


_PARTICLE = r"(?i:o|mc|mac|van|von|de|di|du|da|del|della|le|la)(?:\s+(?i:der|den|la|le|los|las))?"


def titled_names(title: str) -> list[Pattern]:
    """`Dr. Smith`, `dr. pica`, `per Dr. Sarah O'Driscoll`, `DRS JOSEPH AND ROBBINSON`."""
    return [
        Pattern(
            "title and name",
            rf"\b{title}(?:\s?\.\s*|'s\s+|'S\s+|\s+)(?:{INITIAL}\s+)?(?P<phi1>{ANY_NAME})"
            rf"(?:\s+(?!(?:and|AND)\b)(?P<phi2>{NAME}))?"
            rf"(?:\s+(?:and|AND|&)\s+(?P<phi3>{NAME}))?",
            0.85,
        ),
        # a surname whose particle is written apart: "Dr. o rourke", "Dr. O Brien", "Dr. de la Cruz" (the surname is tested first)
        Pattern(
            "title and surname with a particle",
            rf"\b{title}(?:\s?\.\s*|\s+)(?P<phi2>{_PARTICLE})\s+(?P<phi1>{ANY_NAME})",
            0.85,
        ),
    ]


TITLED_NAMES = titled_names(STRONG_TITLE)
# Lower-case transcripts: "doctor scott good to see you", where the surname may be a word.
TRANSCRIPT_TITLED_NAMES = [Pattern("title, first name and surname", r"\b(?:dr|doctor)\s?\.?\s+(?P<phi1>[a-z]+)\s+(?P<phi2>[a-z]+)\b", 0.7)]
WEAK_TITLED_NAMES = titled_names(WEAK_TITLE)  # MR, MS, NP, nurse: the stricter word test

_SIGN_INITIAL = r"(?:(?P<phi0>[A-Z])\.\s*)?"
# The credential is a strong cue, so the word test may be lenient: surnames are often words.
SIGNED_NAMES = [
    # "Nancy Jones, RN", "EDWARD C. JONES, RRT", "Bernard Foley CRT", "Q. LANDER RRT"
    Pattern(
        "name, credential",
        rf"(?<![\w.]){_SIGN_INITIAL}(?P<phi1>{NAME})\s+(?:(?P<phi2>{INITIAL})\s+)?(?:(?P<phi3>{NAME})\s*)?,\s*{CREDENTIAL}(?![\w])",
        0.7,
    ),
    Pattern(
        "name and unambiguous credential",
        rf"(?<![\w.]){_SIGN_INITIAL}(?P<phi1>{NAME})\s+(?:(?P<phi2>{INITIAL})\s+)?(?:(?P<phi3>{NAME})\s*)?\s+{CREDENTIAL_ALONE}(?![\w])",
        0.7,
    ),
    Pattern("surname and unambiguous credential", rf"(?<![\w.]){_SIGN_INITIAL}(?P<phi1>{NAME})\s+{CREDENTIAL_ALONE}(?![\w])", 0.7),
    # lower-case notes: "florencia cooke np into eval", "q. lander rrt", "pat rixford licsw"
    Pattern(
        "lower-case name and credential",
        r"(?<![\w.'])(?:(?P<phi0>[a-z])\.\s*)?(?P<phi1>[a-z]+)(?:\s+(?P<phi3>[a-z]+(?:'[a-z]+)?))?,?\s+(?:rn|np|rrt|crt|licsw|licws|msw)\b",
        0.6,
    ),
]

# An initial and a surname: `W. MAROTTA`, `J. Yi`; the lower-case form (`d. renna`, not "a.m.") has its own word test.
INITIALED_NAMES = [
    Pattern("initial and surname", r"(?<![\w.'])(?P<phi2>[A-Z])\.\s?(?P<phi1>[A-Z](?:'[A-Za-z]{2,}|[A-Za-z]+(?:'[A-Za-z]+)?))\b", 0.6)
]
LOWER_INITIALED_NAMES = [
    Pattern("lower-case initial and surname", r"(?<![\w.'])(?P<phi2>[a-z])\.\s?(?P<phi1>[a-z](?:'[a-z]{2,}|[a-z]+(?:'[a-z]+)?))\b", 0.6)
]

# `per Douglass`, `attending Saeed`, `spoke with suzette`: the stricter word test of RoleNameRecognizer
ROLES = [Pattern("role and name", rf"\b{ROLE}\s*[,:\-(]*\s*(?P<phi1>{ANY_NAME})(?:\s+(?P<phi2>{NAME}|{INITIAL}))?", 0.7)]

INFORMED_NAMES = [
    # "BEA TURA AND DRS JOSEPH AND ROBBINSON AWARE": the first of several told
    Pattern(
        "name before aware/notified",
        rf"(?<![\w'])(?:(?P<phi1>[A-Za-z])\.\s*)?(?:(?P<phi2>{ANY_NAME})\s+)?(?P<phi3>{ANY_NAME})"
        rf"(?:\s+(?:and|AND|&)\s+[^.;:\n]{{1,40}}?)?\s+{INFORMED}(?![\w])",
        0.6,
    )
]

RELATIVES = [
    # `husband Bob`, `wife, Carol B.`, `DAUGHTER-KRISSY`, `son (David)`
    Pattern("relation and name", rf"\b{FAMILY}\s*[,:\-(]*\s*(?P<phi1>{ANY_NAME})(?:\s+(?P<phi2>{NAME}|{INITIAL}))?", 0.7),
    # a contact list: "Lopie Certusi cell# 410-322-1419", "Hank Przybylo (son)", "Irene Smith- 204-943-1045"
    Pattern(
        "contact list entry",
        rf"(?<![\w'-])(?P<phi1>{NAME})(?:\s+(?P<phi2>{NAME}))?\s*(?:\(\s*{RELATION}\s*\)|"
        r"[-:,]?\s*(?i:(?:cell|home|work|phone|tel|mobile)\s*(?:#|no\.?|number)?\s*:?\s*)?\(?\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4})",
        0.6,
    ),
    # a visitor or caller named on their own: "social: bill called", "Hank was in to visit"
    Pattern(
        "visitor or caller",
        rf"(?<![\w'-])(?P<phi1>[A-Za-z][a-z]+|[A-Z]+)(?:\s+(?P<phi2>{NAME}))?\s+(?i:called|visited|phoned|(?:was\s+)?in\s+to\s+visit)\b",
        0.5,
    ),
]

# Lower-case visit transcripts carry no capitals: a greeting, a "<name> is a N-year-old" frame or
# a dictated header marks a name.
_LOWER_WORD = r"[a-z][a-z\-]+"
_GREETING = r"(?i:\b(?:hi|hey|hello|morning|afternoon|evening|bye|goodbye|welcome(?:\s+back)?|nice\s+to\s+meet\s+you|good\s+to\s+see\s+you)\b)"
_CASUAL = r"(?i:\b(?:so|okay|ok|alright|all\s+right|thanks|thank\s+you|well|yes|no|sorry)\b)"
# In the header a clinician dictates: "next patient is christine hernandez", "patient , bruce ward . date of birth".
ADDRESSED_NAMES = [
    Pattern("this is name", rf"(?i:\bthis is)\s+(?P<phi1>{_LOWER_WORD})(?:\s+(?P<phi2>{_LOWER_WORD}))?", 0.5),
]
GREETED_NAMES = [
    Pattern("greeting and name", rf"{_GREETING}[ ,]+(?P<phi>{_LOWER_WORD})(?![\w'])", 0.6),
    Pattern("name is an N-year-old", rf"(?<![\w'])(?P<phi>{_LOWER_WORD})\s+is\s+an?\s+\d{{1,3}}\s*-?\s*years?\s*-?\s*old", 0.6),
]
CASUAL_NAMES = [
    # "alright brittany so i see", "okay raymond it looks like", "thanks , louis ."
    Pattern("casual address and name", rf"{_CASUAL}[ ,]+(?P<phi>{_LOWER_WORD})(?=\s*[,.?!]|\s+(?:so|i|it|it's|what|what's|how|how's|you|we|let's|your)\b)", 0.5),
    Pattern("first name possessive", rf"(?<![\w'])(?P<phi>{_LOWER_WORD})'s\b", 0.4),  # "any problems with karen's sleep"
]
DICTATED_NAMES = [
    Pattern(
        "next patient is",
        rf"(?i:\b(?:next\s+)?patient(?:\s+is|\s+name\s+is|\s*,)\s+)(?P<phi1>{_LOWER_WORD}|{NAME})(?:\s+(?P<phi2>{_LOWER_WORD}|{NAME}))?(?=\s*[.,]|\s+(?i:date|dob|born|age)\b)",
        0.7,
    ),
    Pattern(
        "name before date of birth",
        rf"(?<![\w'])(?P<phi1>{_LOWER_WORD}|{NAME})(?:\s+(?P<phi2>{_LOWER_WORD}|{NAME}))?\s*[.,]\s*(?:(?i:uh|um)\s*,\s*)?(?i:date\s+of\s+birth|dob)\b",
        0.7,
    ),
]

_PLACE = rf"(?:{SAINT}\s+)?{NAME}"
FACILITIES = [
    # `Calvert Hospital`, `Kessler-Adventist Hosp`
    Pattern("name and kind of facility", rf"(?:(?P<phi2>{NAME})\s+)?(?P<phi1>{_PLACE}\s+{FACILITY})\b", 0.8),
    Pattern("name of a residence, school or church", rf"(?<![\w'-])(?=[A-Z])(?P<phi>(?:{NAME}\s+)?{_PLACE})\s+{RESIDENCE}\b", 0.7),
    Pattern("emergency room of a place", rf"(?i:\b(?:from|to|at|via)\s+)(?P<phi>{_PLACE})\s+(?:ER|ED|ICU|EW)\b", 0.6),  # "from Kernan ER"
    Pattern("saint's name", rf"\b(?P<phi>{SAINT}\s+[A-Z][A-Za-z]+(?:'[Ss])?)", 0.6),  # "St Mary's"
    # lower-case notes: "to sacred heart hospital", "from franklin square hosp", "kessler-adventist rehab"
    # (a preposition opens no name: "was at harbor hospital")
    Pattern(
        "lower-case facility",
        r"(?<![\w'-])(?!(?:at|to|from|in|into|on|of|by|for|with|via)\s)(?P<phi>[a-z]+(?:[ -][a-z]+)?)\s+(?i:hospital|hosp|rehab|medical\s+center|memorial)\b",
        0.5,
    ),
    # a university hospital: "per U Maryland scale", "University of Virginia"
    Pattern("university", rf"\b(?P<phi>(?:U|Univ\.?|University|UNIV\.?|UNIVERSITY)(?:\s+(?:of|OF))?\s+(?:{STATE_NAME}))\b", 0.7),
]

TRANSFERS = [
    # "transferred to GH", "sent to Quartermain 2", "at GBMC"
    Pattern(
        "place moved to or from",
        rf"\b{MOVED}\s+(?:back\s+)?(?i:to|from|at|into|in|@)\s+(?i:the\s+)?(?P<phi1>{ANY_NAME})(?:\s+(?P<phi2>{NAME}))?",
        0.5,
    ),
    Pattern("town and state", rf"(?P<phi>{NAME}),?\s+(?:{STATE})(?![\w])", 0.5),  # "Annapolis, MD", "Towson, Maryland"
    Pattern("town, state code", rf"(?P<phi>[A-Z][a-z]+(?:\s[A-Z][a-z]+)?),\s?(?:{STATE_CODE})(?![\w])", 0.5),  # "Boise, ID", "Salem, OR"
    # "lives in Hagerstown", "in ROCKVILLE" (a capitalized word that is no clinical or everyday word)
    Pattern("capitalized word after in", r"(?i:\b(?:in|near)\s+)(?P<phi>[A-Z][a-z]+)(?![\w'])", 0.4),
    # a ward and its floor: "TRANSFER QUARTERMAIN 2", "belongings found from quartermain 5", "to Farr4", "to O'Neil-Hart 7B",
    # "per Farr 3 RN", "plan: REISMAN 10 this am"
    # (glued, the name may not end in x: "to commodex3" is "commode x3"; a range or a dose is no floor: "on Trizivir 1 tablet")
    Pattern(
        "ward and floor",
        r"(?i:\b(?:to|from|transfer(?:red)?|tx|on|per|at|plan\s*:?|awaiting)\s+)(?P<phi>[A-Za-z][A-Za-z'\-]{2,}[A-Za-z])(?:\s+|(?<![xX]))\d{1,2}[A-Da-d]?\b"
        r"(?![\d/%]|[.:\-]\d|\s*(?i:mg|mcg|ml|cc|l|units?|hrs?|hours?|days?|mins?|x|times|am|pm|liters?|lpm|tabs?|tablets?|caps?|capsules?|puffs?|drops?|doses?|amps?|vials?|po|iv|sq|im|prn)\b)",
        0.4,
    ),
]

# Where someone lives or comes from: "lives in Laurel", "104 YO WOMAN FROM AMERICAN FORK", "moved here from
# silver spring". The place list decides what follows (any case, and places that are also words), so the
# capture runs over up to four words and the recognizer keeps the longest listed place they open with.
_HOME_CUE = (
    r"(?i:\b(?:lives?|living|lived|resides?|residing|resident|moved|moving|relocated|born|raised|grew\s+up|originally|"
    r"home|hometown|(?:is|are|was|were)(?=\s+(?:originally\s+)?from)|(?:wo)?man|male|female|gentleman|lady|family|visiting|"
    r"visited|vacationing|vacation|travell?ing|traveled|drove|driving|flew|flying|commutes?|called|calling|phoned|arrived|arriving|came|comes|coming|"
    r"returned|returning|"
    rf"{FAMILY}(?:\s*,?\s*{NAME}(?:\s+{NAME})?\s*,?)?)"
    r"\s+(?:back\s+|here\s+|there\s+|up\s+|down\s+|over\s+|in\s+|originally\s+|alone\s+|independently\s+|nearby\s+)?"
    r"(?:in|from|to|at|near|outside(?:\s+of)?|of)\s+(?:the\s+)?)"
)
_PLACE_WORDS = r"[A-Za-z][A-Za-z'\-]*(?:[ ][A-Za-z][A-Za-z'\-]*){0,3}"
HOME_PLACES = [Pattern("place someone lives in or comes from", rf"{_HOME_CUE}(?P<phi>{_PLACE_WORDS})", 0.5)]
# After a bare preposition only a listed place of several words counts in any case ("FROM SILVER SPRING",
# "to glen burnie"): its one-word places are too often words ("from home", "in normal sinus").
PLACES_AFTER_PREPOSITION = [
    Pattern("listed place phrase after a preposition", rf"(?i:\b(?:in|from|to|at|near|of)\s+(?:the\s+)?)(?P<phi>{_PLACE_WORDS})", 0.4)
]

# A short acronym after "to/at/from": "transferred to GH", "at GBMC" (its own word test: ICU, OR, CCU are clinical
# words, and "TO ADEQ", "TO MAINT" are words cut short).
PLACE_ACRONYMS = [
    Pattern("acronym after to/at/from", r"(?i:\b(?:to|at|from|@)\s+(?:the\s+)?)(?P<phi>[A-Z]{2,5})(?![\w/])", 0.4),
    Pattern("acronym before its emergency room", r"(?<![\w/-])(?P<phi>[A-Z]{2,5})\s+(?:ER|ED|EW)\b", 0.4),  # "-> GH EW today"
]

# "a transplant at Holy Cross", "went to Harbor", "on the Eastern Shore": the word test gets the whole run.
NAMED_PLACES = [
    Pattern(
        "capitalized words after at/to/from",
        rf"(?i:\b(?:at|to|from|on\s+the|in\s+the|@)\s+)(?!{TITLE}\b)(?P<phi>[A-Z][a-z]+(?:\s[A-Z][a-z]+){{0,2}})(?![\w'])",
        0.4,
    )
]

# Employers: "HUSBAND CEO OF IBM", "WORKS AS A NURSE AT GOMEZ-MORGAN", "Anderson Corp", "Cruz and Sons".
_WORK_CUE = (
    r"(?i:\b(?:works?|worked|working|employed|employee|retired|job|ceo|cfo|coo|president|owner|founder|partner)"
    r"(?:\s+as\s+an?\s+[a-z]+(?:\s+[a-z]+)?)?\s+(?:at|for|by|of|from|with)\s+(?:the\s+)?)"
)
# No "Inc": in ICU notes it is "increased" ("PROPOFOL INC TO 30").
_COMPANY_KIND = r"(?:LLC|Ltd|LTD|Corp|CORP|Corporation|CORPORATION|PLC|Company|COMPANY|Industries|INDUSTRIES|Enterprises|ENTERPRISES)"
# In capitals every word looks like a name: a company's words are no preposition, job cue or kind ("RETIRED FROM [YORK] LTD IN 1995").
# Patterns that open on a name say (?=[A-Z]) first: lower-case text (a transcript) then costs them nothing.
_COMPANY_WORD = (
    rf"(?!(?:(?i:and|or|of|in|at|on|to|by|for|from|with|the|as|since|until|retired|employed|employee|works?|worked|working)|{_COMPANY_KIND})\b){NAME}"
)
EMPLOYERS = [
    Pattern("employer after a job", rf"{_WORK_CUE}(?P<phi>{_COMPANY_WORD}(?:(?:\s+|-|\s*&\s*){_COMPANY_WORD}){{0,2}})(?![\w'])", 0.5),
    Pattern("company and its kind", rf"(?<![\w'-])(?=[A-Z])(?P<phi>{_COMPANY_WORD}(?:(?:\s+|-){_COMPANY_WORD}){{0,2}}),?\s+{_COMPANY_KIND}\b", 0.6),
    Pattern("family company", rf"(?<![\w'-])(?=[A-Z])(?P<phi>{_COMPANY_WORD})\s+(?:and|AND|&)\s+(?:Sons|SONS|Daughters|DAUGHTERS)\b", 0.6),
]
# A county or township (an identifier: smaller than a state): "Harford County", "ANNE ARUNDEL COUNTY", not "In County".
COUNTIES = [
    Pattern("county", rf"(?<![\w'-])(?=[A-Z])(?P<phi>{NAME}(?:\s+{NAME})?)\s+(?:County|COUNTY|Township|TOWNSHIP|Parish|PARISH)\b", 0.5),
]
# A region or campus named by its compass point: "the Eastern Shore", "NORTH CAMPUS", "the west coast".
REGIONS = [
    Pattern("compass region", r"(?i:\b(?P<phi>(?:north|south|east|west)(?:ern)?\s+(?:shore|coast|campus))\b)", 0.5),
]

EMAILS = [Pattern("email address", r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b", 1.0)]
# Scheme or www. only: bare "o2" / "x3" are not URLs (Presidio's URL recognizer thinks they may be).
URLS = [Pattern("url with scheme or www", r"\b(?:https?://|www\.)[^\s<>\"']+[\w/]", 0.9)]
SSNS = [Pattern("social security number", r"(?<![\d\-])\b\d{3}-\d{2}-\d{4}\b(?![\d\-])", 0.9)]
# Street types written out (no "Dr"/"St": titles and saints); a street named without its number.
_STREET_WORD = r"(?:Street|Avenue|Road|Boulevard|Lane|Drive|Court|Terrace|Circle|Pike|Highway|Parkway|Turnpike|Way|Place)"
ADDRESSES = [
    Pattern("street name", rf"(?i:\b(?:on|off|at|near|lives\s+on|moved\s+to)\s+)(?P<phi>(?:{NAME}\s+){{1,3}}(?:{_STREET_WORD}|(?i:{_STREET_WORD}))\b\.?)", 0.6),
    Pattern("house number and street", rf"\b\d{{1,5}}\s+(?:{NAME}\s+){{1,3}}(?i:{STREET})\b\.?", 0.8),
    Pattern("route number", r"\b(?:Route|ROUTE|Rte\.?|RTE\.?|Highway|HIGHWAY|Hwy\.?|HWY\.?|Interstate|INTERSTATE)\s*#?\s*\d{1,3}[A-Z]?\b|\bI-\d{2}\b", 0.6),
    Pattern("town, state and ZIP", r"\b[A-Z][a-z]+,?\s+(?:[A-Z]{2})\s+\d{5}(?:-\d{4})?\b", 0.8),  # Town, MD 21201
]
ZIPS = [
    Pattern("ZIP code", r"(?i:\bzip(?:\s*code)?\s*(?:is|:|#)?\s*)(?P<phi>\d{5}(?:-\d{4})?)\b", 0.8),
    Pattern("state and ZIP", rf"\b(?:{STATE})\.?,?\s+(?P<phi>\d{{5}}(?:-\d{{4}})?)\b(?!\s*(?i:mg|mcg|units?|ml|%))", 0.7),
]
# Initials signing a dictation: "WF/jk" (author/typist), "JTB:mlw".
SIGNATURE_INITIALS = [
    Pattern("dictation initials", r"(?<![\w/])(?P<phi1>[A-Z]{2,3})[/:](?P<phi2>[a-z]{2,3})(?![\w/])", 0.6),
]
