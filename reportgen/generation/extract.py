"""Structured bits that patterns find reliably: vital signs, medications with a
dose, allergies, age and sex. Used on every draft, whichever generator wrote it.

Spoken numbers ("five hundred milligrams", "one thirty over eighty") are read
as digits (`generation.spoken`) on a copy of the text; the report's wording is
not changed."""

from __future__ import annotations

import re

from reportgen.generation.spoken import digits
from reportgen.report import Medication, Patient, VitalSign

_NUM = r"(\d{2,3}(?:\.\d)?)"
_GAP = r"[^0-9\n]{0,25}?"  # "blood pressure today was 120/80"
_VITALS: list[tuple[str, re.Pattern[str], str | None]] = [
    ("blood pressure", re.compile(rf"\b(?:bp|blood pressure){_GAP}(\d{{2,3}}\s*(?:/|over)\s*\d{{2,3}})", re.I), "mmHg"),
    ("heart rate", re.compile(rf"\b(?:hr|heart rate|pulse(?! ox)){_GAP}(\d{{2,3}})\b", re.I), "bpm"),
    ("respiratory rate", re.compile(rf"\b(?:rr|resp(?:iratory)? rate|respirations){_GAP}(\d{{1,2}})\b", re.I), "/min"),
    ("temperature", re.compile(rf"\b(?:temp|temperature){_GAP}(\d{{2,3}}(?:\.\d)?)\b", re.I), None),
    # Charted "T 38.4", "Tmax 37.1 C": a bare T only before a body temperature with its decimal
    ("temperature", re.compile(r"\bT(?:max)?\s*:?\s*((?:3[4-9]|4[0-3]|9[3-9]|10[0-9])\.\d)(?![\d.])"), None),
    ("oxygen saturation", re.compile(rf"\b(?:spo2|o2 sat\w*|oxygen sat\w*|pulse ox\w*|sat(?:uration)?s?){_GAP}(\d{{2,3}})\s*(?:%|percent)", re.I), "%"),
    ("weight", re.compile(rf"\b(?:weight|wt){_GAP}(\d{{2,3}}(?:\.\d)?\s*(?:lbs?|pounds|kg))\b", re.I), None),  # with its unit
    ("BMI", re.compile(rf"\bbmi{_GAP}(\d{{2}}(?:\.\d+)?)\b", re.I), "kg/m2"),
]

_DOSE_UNITS = r"(?:mg|mcg|µg|g|grams?|units?|ml|mL|meq|mEq|milligrams?|micrograms?|%)"
_FREQ = (
    r"(?:once|twice|three times|four times) (?:a|per) (?:day|week)|(?:once|twice) daily|daily|nightly|weekly|"
    r"bid|tid|qid|qd|qhs|prn|as needed|every \d+ (?:hours|days)|at (?:night|bedtime)|in the morning|(?:a|per) day"
)
_ROUTE = r"by mouth|po|orally|iv|intravenously|subcutaneously|topically|inhaled|sublingually"
_WORD = r"[A-Za-z][A-Za-z-]{2,}"
# A drug named in two words: a kind of insulin or vitamin ("insulin glargine", "vitamin D3"), an acid or a salt
# ("folic acid", "potassium chloride", "losartan potassium"); the one word before the dose would be "glargine".
_NAME = (rf"(?:insulin|vitamin)\s+(?!\d+\s*{_DOSE_UNITS}\b)[A-Za-z0-9-]+|"
         rf"{_WORD}\s+(?:acid|chloride|sulfate|citrate|carbonate|bicarbonate|gluconate|oxide|phosphate|succinate|"
         rf"tartrate|besylate|hydrochloride|hcl|sodium|potassium)|{_WORD}")
_MED = re.compile(
    # "lasix, 20 mg", "increase the lisinopril to 40 milligrams", "metformin at 500 mg"
    rf"\b({_NAME})(?:,|\s+(?:to|at))?\s+(\d+(?:,\d{{3}})*(?:\.\d+)?\s*{_DOSE_UNITS})(?![A-Za-z])"
    rf"(?:,?\s+({_ROUTE}))?(?:,?\s+({_FREQ})\b)?",
    re.I,
)
# Words that precede a dose but are not drug names.
_NOT_DRUGS = frozenset(
    "take takes taking took about around over under than the and with from into onto that this your his her their "
    "increase increased decrease decreased start started continue continued dose dosage total additional extra "
    "another again give given prescribe prescribed was were had have has been about approximately only just "
    "daily of to at on for by in is are be also plus up down back it them amount way "
    "yes yeah yep no nope okay sure well".split()  # an answer before its dose: "Yes, 10 mg every morning."
)

_AGE = re.compile(r"\b(\d{1,3}|90\+)[- ](?:year|yr)s?[- ]old\b", re.I)
_SEX = {
    "female": re.compile(r"\b(?:female|woman|girl|lady)\b", re.I),
    "male": re.compile(r"\b(?:male|man|boy|gentleman)\b", re.I),
}
_NKDA = re.compile(r"\b(?:nkda|no known (?:drug )?allergies|no (?:drug )?allergies|denies (?:any )?allergies)\b", re.I)
_ENVIRONMENTAL = re.compile(r"\b(?:seasonal|season|pollen|hay fever|dust|mold|grass|trees?|ragweed|cats?|dogs?|"
                            r"pets?|environmental|spring|fall|allergy season)\b", re.I)
_CLAUSE = re.compile(r"\b(?:is|are|was|has|have|had|takes?|reports?|denies|states?|the patient)\b", re.I)
_NEGATED = re.compile(r"(?:no|none|not|denies|negative)\b", re.I)  # "No cough." filed under allergies is no allergen
_ALLERGIC_TO = re.compile(r"\ballergic to ([a-z][a-z ,/-]{1,60}?)(?=[.;\n]|$| and (?:it|they|i|she|he)\b)", re.I)


def vitals(text: str) -> list[VitalSign]:
    text = digits(text)
    found: list[VitalSign] = []
    for name, pattern, unit in _VITALS:
        if any(v.name == name for v in found):
            continue  # the first pattern of a sign that finds it
        if m := pattern.search(text):
            value = re.sub(r"\s*(?:/|over)\s*", "/", m.group(1).strip())
            found.append(VitalSign(name=name, value=value, unit=unit))
    return found


def medications(text: str) -> list[Medication]:
    meds: dict[tuple[str, str], Medication] = {}
    for m in _MED.finditer(digits(text)):
        name, dose, route, freq = " ".join(m.group(1).split()), " ".join(m.group(2).split()), m.group(3), m.group(4)
        if name.split()[0].lower() in _NOT_DRUGS:  # "take potassium 20 meq": the salt is the drug
            name = " ".join(name.split()[1:])
        if not name or name.lower() in _NOT_DRUGS:
            continue
        key = (name.lower(), dose.lower())
        if key not in meds:
            meds[key] = Medication(name=name, dose=dose, route=route.lower() if route else None,
                                   frequency=freq.lower() if freq else None)
    return list(meds.values())


def allergies(text: str, allergy_section: str = "") -> list[str]:
    """Drug and other allergies the note states; environmental ones ("seasonal allergies", pollen) are not listed."""
    if _NKDA.search(allergy_section) or _NKDA.search(text):
        return ["No known drug allergies"]
    found = [m.group(1).strip(" ,") for m in _ALLERGIC_TO.finditer(text)]
    if not found and allergy_section.strip():
        items = [item.strip(" .") for item in re.split(r"[,;\n]| and ", allergy_section)]
        found = [item for item in items if item and len(item.split()) <= 4 and not _CLAUSE.search(item) and not _NEGATED.match(item)]
    return list(dict.fromkeys(item for item in found if not _ENVIRONMENTAL.search(item)))


def patient(text: str) -> Patient:
    age = m.group(1) if (m := _AGE.search(text)) else None
    if age and age.isdigit() and int(age) > 89:
        age = "90+"
    sex = None
    if m:
        window = text[m.end() : m.end() + 40]
        sex = next((s for s, pattern in _SEX.items() if pattern.search(window)), None)
    return Patient(age=age, sex=sex)
