"""Synthetic PHI training data for the tagger: real clinical text with surrogate identifiers woven in.

The clinical text is redistributable (CC BY 4.0): ACI-Bench *train* dialogues and
visit notes, whose metadata names the patient and doctor (so those names are
labelled and replaced), and MTS-Dialog *train* dialogues and note sections. The
valid splits are never read: they are held out for report evaluation.

Identifiers come from Faker and the census name and US place lists in
`data/`, in the shapes notes use (phones with slashes, spaces, dots or nothing,
extensions, pagers; dates glued to an abbreviation; wards with a floor; site
abbreviations; hospitals named with ordinary words; employers, addresses, ZIP
codes, member and accession numbers, initials as signatures). Clinical values
that look like dates or phones (pain 2/10, BP 130/82, grade 3/6, blood gases)
are woven in unlabelled so the tagger learns they are not identifiers.

A span covers the identifier, not its cue: "Dr. [Healey]", "[Calvert] Hospital".
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from faker import Faker

from reportgen.deid.recognizers import AGE, DATE, ID, LOCATION, PERSON, PHONE
from reportgen.deid.scoring import load_aci_dialogues
from reportgen.deid.vocab import _lines, first_names, general_names

LABELS = (PERSON, LOCATION, DATE, PHONE, ID, AGE)
# Only the train splits: ACI-Bench valid and MTS-Dialog valid are held out for report evaluation.
ACI_TRAIN = "aci-bench/train.csv"
MTS_TRAIN = "mts-dialog/MTS-Dialog-TrainingSet.csv"


@dataclass
class Example:
    """A text and its identifier spans (start, end, label): the training and site-data format."""

    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"text": self.text, "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in self.spans]}


class _Writer:
    """Builds a text piece by piece, remembering where the labelled pieces are."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[tuple[int, int, str]] = []
        self.size = 0

    def add(self, text: str, label: str | None = None, offset: int = 0, spans: Sequence[tuple[int, int, str]] = ()) -> None:
        if label:
            self.spans.append((self.size, self.size + len(text), label))
        self.spans += [(self.size + s - offset, self.size + e - offset, lab) for s, e, lab in spans]
        self.parts.append(text)
        self.size += len(text)

    def example(self) -> Example:
        return Example("".join(self.parts), sorted(self.spans))


T = TypeVar("T")
Piece = tuple[str, str | None]  # text, label (None: not an identifier)


# Words hospitals are named with besides places and people ("Good Samaritan", "Pine Ridge").
_HOSPITAL_WORDS = (
    "Good Samaritan|Sacred Heart|Holy Cross|Holy Family|Mercy|Providence|Grace|Hope|Unity|Liberty|Heritage|Union|Trinity|"
    "Pine Ridge|Oak Hill|Cedar Crest|Maple Grove|Riverside|Lakeside|Bayview|Fairview|Parkview|Hillcrest|Brookside|"
    "Valley View|Summit|Meadowbrook|Evergreen|Highland|Crossroads|Pleasant Valley|Shady Grove|Green Spring|Northside|"
    "Seaside|Harbor View|Mountain View|Sunrise|Lighthouse|Beacon|Cornerstone|Sandy Creek|Fox Chase|Stonebridge"
).split("|")
_HOSPITAL_KINDS = (
    "Hospital|Medical Center|General|General Hospital|Memorial Hospital|Memorial|Regional|Regional Medical Center|"
    "Community Hospital|Health Center|Clinic|Rehab|Rehabilitation Hospital|Nursing Home|Nursing Center|Care Center|"
    "Hospice|ER|Cancer Center|Heart Institute|Infirmary|Health System|Urgent Care"
).split("|")
# Units that follow "to" and "from" like a site and are not identifiers.
_UNITS = (
    "ICU|MICU|SICU|CCU|CSRU|NICU|PACU|OR|ER|ED|CT|MRI|IR|EP lab|cath lab|the floor|rehab|the unit|step down|"
    "telemetry|dialysis|endoscopy|radiology|PT|OT|home|the OR|pre-op|the ED|L&D|psych"
).split("|")
_STREET_KINDS = "St|St.|Street|Ave|Ave.|Avenue|Rd|Road|Dr|Drive|Lane|Ln|Blvd|Way|Court|Ct|Place|Terrace|Circle|Pkwy|Hwy".split("|")
_INSURERS = "BCBS|Blue Cross|Medicare|Medicaid|Aetna|Cigna|United Healthcare|Humana|Tufts|Harvard Pilgrim|Kaiser|Anthem".split("|")
_RELATIONS = "wife|husband|son|daughter|mother|father|sister|brother|niece|nephew|friend|grandson|granddaughter|HCP|neighbor|partner|aunt|uncle|cousin|fiance|girlfriend|boyfriend".split("|")
_TITLES = ["Dr.", "Dr", "DR", "dr.", "Doctor", "NP", "RN", "PA", "Mr.", "Mrs.", "Ms.", "Miss", "MD"]
_CREDENTIALS = ["RN", "MD", "NP", "PA-C", "RRT", "PT", "LPN", "SN", "CNA", "MSW", "LICSW", "RN BSN"]
_EVENTS = ["MI", "CABG", "PTCA", "CVA", "TIA", "AVR", "MVR", "appy", "chole", "TKR", "THR", "PCI", "stent", "lap chole", "TAH", "BKA"]
# Clinical values shaped like dates, phones or ids: never labelled.
_VALUES = [
    "pain {0}/10", "Pain {0}/10", "strength {1}/5", "{1}/5 strength", "grade {2}/6 murmur", "{2}/6 SEM", "BP {3}/{4}",
    "B/P {3}/{4}", "vision 20/{5}", "20/{5} OU", "Centor {6}/4", "GCS {7}", "PS {8}/5", "PEEP 5, PS {8}", "ABG 7.{9}/{10}/{11}",
    "{9}.{6} mg", "{8}-{12} mg", "K {6}.{9}", "{0}+ edema", "x{6}", "q{6}h", "{12}-{13} cc/hr", "HR {12}-{13}", "sats {14}-{15}%",
    "{6}/{7} NS", "1/2 NS", "O2 {6}L", "{12} units", "{6}-{7} days", "CK {11}", "INR {6}.{9}", "Hct {10}.{6}", "at {16}",
    "{16}-{17}", "{16} hrs", "room {12}", "bed {6}", "T {18}.{6}", "RR {12}", "{6} of {7} dose", "reflexes {6}+", "ROM {12}-{13} deg",
]
# Bedside shorthand with no identifier in it: body-system headers, abbreviations, drips, doses and
# vitals, in the words any ICU or ward note uses. Written for reportgen from general clinical usage.
_SYSTEMS = (
    "NEURO|Neuro|CV|C/V|RESP|Resp|Pulm|GI|GU|Renal|ID|Heme|Endo|Skin|Integ|Social|Psychosocial|Activity|Access|Lines|"
    "Pain|Plan|A|P|O|S|Assessment|Response|Action|Events|Labs|Dispo|Safety|Nutrition|FEN|Comfort|Cardiac|Pulmonary"
).split("|")
_DRUGS = (
    "propofol|fentanyl|midazolam|versed|levophed|norepinephrine|levo|dopamine|dobutamine|vasopressin|neo|phenylephrine|"
    "heparin|insulin|lasix|nitro|amiodarone|diltiazem|esmolol|nicardipine|precedex|ativan|haldol|vanco|zosyn|cefepime|"
    "flagyl|levaquin|protonix|lopressor|captopril|hydralazine|KCL|magnesium|albumin|tylenol|morphine|dilaudid|colace|"
    "senna|lactulose|coumadin|lovenox|solumedrol|albuterol|atrovent|zofran|reglan|ceftriaxone|bactrim|keppra|dilantin"
).split("|")
_SHORTHAND = [
    "A&Ox3", "alert and oriented x{s}", "MAE", "follows commands", "PERRL {s}mm brisk", "sedated on propofol {n} mcg/kg/min",
    "cont on {drug} gtt at {d}.{s} mcg/kg/min", "weaned {drug} to {d}", "{drug} {n} mg IV given", "NSR {hr}s, no ectopy",
    "SR with occ PVCs", "SBP {sbp}-{sbp2}", "MAP > 65", "CVP {s}-{n}", "CI {s}.{s}", "LS clear bilat", "LS coarse, diminished at bases",
    "sxn for thick tan secretions", "on CPAP {s}/{s}", "FiO2 {n}%", "RR {n}-{hr}", "sats {sat}-{sat2}% on {s}L NC", "ABG {abg}",
    "abd soft, NT/ND", "+BS", "BS hypoactive", "TF at {n} cc/hr, residuals < {n}", "NPO", "OGT to LCS", "foley draining clear yellow urine",
    "UO {n}-{hr} cc/hr", "K {s}.{s}, repleted with {n} meq KCL", "Mg {s}.{s}", "BUN/Cr {n}/{s}.{s}", "Tmax {t}", "afebrile", "WBC {n}.{s}",
    "on vanco and zosyn", "blood cx x{s} sent", "skin intact", "coccyx reddened, duoderm applied", "turned q{s}h", "RIJ TLC intact",
    "PIV x{s}", "a-line dampened, flushed", "family in to visit, updated on plan of care", "remains full code", "DNR/DNI",
    "cont to monitor", "will cont to wean as tol", "medicated with morphine {s} mg IV for pain", "lasix {n} mg IV with good response",
    "insulin gtt per protocol", "FS {n}", "hct stable at {n}", "transfused {s} unit PRBC", "episodes of desat to {sat}s", "remains on {drug}",
    "see flow sheet for details", "resp status stable", "tol {drug} well", "no events overnight", "plan to extubate in am",
    "PS {n}/{s}, PEEP {s}", "SIMV {n}/{hr}/{s}", "FIO2 {sat}% WITH SATS {sat2}", "{drug} D/C'D", "ON {drug} {d} MG Q{s}H",
    "CXR SHOWS ^ INFILTRATES", "HR {hr}-{sbp} AFIB", "PAIN {s}/10", "{s}/6 MURMUR", "{s}+ PEDAL EDEMA", "GCS {t}", "T {t}.{s}",
]


def _shorthand_values(rng: random.Random) -> dict[str, object]:
    n = rng.randint
    return {
        "s": n(1, 9), "n": n(10, 400), "d": n(1, 20), "hr": n(50, 130), "sbp": n(85, 160), "sbp2": n(100, 190), "sat": n(85, 95),
        "sat2": n(95, 100), "t": n(96, 102), "abg": f"7.{n(20, 50)}/{n(25, 70)}/{n(55, 300)}", "drug": rng.choice(_DRUGS),
    }


_TIMES = ["{0:02d}00", "{0}:{1:02d}", "{0}pm", "{0} am", "{0:02d}{1:02d}", "noon", "midnight"]


class Surrogates:
    """Random identifiers in the shapes notes write them."""

    def __init__(self, rng: random.Random, seed: int):
        self.rng = rng
        self.faker = Faker("en_US")
        self.faker.seed_instance(seed)
        self.firsts = [n.title() for n in _lines("census_first.txt")]
        self.lasts = [n.title() for n in _lines("census_last.txt.gz")]
        self.places = [p for p in _lines("places.txt") if p[:1].isupper()]

    def pick(self, items: Sequence[T]) -> T:
        return self.rng.choice(items)

    def first(self) -> str:
        return self.faker.first_name() if self.rng.random() < 0.5 else self.pick(self.firsts)

    def last(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            return self.faker.last_name()
        if r < 0.55:
            return f"{self.pick(self.lasts)}-{self.faker.last_name()}"
        if r < 0.6:
            return "O'" + self.faker.last_name()
        return self.pick(self.lasts)

    def initials(self, n: int | None = None) -> str:
        letters = "".join(self.pick("ABCDEFGHIJKLMNOPRSTW") for _ in range(n or self.rng.choice((2, 2, 3))))
        style = self.rng.random()
        return ".".join(letters) + "." if style < 0.25 else letters.lower() if style < 0.5 else letters

    def person(self) -> list[Piece]:
        first, last, r = self.first(), self.last(), self.rng.random()
        if r < 0.3:
            return [(f"{first} {last}", PERSON)]
        if r < 0.4:
            return [(f"{first} {self.pick('ABCDEFGHJKLMRSTW')}. {last}", PERSON)]
        if r < 0.5:
            return [(f"{first[0]}. {last}", PERSON)]
        if r < 0.6:
            return [(last, PERSON), (", ", None), (first, PERSON)]
        if r < 0.8:
            return [(first, PERSON)]
        return [(last, PERSON)]

    def site(self) -> list[Piece]:
        r = self.rng.random()
        kind = self.pick(_HOSPITAL_KINDS)
        if r < 0.3:
            return [(self.pick(self.places), LOCATION), (" " + kind, None)]
        if r < 0.5:
            return [(self.pick(_HOSPITAL_WORDS), LOCATION), (" " + kind, None)]
        if r < 0.6:
            saint = self.pick(["St.", "St", "Saint"]) + " " + self.first()
            return [(saint + self.pick(["'s", ""]), LOCATION), (" " + kind, None)]
        if r < 0.7:
            return [(self.last(), LOCATION), (" " + kind, None)]
        if r < 0.8:  # site abbreviations: "to GH", "at NEBH"
            return [("".join(self.pick("ABCDEFGHJKLMNPRSTUVW") for _ in range(self.rng.choice((2, 2, 3, 4)))), LOCATION)]
        if r < 0.9:
            return [(self.pick(self.places), LOCATION)]
        return [(self.pick(_HOSPITAL_WORDS), LOCATION)]

    def site_or_unit(self) -> list[Piece]:
        return self.site() if self.rng.random() < 0.6 else [(self.pick(_UNITS), None)]

    def ward(self) -> list[Piece]:
        """A ward named for a person or place, often with its floor ("Farr 4", "to Reisman 10")."""
        name = self.last() if self.rng.random() < 0.7 else self.pick(self.places)
        floor = self.rng.choice(["", f" {self.rng.randint(1, 14)}", f" {self.rng.randint(1, 12)}{self.pick(['', 'A', 'B', ' West', ' East', ' North'])}"])
        return [(name, LOCATION), (floor, None)]

    def town(self) -> list[Piece]:
        place = self.pick(self.places)
        r = self.rng.random()
        if r < 0.3:
            return [(f"{place}, {self.faker.state_abbr()}", LOCATION)]
        if r < 0.4:
            return [(f"{place}, {self.faker.state()}", LOCATION)]
        return [(place, LOCATION)]

    def address(self) -> list[Piece]:
        street = f"{self.rng.randint(1, 9999)} {self.pick([self.faker.last_name(), self.faker.street_name().split()[0], self.pick(self.places)])} {self.pick(_STREET_KINDS)}"
        r = self.rng.random()
        if r < 0.3:
            return [(street, LOCATION)]
        if r < 0.6:
            return [(street, LOCATION), (", ", None), (f"{self.pick(self.places)}, {self.faker.state_abbr()} {self.faker.zipcode()}", LOCATION)]
        if r < 0.8:
            return [(self.faker.street_address(), LOCATION), (", ", None), (self.faker.city(), LOCATION)]
        return [(self.faker.zipcode() if r < 0.9 else self.faker.zipcode_plus4(), LOCATION)]

    def employer(self) -> list[Piece]:
        return [(self.faker.company(), LOCATION)]

    def date(self) -> str:
        d = self.faker.date_between("-40y", "+1y")
        m, day, y = d.month, d.day, d.year
        shapes = [
            f"{m}/{day}", f"{m}/{day}/{y}", f"{m:02d}/{day:02d}/{y}", f"{m}/{day}/{y % 100:02d}", f"{m}-{day}-{y}", f"{m}-{day}",
            f"{m}.{day}.{y % 100:02d}", d.isoformat(), d.strftime("%B %-d"), d.strftime("%b %-d, %Y"), d.strftime("%-d %b %Y"),
            d.strftime("%b %-d"), d.strftime("%B %Y"), f"{m}/{y % 100:02d}", f"{m}/{y}", d.strftime("%-d-%b-%y"),
            d.strftime("%A %B %-d"), d.strftime("%B %-dth"), f"{m}/{day}/{y}".replace("/", " / "),
        ]
        return self.pick(shapes)

    def year(self) -> str:
        y = self.rng.randint(1940, 2026)
        return self.pick([str(y), f"'{y % 100:02d}", f"{y % 100:02d}", str(y), f"{y}s" if y % 10 == 0 else str(y)])

    def phone(self) -> str:
        a, b, c = self.rng.randint(201, 989), self.rng.randint(200, 999), self.rng.randint(0, 9999)
        shapes = [
            f"({a}) {b}-{c:04d}", f"({a}){b}-{c:04d}", f"{a}-{b}-{c:04d}", f"{a}.{b}.{c:04d}", f"{a} {b} {c:04d}", f"{a}{b}{c:04d}",
            f"{a}/{b}-{c:04d}", f"{a}/{b}{c:04d}", f"{b}-{c:04d}", f"{b}{c:04d}", f"1-{a}-{b}-{c:04d}", f"+1 {a} {b} {c:04d}",
            f"{a}-{b}{c:04d}", f"{a} {b}-{c:04d}",
        ]
        phone = self.pick(shapes)
        if self.rng.random() < 0.2:
            phone += self.pick([" x", " ext. ", " ext ", "x", " X", " extension "]) + str(self.rng.randint(1, 99999))
        return phone

    def pager(self) -> str:
        return self.pick([str(self.rng.randint(1000, 99999)), f"{self.rng.randint(1, 9)}-{self.rng.randint(1000, 9999)}", self.phone()])

    def ident(self) -> str:
        n = self.rng.randint
        shapes = [
            str(n(100000, 99999999)), f"{n(10, 99)}-{n(100, 999)}-{n(10, 99)}", f"{n(0, 999):03d}-{n(0, 99):02d}-{n(0, 9999):04d}",
            f"{self.pick('ABCDEFGHJKMNPQRSTUVWXYZ')}{self.pick('ABCDEFGHJKMNPQRSTUVWXYZ')}{n(100000000, 999999999)}",
            f"{self.pick(['XYZ', 'W', 'YJN', 'MA', 'ZGP'])}{n(10000000, 999999999)}", f"S{n(10, 26)}-{n(100, 99999)}",
            f"{n(2000, 2026)}-{n(1000, 999999)}", f"{self.pick('ABCDEFGHS')}{n(10, 99)}-{n(1000, 99999)}", f"{n(1000, 9999)} {n(1000, 9999)} {n(1000, 9999)}",
            f"#{n(1000, 9999999)}",
        ]
        return self.pick(shapes)

    def value(self) -> str:
        n = self.rng.randint
        args = [n(0, 10), n(0, 5), n(1, 6), n(90, 180), n(40, 100), self.rng.choice([20, 25, 30, 40, 50, 70, 100, 200]), n(0, 4), n(3, 15),
                n(5, 20), n(10, 49), n(25, 60), n(50, 400), n(20, 120), n(60, 200), n(85, 95), n(96, 100), n(0, 23) * 100, n(0, 23) * 100,
                n(96, 103)]
        return self.pick(_VALUES).format(*args)

    def time(self) -> str:
        return self.pick(_TIMES).format(self.rng.randint(1, 12), self.rng.randint(0, 59))


# Sentences with identifier slots. Slot names are Surrogates methods; text outside {...} is not an identifier.
NOTE_TEMPLATES = [
    "{title} {last} aware.", "{title} {last} notified of {value}.", "Dr. {last} in to see pt.", "Seen by Dr {person}.",
    "Discussed with Dr. {last} and {title} {last}.", "MD {last} paged re: {value}.", "Dr {last} here at {time}, aware of labs.",
    "{relation} {first} called at {time}, updated.", "{relation} {first} ({phone}) is HCP.", "{relation} {person} visited this eve.",
    "{relation}, {first}, at bedside.", "Spoke with pt's {relation} {first} {last} by phone.", "{relation} {first} in to visit.",
    "Pt transferred from {site} on {date}.", "Admitted to {site} {date} with chest pain.", "Transferred to {site_or_unit} at {time}.",
    "Pt arrived from {site_or_unit} at {time}.", "Pt to {ward} when bed available.", "To {ward} this am.", "Transferred to {ward} on {date}.",
    "Lives in {town} with {relation}.", "From {town}.", "Lives at {address}.", "Resides at {address} with {relation}.",
    "Works as a {job} at {employer}.", "Employed by {employer}.", "Retired from {employer} in {year}.",
    "PMH: HTN, DM, s/p {event} {year}, {event} {year}.", "s/p {event} in {year}.", "Hx {event} '{yy}.", "{event}{date} neg.",
    "CXR {date}: no change.", "Last echo {date}.", "Cath {date} at {site}.", "{date}: {value}.", "Seen on{date} by Dr. {last}.",
    "Pager #{pager}.", "Page Dr. {last} at {pager} with questions.", "Call {person} at {phone}.", "Contact {relation} {first}: {phone}.",
    "Office {phone}, fax {phone}.", "Please call the {site} clinic at {phone}.", "Beeper {pager}", "tel {phone}",
    "MRN {ident}.", "MR# {ident}", "Insurance: {insurer}, member ID {ident}.", "Member # {ident}", "Accession # {ident}.",
    "Specimen {ident} sent to path.", "Acct #{ident}", "Policy number {ident}.", "Ref # {ident}", "Unit no. {ident}",
    "{age} yo woman from {town}.", "{age} year old male with {value}.", "Pt is a {age} y/o female.", "Age {age}.",
    "{young} yo man with {value}.", "{young} year old female, {value}.",
    "Signed: {person}, {credential}", "{person} {credential}", "-- {first} {last}, {credential}", "{initials}/{initials}",
    "{credential} {initials}", "Dictated by {person}.", "cc: Dr. {last}, {site}", "Attending: {person}",
    "F/u with Dr. {last} at {site} in 2 weeks.", "PCP Dr. {person} ({phone}).", "Discussed with {site} team.",
    "Plan per Dr. {last}: {value}.", "{value}, {value}.", "{value}; {value}; {value}.", "Given at {time}.", "{value} at {time}.",
    "Family meeting {date} with {relation} {first} and Dr. {last}.", "Born {date} in {town}.", "DOB {date}",
]
DIALOGUE_TEMPLATES = [
    "[doctor] hi {first} , how are you today ?", "[doctor] good morning , {title} {last} .", "[patient] hi , dr. {last} .",
    "[doctor] i'm dr. {last} , nice to meet you .", "[patient] my {relation} {first} came with me today .",
    "[patient] i live in {town} , so it's a bit of a drive .", "[patient] i moved here from {town} last year .",
    "[doctor] can you confirm your date of birth ? [patient] it's {date} .", "[patient] i was born on {date} .",
    "[doctor] what's a good number to reach you ? [patient] {phone} .", "[patient] you can call my cell , {phone} .",
    "[patient] i work at {employer} .", "[patient] i was at {site} back in {year} for that .", "[doctor] {first} , any pain today ?",
    "[patient_guest] hi , i'm {first} , her {relation} .", "[doctor] thanks , {first} . {value} .", "[patient] dr. {last} sent me over .",
    "[doctor] we'll send this to dr. {last} at {site} .", "[patient] my address is {address} .", "[patient] my member id is {ident} .",
    "[doctor] okay {title} {last} , {value} .", "[patient] i had my {event} in {year} .", "[patient] last time was {date} , i think .",
    "[doctor] hey {first} . [patient] hey doc .", "[patient] {first} , my {relation} , she handles my meds .",
]
_JOBS = ["teacher", "nurse", "driver", "mechanic", "cashier", "engineer", "cook", "clerk", "carpenter", "manager", "accountant"]


class Synthesizer:
    def __init__(self, data: Path, seed: int = 0):
        self.rng = random.Random(seed)
        self.fake = Surrogates(self.rng, seed)
        self.note_text = _note_sentences(data)
        self.dialogues = _aci_dialogues(data)
        self.mts_dialogues = _mts_dialogues(data)
        self.slots: dict[str, Callable[[], list[Piece]]] = {
            "first": lambda: [(self.fake.first(), PERSON)], "last": lambda: [(self.fake.last(), PERSON)], "person": self.fake.person,
            "initials": lambda: [(self.fake.initials(), PERSON)], "title": lambda: [(self.fake.pick(_TITLES), None)],
            "relation": lambda: [(self.fake.pick(_RELATIONS), None)], "credential": lambda: [(self.fake.pick(_CREDENTIALS), None)],
            "site": self.fake.site, "site_or_unit": self.fake.site_or_unit, "ward": self.fake.ward, "town": self.fake.town,
            "address": self.fake.address, "employer": self.fake.employer, "job": lambda: [(self.fake.pick(_JOBS), None)],
            "insurer": lambda: [(self.fake.pick(_INSURERS), None)], "event": lambda: [(self.fake.pick(_EVENTS), None)],
            "date": lambda: [(self.fake.date(), DATE)], "year": lambda: [(self.fake.year(), DATE)],
            "yy": lambda: [(f"{self.rng.randint(0, 99):02d}", DATE)], "phone": lambda: [(self.fake.phone(), PHONE)],
            "pager": lambda: [(self.fake.pager(), PHONE)], "ident": lambda: [(self.fake.ident(), ID)],
            "age": lambda: [(str(self.rng.randint(90, 109)), AGE)], "young": lambda: [(str(self.rng.randint(18, 88)), None)],
            "value": lambda: [(self.fake.value(), None)], "time": lambda: [(self.fake.time(), None)],
        }

    def fill(self, template: str, w: _Writer) -> None:
        for literal, slot in _SLOT.findall(template + "{}"):
            w.add(literal)
            if slot:
                for text, label in self.slots[slot]():
                    w.add(text, label)

    def shorthand(self) -> str:
        """One bedside line: "RESP: LS coarse, sxn for thick tan secretions; sats 93-97% on 4L NC"."""
        phrases = [self.fake.pick(_SHORTHAND).format(**_shorthand_values(self.rng)) for _ in range(self.rng.randint(1, 5))]
        joined = "".join(p + self.fake.pick([", ", "; ", ". ", " "]) for p in phrases[:-1]) + phrases[-1]
        return f"{self.fake.pick(_SYSTEMS)}{self.fake.pick([': ', ':', '- ', ' - ', '= '])}{joined}" if self.rng.random() < 0.6 else joined

    def note(self) -> Example:
        """Note sentences (visit notes, note sections, bedside shorthand) with identifier sentences between them."""
        w = _Writer()
        sep = self.rng.choice([" ", "\n", "; ", "  ", " \n", ". "])
        bedside = self.rng.random() < 0.6
        for i in range(self.rng.randint(2, 9)):
            if i:
                w.add(sep)
            r = self.rng.random()
            if bedside and r < 0.5:
                w.add(self.shorthand())
            elif r < 0.3 or (not bedside and r < 0.45):
                sentence = self.fake.pick(self.note_text)
                w.add(sentence, spans=[(m.start(), m.end(), DATE) for m in _YEAR.finditer(sentence)])
            else:
                self.fill(self.fake.pick(NOTE_TEMPLATES), w)
        return self._case(w.example())

    def dialogue(self) -> Example:
        """A run of turns of a real dialogue (its metadata names replaced), with identifier turns between them."""
        w = _Writer()
        if self.rng.random() < 0.7:
            turns = self._aci_turns()
        else:
            turns = [(t, []) for t in self.fake.pick(self.mts_dialogues)]
        for i, (turn, spans) in enumerate(turns):
            if i:
                w.add("\n")
            if self.rng.random() < 0.25:
                self.fill(self.fake.pick(DIALOGUE_TEMPLATES), w)
                w.add("\n")
            w.add(turn, spans=spans)
        return self._case(w.example(), upper=0.1)

    def _aci_turns(self) -> list[tuple[str, list[tuple[int, int, str]]]]:
        text, names = self.fake.pick(self.dialogues)
        lines = text.split("\n")
        start = self.rng.randrange(max(1, len(lines) - 8))
        out = []
        for line in lines[start : start + self.rng.randint(2, 7)]:
            out.append(self._replace_names(line, names))
        return out

    def _replace_names(self, line: str, names: dict[str, str]) -> tuple[str, list[tuple[int, int, str]]]:
        """The dialogue's metadata names and doctor names ("dr. smith") replaced by surrogates, labelled."""
        w, last = _Writer(), 0
        for m in _name_pattern(names).finditer(line):
            w.add(line[last : m.start()])
            surrogate = self.fake.first() if names.get(m.group().lower()) == "first" else self.fake.last()
            w.add(surrogate.lower() if m.group().islower() else surrogate, PERSON)
            last = m.end()
        w.add(line[last:])
        ex = w.example()
        return ex.text, ex.spans

    def _case(self, ex: Example, upper: float = 0.4) -> Example:
        """Notes come in UPPER case, lower case and as written; offsets are kept (same length)."""
        r = self.rng.random()
        text = ex.text.upper() if r < upper else ex.text.lower() if r < upper + 0.15 else ex.text
        return Example(text, ex.spans) if len(text) == len(ex.text) else ex

    def examples(self, n: int) -> Iterator[Example]:
        for _ in range(n):
            yield self.note() if self.rng.random() < 0.7 else self.dialogue()


# Years and month-day dates in the real sentences are identifiers too ("a heart attack in 2018").
_YEAR = re.compile(r"\b(?:(?:19|20)\d\d|(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}(?:, \d{4})?)\b")
_SLOT = re.compile(r"([^{]*)\{(\w*)\}")


def _name_pattern(names: dict[str, str]) -> re.Pattern:
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?i)(?<![\w'])(?:{alternatives})(?![\w'])")


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _aci_dialogues(data: Path) -> list[tuple[str, dict[str, str]]]:
    """ACI-Bench train dialogues and the names in them (word -> "first" or "last"): the metadata's,
    and doctors named after "dr." that are in the census name lists."""
    out = []
    for d in load_aci_dialogues(data / "aci-bench", ("train",)):
        names = {n.lower(): "first" if n.lower() in first_names() else "last" for n in d.names}
        for cue in re.finditer(r"(?i)\b(?:dr|doctor)\.?\s+([a-z][a-z'-]+)", d.text):
            if cue[1].lower() in general_names():
                names.setdefault(cue[1].lower(), "last")
        out.append((d.text, names))
    return out


def _note_sentences(data: Path) -> list[str]:
    """Sentences of ACI-Bench train visit notes (without metadata names) and MTS-Dialog train sections."""
    names = {n for _, found in _aci_dialogues(data) for n in found}
    pattern = re.compile(r"(?i)\b(?:" + "|".join(map(re.escape, names)) + r")\b|\bdr\.?\s", re.I)
    texts = [r["note"] for r in _read_csv(data / ACI_TRAIN)] + [r["section_text"] for r in _read_csv(data / MTS_TRAIN)]
    sentences = [s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+|\n+", t)]
    return [s for s in sentences if 3 <= len(s) <= 300 and not pattern.search(s)]


def _mts_dialogues(data: Path) -> list[list[str]]:
    """MTS-Dialog train dialogues whose turns name nobody by title (their names are unlabelled)."""
    out = []
    for row in _read_csv(data / MTS_TRAIN):
        if not re.search(r"\b(?:Dr|Mr|Mrs|Ms|Miss)\.?\s+[A-Z]", row["dialogue"]):
            out.append([t.strip() for t in row["dialogue"].split("\n") if t.strip()])
    return out
