"""Every recognizer the analyzer runs, in one place.

Each line pairs a group of named patterns (`patterns.py`) with its entity type
and the word test that rejects ordinary words; the list recognizers read the
general name and place lists; the user's site lists add one phrase recognizer
each; spaCy's NER comes last when a model is configured.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from presidio_analyzer import EntityRecognizer, Pattern

from reportgen.deid import patterns as p
from reportgen.deid.filters import LIST_RECOGNIZERS
from reportgen.deid.nlp import ner_recognizer
from reportgen.deid.patterns import is_title
from reportgen.deid.recognizers import (
    ADDRESS,
    AGE,
    DATE,
    EMAIL,
    ID,
    LOCATION,
    PERSON,
    PHONE,
    SSN,
    URL,
    ZIP,
    CuedPlaceRecognizer,
    CueRecognizer,
    GazetteerRecognizer,
    PhraseListRecognizer,
    WordListRecognizer,
    alternatives,
)
from reportgen.deid.vocab import general_places
from reportgen.deid.wordtests import (
    is_clinical_abbreviation,
    is_clinical_phrase,
    is_clinical_street,
    is_common_word,
    is_everyday_phrase,
    is_generic_place,
    is_home_place,
    is_listed_name,
    is_listed_place_phrase,
    is_not_casual_name,
    is_not_dictated_name,
    is_not_full_name_word,
    is_not_greeted_name,
    is_not_listed_name,
    is_not_name,
    is_not_name_after_role,
    is_not_name_after_weak_title,
    is_not_place_acronym,
    is_not_place_word,
    is_not_relative_name,
    is_unlisted_word,
)


def pattern_recognizers() -> list[CueRecognizer]:
    """The clinical pattern recognizers: name, entity, named patterns, word test."""
    places = general_places()
    return [
        CueRecognizer("ClinicalDateRecognizer", DATE, p.DATES),
        CueRecognizer("AgeOver89Recognizer", AGE, p.AGES),
        CueRecognizer("ClinicalPhoneRecognizer", PHONE, p.PHONES),
        CueRecognizer("MedicalRecordNumberRecognizer", ID, p.IDS),
        CueRecognizer("TitledNameRecognizer", PERSON, p.TITLED_NAMES, reject=is_not_name),
        CueRecognizer("TranscriptTitledNameRecognizer", PERSON, p.TRANSCRIPT_TITLED_NAMES, reject=is_not_full_name_word),
        CueRecognizer("WeakTitledNameRecognizer", PERSON, p.WEAK_TITLED_NAMES, reject=is_not_name_after_weak_title),
        CueRecognizer("SignedNameRecognizer", PERSON, p.SIGNED_NAMES, reject=is_not_name),
        # the surname is checked first (phi1), so a rejected surname drops the initial too
        CueRecognizer("InitialedNameRecognizer", PERSON, p.INITIALED_NAMES, reject=is_common_word),
        CueRecognizer("LowerInitialedNameRecognizer", PERSON, p.LOWER_INITIALED_NAMES, reject=is_not_listed_name),
        CueRecognizer("RelativeNameRecognizer", PERSON, p.RELATIVES, reject=is_not_relative_name),
        CueRecognizer("RoleNameRecognizer", PERSON, p.ROLES, reject=is_not_name_after_role),
        CueRecognizer("InformedNameRecognizer", PERSON, p.INFORMED_NAMES, reject=is_common_word, whole=True),
        CueRecognizer("AddressedNameRecognizer", PERSON, p.ADDRESSED_NAMES, reject=is_unlisted_word),
        CueRecognizer("GreetedNameRecognizer", PERSON, p.GREETED_NAMES, reject=is_not_greeted_name),
        CueRecognizer("CasualNameRecognizer", PERSON, p.CASUAL_NAMES, reject=is_not_casual_name),
        CueRecognizer("DictatedNameRecognizer", PERSON, p.DICTATED_NAMES, reject=is_not_dictated_name, whole=True),
        CueRecognizer("FacilityRecognizer", LOCATION, p.FACILITIES, reject=is_generic_place),
        CueRecognizer("TransferPlaceRecognizer", LOCATION, p.TRANSFERS, reject=is_not_place_word),
        CueRecognizer("PlaceAcronymRecognizer", LOCATION, p.PLACE_ACRONYMS, reject=is_not_place_acronym),
        CueRecognizer("NamedPlaceRecognizer", LOCATION, p.NAMED_PLACES, reject=is_clinical_phrase),
        CuedPlaceRecognizer("HomePlaceRecognizer", LOCATION, p.HOME_PLACES, is_home_place),
        CuedPlaceRecognizer("PlacePhraseRecognizer", LOCATION, p.PLACES_AFTER_PREPOSITION, is_listed_place_phrase),
        WordListRecognizer(LIST_RECOGNIZERS[0], PERSON, is_listed_name, 0.4),
        GazetteerRecognizer(LIST_RECOGNIZERS[1], LOCATION, places.words, places.phrases, 0.4, rf"{p.ANY_NAME}|{p.SLIPPED_NAME}", places.worded),
        CueRecognizer("EmailRecognizer", EMAIL, p.EMAILS),
        CueRecognizer("StrictUrlRecognizer", URL, p.URLS),
        CueRecognizer("SsnRecognizer", SSN, p.SSNS),
        CueRecognizer("StreetAddressRecognizer", ADDRESS, p.ADDRESSES, reject=is_clinical_street),
        CueRecognizer("EmployerRecognizer", LOCATION, p.EMPLOYERS, reject=is_everyday_phrase),
        CueRecognizer("RegionRecognizer", LOCATION, p.REGIONS),
        CueRecognizer("CountyRecognizer", LOCATION, p.COUNTIES, reject=is_everyday_phrase),
        CueRecognizer("ZipCodeRecognizer", ZIP, p.ZIPS),
        CueRecognizer("SignatureInitialsRecognizer", PERSON, p.SIGNATURE_INITIALS, reject=is_clinical_abbreviation),
    ]


def site_list_recognizers(deny: dict[str, Iterable[str]]) -> list[CueRecognizer]:
    """One phrase recognizer per non-empty user list (staff roster, facilities, MRNs). A listed
    person's name words count alone too: "Bruce Ward" removes "mr . ward" and "Ward"."""
    found: list[CueRecognizer] = []
    for entity, phrases in deny.items():
        phrases = list(phrases)
        if phrases:
            more = name_word_patterns(phrases) if entity == PERSON else []
            found.append(PhraseListRecognizer(f"SiteList{entity.title()}Recognizer", entity, phrases, more=more))
    return found


def name_word_patterns(names: Iterable[str]) -> list[Pattern]:
    """The words of listed names: after a title in any case; alone in any case, or, for a word that is
    also an everyday word ("Ward"), only when capitalized, so that "the ward" stays."""
    found = {w for name in names for w in re.findall(r"[A-Za-z][A-Za-z'\-]+", name) if not is_title(w)}
    plain = [w for w in found if not is_common_word(w)]
    worded = [f for w in found if is_common_word(w) for f in (w.title(), w.upper())]
    return [
        Pattern("listed name word after a title", rf"(?i:\b(?:{p.TITLE})\s?\.?\s*)(?P<phi>{alternatives(found, ignore_case=True)})", 1.0),
        Pattern("listed name word", alternatives(plain, ignore_case=True), 1.0),
        Pattern("listed name word, capitalized", alternatives(worded), 1.0),
    ]


def all_recognizers(ner: bool, deny: dict[str, Iterable[str]] | None = None) -> list[EntityRecognizer]:
    """What the analyzer registers: patterns, site lists, and spaCy's NER when `ner`."""
    found: list[EntityRecognizer] = [*pattern_recognizers(), *site_list_recognizers(deny or {})]
    if ner:
        found.append(ner_recognizer())
    return found
