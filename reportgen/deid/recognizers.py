"""Clinical recognizers: small Presidio recognizers, each testable on its own.

Most are `CueRecognizer`s: regexes in which a cue ("Dr.", "husband", "Hospital",
"pager") locates the identifier and the named group `phi` (or `phi1`, `phi2`)
is what gets reported, so the cue itself stays readable. Regexes are
case-sensitive unless they say `(?i:...)`: clinical notes are often upper case,
so name patterns accept UPPER and Title case but not lower-case prose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from presidio_analyzer import LocalRecognizer, RecognizerResult

# Entity types this package reports (the tag names of the `tag` operator).
PERSON, DATE, AGE, PHONE, ID, LOCATION = "PERSON", "DATE", "AGE", "PHONE", "ID", "LOCATION"
EMAIL, URL, SSN, ADDRESS = "EMAIL", "URL", "SSN", "ADDRESS"
ENTITIES = (PERSON, DATE, AGE, PHONE, ID, LOCATION, EMAIL, URL, SSN, ADDRESS)

# A name word; "'s" is left out ("Smith's" -> "Smith"), "O'Driscoll" and "Kessler-Adventist" kept whole.
NAME = r"(?:[A-Z][a-z]+(?:-[A-Za-z]+|'[A-Za-z]{2,})*|[A-Z][A-Z]+(?:-[A-Z]+|'[A-Z]{2,})*|[A-Z]'[A-Z][a-z]+)"
ANY_NAME = rf"(?:{NAME}|[a-z][a-z]+(?:-[a-z]+|'[a-z]{{2,}})*|[a-z]'[a-z]{{2,}})"  # after a strong cue, lower case too
INITIAL = r"[A-Z]\.?"


class CueRecognizer(LocalRecognizer):
    """Regexes with a cue; the `phi*` groups (or the whole match) are the identifiers.

    `reject(word)` drops a candidate that is really an ordinary word ("Dr. on call"); with
    `whole=True` one rejected group drops the whole match ("HOUSE OFFICER aware").
    """

    def __init__(
        self,
        name: str,
        entity: str,
        patterns: Sequence[tuple[str, float]],
        reject: Callable[[str], bool] | None = None,
        whole: bool = False,
    ):
        self.patterns = [(re.compile(p), score) for p, score in patterns]
        self.reject = reject
        self.whole = whole
        super().__init__(supported_entities=[entity], name=name, supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        for regex, score in self.patterns:
            pos = 0
            while match := regex.search(text, pos):
                pos = match.end()
                if _inside_word(text, match.start()):  # "ROM CALVERT HOSPITAL", searching again inside "FROM"
                    pos = match.start() + 1
                    continue
                found = []
                for start, end in _phi_spans(match):
                    if self.reject and self.reject(text[start:end]):
                        # Later groups continue this one ("husband ON FLOOR"); the rejected word may
                        # itself be a cue, so search again from it ("spoke to DAUGHTER PHILOMENA").
                        pos = max(start, match.start() + 1)
                        found = [] if self.whole else found
                        break
                    found.append(self._result(start, end, score))
                results += found
        return results

    def _result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            self.supported_entities[0],
            start,
            end,
            score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )


def _inside_word(text: str, i: int) -> bool:
    """Inside a run of letters or of digits ("on10/14/82" starts a date at the digit)."""
    if not 0 < i < len(text):
        return False
    a, b = text[i - 1], text[i]
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


def _phi_spans(match: re.Match) -> list[tuple[int, int]]:
    """Spans of the `phi`, `phi1`, `phi2` groups, in the order of their names."""
    groups = sorted(g for g in match.re.groupindex if g.startswith("phi"))
    if not groups:
        return [match.span()]
    return [match.span(g) for g in groups if match.group(g)]


class WordListRecognizer(CueRecognizer):
    """Words found in a list (general names, the user's roster), matched as whole tokens."""

    def __init__(self, name: str, entity: str, contains: Callable[[str], bool], score: float, token: str = NAME):
        self.contains = contains
        super().__init__(name, entity, [(rf"\b(?:{token})\b", score)], reject=lambda w: not contains(w))


class PhraseListRecognizer(CueRecognizer):
    """Exact phrases (a staff roster, facility names, a patient's MRN), case-insensitive."""

    def __init__(self, name: str, entity: str, phrases: Iterable[str], score: float = 1.0):
        phrases = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
        pattern = r"(?i)(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)" if phrases else r"(?!)"
        super().__init__(name, entity, [(pattern, score)])


class GazetteerRecognizer(CueRecognizer):
    """Places from a list: one-word places ("Towson") and phrases of up to four words ("Bel Air").

    `words` and `phrases` are lower-cased; the longest phrase starting at a word wins.
    """

    def __init__(self, name: str, entity: str, words: frozenset[str], phrases: frozenset[str], score: float, token: str = NAME):
        self.words, self.phrases, self.score = words, phrases, score
        self.token = re.compile(rf"(?<![\w'-])(?:{token})(?![\w'-])")
        super().__init__(name, entity, [])

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        tokens = list(self.token.finditer(text))
        results, i = [], 0
        while i < len(tokens):
            for n in range(min(4, len(tokens) - i), 0, -1):
                run = tokens[i : i + n]
                if all(text[a.end() : b.start()] == " " for a, b in zip(run, run[1:])):
                    phrase = " ".join(t.group().lower() for t in run)
                    if phrase in (self.phrases if n > 1 else self.words):
                        results.append(self._result(run[0].start(), run[-1].end(), self.score))
                        break
            else:
                n = 1
            i += n
        return results


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


def not_after(*words: str) -> str:
    """Negative lookbehinds for "word " in lower, Title and UPPER case (re needs fixed widths)."""
    forms = {f for w in words for f in (w.lower(), w.title(), w.upper())}
    return "".join(f"(?<!{re.escape(f)} )" for f in sorted(forms))


# Ventilator settings ("PSV 10/5", "CPAP 5/5") and fractions ("1 1/2") are not dates.
_NOT_DATE_BEFORE = not_after("psv", "ps", "cpap", "peep", "simv", "imv", "bipap", "ac", "vent", "settings") + r"(?<![\s(]\d )"
# Clock times ("AT 2000", "1900-0700") are not years.
_NOT_YEAR_BEFORE = not_after("at", "@", "by", "until", "till", "about", "around", "approx", "from", "to", "and", "since") + r"(?<![\-:@])"


def dates() -> CueRecognizer:
    day = r"(?:[12]\d|3[01]|0?[1-9])"
    month_num = r"(?:1[0-2]|0?[1-9])"
    return CueRecognizer(
        "ClinicalDateRecognizer",
        DATE,
        [
            # 11/21/93, 7-22-2001 (not a blood gas or BP run such as 7.40/35/64/22)
            (rf"(?<![\d/.])(?<![A-Z]){month_num}([/-]){day}\1(?:19|20)?\d\d\b(?![/\d])", 0.9),  # also "on10/14/82"
            # 7/22 (month/day, not 1/2 tab, not 120/80)
            (rf"{_NOT_DATE_BEFORE}(?<![\d/.])\b{month_num}/{day}\b(?![/\d%]|-\d|\s*(?i:tab|mg|ml|units|strength|ns|hrs?|hours?|peep|of)\b)", 0.6),
            # two dates in one run: "TREATMENTS 10/03/10/04"; "on 7-8 for coiling" (not "on 2-3 L NC")
            (rf"(?<![\d/.])\b{month_num}/{day}/{month_num}/{day}\b(?![/\d])", 0.6),
            (rf"(?i:\bon\s+)(?P<phi>{month_num}-{day})\b(?![\-/.]?\d|\s*(?i:l|lpm|liters?|mg|mcg|units?|x|%|times|hrs?|days?|weeks?|mins?|lbs?|kg|cm|mm|beats|breaths)\b)", 0.5),
            (r"\b(?:19|20)\d0'?[sS]\b", 0.6),  # the 1980s
            (r"(?<![\d'])\b\d\d'(?![\w'\"])", 0.5),  # CVA 74
            # 8/87, 11/1992 (month/year: the year part cannot be a day)
            (rf"(?<![\d/.])\b{month_num}/(?:3[2-9]|[4-9]\d|(?:19|20)\d\d)\b(?![/\d%])", 0.7),
            (r"\b(?:19|20)\d\d-[01]\d-[0-3]\d\b", 0.9),
            # "on the 11th", "it's the 11th" (not "5th ICS", "4th floor")
            (r"(?i:\b(?:on|the|of)\s+)(?P<phi>(?:[12]?\d|3[01])(?:st|nd|rd|th))\b(?!\s*(?i:ics|intercostal|rib|floor|percentile|grade|day|time|dose|toe|finger|nerve|ventricle)\b)", 0.6),
            (r"\b(?i:january|february|march|april|june|july|august|september|sept|october|november|december)\b", 0.6),
            # Jan 5, January 5th 1998, 5 Jan 98, Jan 1998, 5th of January
            (rf"\b{MONTH_ANY_CASE}\.?\s+{day}(?:st|nd|rd|th)?\b(?:,?\s+(?:19|20)?\d\d\b)?", 0.8),
            (rf"\b{day}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_ANY_CASE}\.?(?:,?\s+(?:19|20)?\d\d\b)?", 0.8),
            (rf"\b{MONTH_ANY_CASE}\.?,?\s+(?:19|20)\d\d\b", 0.8),
            (rf"\b{MONTH_ANY_CASE}\.?,\s*'?\d\d\b(?!\s*(?i:mg|ml|units?|%))", 0.7),  # "nov, 96"
            (r"(?<![\w/])'\d\d\b", 0.7),  # '92
            (rf"\b{EVENT}\s+(?:in\s+|of\s+)?(?P<phi>(?:19|20)?\d\d)\b(?![./:%]\d|\s*(?i:mg|ml|cc|units?|%|mm|cm|min|x)\b)", 0.6),
            (rf"{_NOT_YEAR_BEFORE}\b(?P<phi>19\d\d|20[0-3]\d)\b(?![./:]\d|\s*-\s*\d|\s*(?i:mg|ml|cc|units?|u|kcal|mcg|%|hrs?|h|pm|am)\b)", 0.5),
            (rf"\b{HOLIDAY}\b", 0.7),
        ],
    )


def ages() -> CueRecognizer:
    age = r"(?P<phi>9\d|1[01]\d)"
    return CueRecognizer(
        "AgeOver89Recognizer",
        AGE,
        [
            (rf"\b{age}\s*(?:-|\s)?(?i:y/?o|yrs?|years?(?:[- ]old)?|year-old)\b", 0.8),
            (rf"(?i:\bage[d:]?\s*){age}\b", 0.8),
            (rf"\b{age}\s*(?i:y)\b", 0.6),
            (rf"(?m:^)[ \t]*{age}\s+(?i:s/p|w/|with)\b", 0.6),  # a note that opens "98 s/p left hip fx"
        ],
    )


def phones() -> CueRecognizer:
    return CueRecognizer(
        "ClinicalPhoneRecognizer",
        PHONE,
        [
            (r"(?<![\d./])(?<!\d-)\(?\b\d{3}\)?[\s.\-/]{0,2}\d{3}[\s.\-]\d{4}\b(?!\.\d|[\d/])", 0.8),
            (r"(?<![\d/])\(\d{3}[\s.\-]\d{3}[\s.\-]\d{4,5}\)", 0.6),  # in parentheses, a digit too many: "(301 273 45166)"
            (r"(?<![\d./])(?<!\d-)\b\d{3}-\d{4}\b(?!\.\d|[\d/])", 0.6),
            (
                r"(?i:\b(?:pager|beeper|pgr|pg|beep|page|cell|ext\.?|x|phone|tel)(?:\s+(?:number|no\.?))?)[\s#:]*"
                r"(?P<phi>\d{4,5}|\d{3}-\d{4})\b(?!\.\d|[\d/])",
                0.6,
            ),
        ],
    )


def ids() -> CueRecognizer:
    cue = r"(?i:MRN|MR\s*#|med(?:ical)?\s+rec(?:ord)?(?:\s+(?:no\.?|number|#))?|acct\.?|account(?:\s+(?:no\.?|number|#))?|unit\s+(?:no\.?|number|#)|SSN|record\s*#|hosp(?:ital)?\s*#)"
    return CueRecognizer(
        "MedicalRecordNumberRecognizer",
        ID,
        [
            (rf"\b{cue}\s*[:#]?\s*(?P<phi>[A-Z]{{0,3}}\d[\d\-]{{3,}}\d)\b", 0.9),
            # "ref # 8336652", "per hospital policy #rg17", "confirmation no. A12345"
            (r"(?i:\b(?:ref|reference|policy|confirmation|claim|case|order|requisition)\s*(?:#|no\.?|number)\s*)(?P<phi>[A-Za-z]{0,3}\d[\w\-]*)", 0.7),
        ],
    )


def is_title(word: str) -> bool:
    return re.fullmatch(TITLE + r"\.?", word, re.I) is not None


def is_relation(word: str) -> bool:
    """"son", "DAUGHTER", "proxy": a relation or role cue, never a name."""
    return re.fullmatch(RELATION, word) is not None


STRONG_TITLE = r"(?:Drs|DRS|drs|Dr|DR|dr|Doctor|DOCTOR|doctor|Mr|Mrs|MRS|mrs|Ms|Miss|MISS|Prof)"
# MR, MS and NP are also mitral regurgitation, mental status and nasal prongs ("4L NP. Lungs clear").
WEAK_TITLE = r"(?:MR\.?|mr|MS\.?|ms\.|NP|np|Nurse|NURSE|nurse)"
TITLE = rf"(?:{STRONG_TITLE}|{WEAK_TITLE})"
RELATION = (
    r"(?i:husband|wife|spouse|son|daughter|dtr|mother|mom|father|dad|brother|bro|sister|sis|"
    r"friend|niece|nephew|grand\s*-?d?aughter|grand\s*-?son|aunt|uncle|cousin|"
    r"fiance|fiancee|boyfriend|girlfriend|partner|sister-in-law|brother-in-law|daughter-in-law|son-in-law|"
    r"proxy|hcp|guardian|neighbor|"
    # roles: weaker cues than titles ("per protocol", "md aware"), so they share the stricter check
    r"per|md|ho|attending|resident|intern|fellow|staff|rep|chaplain|coordinator|case\s*manager|case\s*worker|social\s+worker|sw|"
    r"(?:spoke|talked|met|discussed|spoken|talking|speaking)\s+(?:with|w/|to))(?![\w])"
)
# PT, OT, PA and DO are left out: in notes they are far more often patient, artery, "do".
CREDENTIAL = r"(?:MD|M\.D\.|RN|R\.N\.|NP|PA-C|RRT|CRT|LPN|CNA|LICSW|MSW|PhD)"
CREDENTIAL_ALONE = r"(?:M\.D\.|R\.N\.|PA-C|RRT|CRT|LICSW|MSW|(?i:licsw|rrt))"  # unambiguous without a comma


def titled_names(reject: Callable[[str], bool], weak: bool = False) -> CueRecognizer:
    """`Dr. Smith`, `dr. pica`, `per Dr. Sarah O'Driscoll`; with `weak=True` after MR, MS, NP or nurse,
    which need a stricter `reject`."""
    return CueRecognizer(
        "WeakTitledNameRecognizer" if weak else "TitledNameRecognizer",
        PERSON,
        [
            (
                rf"\b{WEAK_TITLE if weak else STRONG_TITLE}(?:\.\s*|'s\s+|'S\s+|\s+)(?:{INITIAL}\s+)?(?P<phi1>{ANY_NAME})"
                rf"(?:\s+(?!(?:and|AND)\b)(?P<phi2>{NAME}))?"
                rf"(?:\s+(?:and|AND|&)\s+(?P<phi3>{NAME}))?",
                0.85,
            ),
        ],
        reject=reject,
    )


def signed_names(reject: Callable[[str], bool]) -> CueRecognizer:
    """Signatures: `Nancy Jones, RN`, `EDWARD C. JONES, RRT`, `Q. LANDER RRT`, `florencia cooke np`.

    The credential is a strong cue, so `reject` may be lenient: surnames are often words.
    """
    initial = r"(?:(?P<phi0>[A-Z])\.\s*)?"
    return CueRecognizer(
        "SignedNameRecognizer",
        PERSON,
        [
            # "Nancy Jones, RN", "EDWARD C. JONES, RRT", "Bernard Foley CRT", "Q. LANDER RRT"
            (rf"(?<![\w.]){initial}(?P<phi1>{NAME})\s+(?:(?P<phi2>{INITIAL})\s+)?(?:(?P<phi3>{NAME})\s*)?,\s*{CREDENTIAL}(?![\w])", 0.7),
            (rf"(?<![\w.]){initial}(?P<phi1>{NAME})\s+(?:(?P<phi2>{INITIAL})\s+)?(?:(?P<phi3>{NAME})\s*)?\s+{CREDENTIAL_ALONE}(?![\w])", 0.7),
            (rf"(?<![\w.]){initial}(?P<phi1>{NAME})\s+{CREDENTIAL_ALONE}(?![\w])", 0.7),
            # lower-case notes: "florencia cooke np into eval", "q. lander rrt", "pat rixford licsw"
            (rf"(?<![\w.'])(?:(?P<phi0>[a-z])\.\s*)?(?P<phi1>[a-z]+)(?:\s+(?P<phi3>[a-z]+(?:'[a-z]+)?))?,?\s+(?:rn|np|rrt|crt|licsw|licws|msw)\b", 0.6),
        ],
        reject=reject,
    )


def initialed_names(reject: Callable[[str], bool], reject_lower: Callable[[str], bool]) -> list[CueRecognizer]:
    """An initial and a surname: `W. MAROTTA`, `J. Yi`; in lower case (`d. renna`) the surname must pass
    `reject_lower`. The surname is checked first, so a rejected surname drops the initial too."""
    return [
        CueRecognizer(
            name,
            PERSON,
            [(rf"(?<![\w.'])(?P<phi2>{letter})\.\s?(?P<phi1>{surname})\b", 0.6)],
            reject=check,
        )
        for name, letter, surname, check in (
            ("InitialedNameRecognizer", "[A-Z]", "[A-Z](?:'[A-Za-z]{2,}|[A-Za-z]+(?:'[A-Za-z]+)?)", reject),
            ("LowerInitialedNameRecognizer", "[a-z]", "[a-z](?:'[a-z]{2,}|[a-z]+(?:'[a-z]+)?)", reject_lower),  # not "a.m."
        )
    ]


# What the nurse did with a clinician: "W. MAROTTA AWARE", "mary souza aware", "LINDSEY CARDARELLI CALLED TO BEDSIDE".
INFORMED = r"(?i:aware|notified|informed|paged|called\s+to\s+(?:bedside|see|evaluate|room)|made\s+aware|at\s+bedside|in\s+to\s+(?:see|eval))"


def informed_names(reject: Callable[[str], bool]) -> CueRecognizer:
    """One or two words and an initial before "aware", "notified", "paged": the clinician told."""
    return CueRecognizer(
        "InformedNameRecognizer",
        PERSON,
        [
            (
                # "BEA TURA AND DRS JOSEPH AND ROBBINSON AWARE": the first of several told
                rf"(?<![\w'])(?:(?P<phi1>[A-Za-z])\.\s*)?(?:(?P<phi2>{ANY_NAME})\s+)?(?P<phi3>{ANY_NAME})"
                rf"(?:\s+(?:and|AND|&)\s+[^.;:\n]{{1,40}}?)?\s+{INFORMED}(?![\w])",
                0.6,
            )
        ],
        reject=reject,
        whole=True,
    )


def relatives(reject: Callable[[str], bool]) -> CueRecognizer:
    """`husband Bob`, `wife, Carol B.`, `DAUGHTER-KRISSY`, `son (David)`, `per Douglass`, `attending Saeed`."""
    return CueRecognizer(
        "RelativeNameRecognizer",
        PERSON,
        [
            (rf"\b{RELATION}\s*[,:\-(]*\s*(?P<phi1>{ANY_NAME})(?:\s+(?P<phi2>{NAME}|{INITIAL}))?", 0.7),
            # a contact list: "Lopie Certusi cell# 410-322-1419", "Hank Przybylo (son)", "Irene Smith- 204-943-1045"
            (
                rf"(?<![\w'-])(?P<phi1>{NAME})(?:\s+(?P<phi2>{NAME}))?\s*(?:\(\s*{RELATION}\s*\)|"
                r"[-:,]?\s*(?i:(?:cell|home|work|phone|tel|mobile)\s*(?:#|no\.?|number)?\s*:?\s*)?\(?\d{3}\)?[\s.\-]\d{3}[\s.\-]\d{4})",
                0.6,
            ),
            # a visitor or caller named on their own: "social: bill called", "Hank was in to visit"
            (rf"(?<![\w'-])(?P<phi1>[A-Za-z][a-z]+|[A-Z]+)(?:\s+(?P<phi2>{NAME}))?\s+(?i:called|visited|phoned|(?:was\s+)?in\s+to\s+visit)\b", 0.5),
        ],
        reject=reject,
    )


def addressed_names(reject: Callable[[str], bool]) -> CueRecognizer:
    """Names in lower-case visit transcripts: `hey diana,`, `hi kyle how are you`, `so logan is a 58 year old`.

    Transcripts carry no capitals, so only a greeting or a "<name> is a N-year-old" frame
    marks a name; `reject` keeps only words of the general name list.
    """
    greeting = r"(?i:\b(?:hi|hey|hello|morning|afternoon|bye|goodbye|thanks|thank you|so|okay|ok|alright|all right)\b)"
    word = r"[a-z][a-z'\-]+"
    return CueRecognizer(
        "AddressedNameRecognizer",
        PERSON,
        [
            (rf"{greeting}[ ,]+(?P<phi>{word})(?=\s*[,.?!]|\s+(?:is|how|it's|good|nice|great)\b)", 0.6),
            (rf"(?<![\w'])(?P<phi>{word})\s+is\s+an?\s+\d{{1,3}}\s*-?\s*years?\s*-?\s*old", 0.6),
            (rf"(?i:\bthis is)\s+(?P<phi1>{word})(?:\s+(?P<phi2>{word}))?", 0.5),
        ],
        reject=reject,
    )


FACILITY = (
    r"(?:Hospital|HOSPITAL|hospital|Hosp|HOSP|Medical\s+Center|MEDICAL\s+CENTER|Med\s+Ctr|Rehab|REHAB|rehab|"
    r"Nursing\s+Home|NURSING\s+HOME|Clinic|CLINIC|Health\s+Center|HEALTH\s+CENTER|Manor|MANOR|"
    r"Rehabilitation|REHABILITATION|Memorial|MEMORIAL|memorial|General|GENERAL|Regional|REGIONAL|Infirmary|Hospice|HOSPICE|"
    r"Adventist|ADVENTIST|Square|SQUARE)"
)
# Words common in US hospital names that are also everyday words ("sacred heart", "holy cross", "good samaritan").
FACILITY_NAME_WORDS = frozenset(
    "sacred holy cross mercy providence samaritan presbyterian methodist baptist lutheran adventist episcopal sinai shriners memorial".split()
)
FACILITY_END = re.compile(rf"\s+{FACILITY}$")


MOVED = (
    r"(?i:transferred|transfered|transfer|trans|tx'?d|tx|sent|admitted|adm|taken|brought|came|went|returned|return|"
    r"discharged|d/c'd|dc'd|going|go|accepted|screened|seen|followed|referred|presented|arrived|evaluated|lives|living|resides)"
)


STATE_NAME = (
    r"Maryland|Virginia|Pennsylvania|Delaware|Florida|California|New York|New Jersey|Massachusetts|"
    r"MARYLAND|VIRGINIA|PENNSYLVANIA|DELAWARE|FLORIDA"
)
STATE = rf"MD|DC|VA|PA|DE|NY|NJ|MA|CT|FL|CA|TX|OH|NC|SC|GA|WV|{STATE_NAME}"


def facilities(reject: Callable[[str], bool]) -> CueRecognizer:
    """`Calvert Hospital`, `Kessler-Adventist Hosp`, `St Mary's`, `from Kernan ER`."""
    saint = r"(?:St\.?|ST\.|Saint|SAINT)"  # "ST" alone is the ECG segment ("ST CHANGES", "1 ST DEGREE")
    place = rf"(?:{saint}\s+)?{NAME}"
    return CueRecognizer(
        "FacilityRecognizer",
        LOCATION,
        [
            (rf"(?:(?P<phi2>{NAME})\s+)?(?P<phi1>{place}\s+{FACILITY})\b", 0.8),
            (rf"(?i:\b(?:from|to|at|via)\s+)(?P<phi>{place})\s+(?:ER|ED|ICU|EW)\b", 0.6),
            (rf"\b(?P<phi>{saint}\s+[A-Z][A-Za-z]+(?:'[Ss])?)", 0.6),
            # lower-case notes: "to sacred heart hospital", "from franklin square hosp", "kessler-adventist rehab"
            (r"(?<![\w'-])(?P<phi>[a-z]+(?:[ -][a-z]+)?)\s+(?i:hospital|hosp|rehab|medical\s+center|memorial)\b", 0.5),
            # a university hospital: "per U Maryland scale", "University of Virginia"
            (rf"\b(?P<phi>(?:U|Univ\.?|University|UNIV\.?|UNIVERSITY)(?:\s+(?:of|OF))?\s+(?:{STATE_NAME}))\b", 0.7),
        ],
        reject=reject,
    )


def transfers(reject: Callable[[str], bool]) -> CueRecognizer:
    """Places patients move between: "transferred to GH", "sent to Quartermain 2", "at GBMC"."""
    return CueRecognizer(
        "TransferPlaceRecognizer",
        LOCATION,
        [
            (rf"\b{MOVED}\s+(?:back\s+)?(?i:to|from|at|into|in|by|@)\s+(?i:the\s+)?(?P<phi1>{ANY_NAME})(?:\s+(?P<phi2>{NAME}))?", 0.5),
            # "Annapolis, MD", "Towson, Maryland"
            (rf"(?P<phi>{NAME}),?\s+(?:{STATE})(?![\w])", 0.5),
            # "lives in Hagerstown", "in ROCKVILLE" (a capitalized word that is no clinical or everyday word)
            (r"(?i:\b(?:in|near)\s+)(?P<phi>[A-Z][a-z]+)(?![\w'])", 0.4),
            # a ward and its floor: "TRANSFER QUARTERMAIN 2", "belongings found from quartermain 5"
            (
                r"(?i:\b(?:to|from|transfer(?:red)?|tx)\s+)(?P<phi>[A-Za-z]{4,})\s+\d{1,2}\b"
                r"(?![\d/%]|[.:]\d|\s*(?i:mg|mcg|ml|cc|l|units?|hrs?|hours?|days?|mins?|x|times|am|pm|liters?|lpm)\b)",
                0.4,
            ),
            # a short acronym after "to/at/from" (ICU, OR, CCU are clinical words, rejected)
            (r"(?i:\b(?:to|at|from|@)\s+(?:the\s+)?)(?P<phi>[A-Z]{2,5})(?![\w/])", 0.4),
        ],
        reject=reject,
    )


def named_places(reject: Callable[[str], bool]) -> CueRecognizer:
    """Capitalized words after "at", "to", "from": "a transplant at Holy Cross", "went to Harbor",
    "on the Eastern Shore". `reject` gets the whole run of words."""
    word = r"[A-Z][a-z]+"
    return CueRecognizer(
        "NamedPlaceRecognizer",
        LOCATION,
        [(rf"(?i:\b(?:at|to|from|on\s+the|in\s+the|@)\s+)(?!{TITLE}\b)(?P<phi>{word}(?:\s{word}){{0,2}})(?![\w'])", 0.4)],
        reject=reject,
    )


def emails() -> CueRecognizer:
    return CueRecognizer("EmailRecognizer", EMAIL, [(r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+\b", 1.0)])


def urls() -> CueRecognizer:
    # Scheme or www. only: bare "o2" / "x3" are not URLs (Presidio's URL recognizer thinks they may be).
    return CueRecognizer("StrictUrlRecognizer", URL, [(r"\b(?:https?://|www\.)[^\s<>\"']+[\w/]", 0.9)])


def ssns() -> CueRecognizer:
    return CueRecognizer("SsnRecognizer", SSN, [(r"(?<![\d\-])\b\d{3}-\d{2}-\d{4}\b(?![\d\-])", 0.9)])


STREET = r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Terrace|Circle|Pike|Highway|Hwy)"


def addresses() -> CueRecognizer:
    return CueRecognizer(
        "StreetAddressRecognizer",
        ADDRESS,
        [
            (rf"\b\d{{1,5}}\s+(?:{NAME}\s+){{1,3}}(?i:{STREET})\b\.?", 0.8),
            (r"\b[A-Z][a-z]+,?\s+(?:[A-Z]{2})\s+\d{5}(?:-\d{4})?\b", 0.8),  # Town, MD 21201
        ],
    )
