"""Word tests: is this word a name, a place, or an ordinary clinical or English word?

Cued recognizers pass them as `reject` (what follows "Dr." may be "aware"), and
the filters use them on uncued hits. They read only the general lists of `vocab.py`.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache

from reportgen.deid.patterns import FACILITY_END, FACILITY_NAME_WORDS, STATE_FACILITY, is_relation, is_title
from reportgen.deid.vocab import (
    clinical_words,
    common_words,
    english_words,
    everyday_english,
    faker_names,
    first_names,
    general_names,
    general_places,
    hand_words,
    last_names,
    stop_words,
    vocabulary_eponyms,
    words,
)

# Words that follow "Dr." or "husband" in notes and are not names ("dr aware", "son called").
CUE_WORDS = frozenset(
    "aware notified updated called paged here present informed made visited visiting phoned spoke stated states "
    "came come wants requests ok okay re regarding about said says told tell asked asks team service office ordered "
    "dr drs md np rn pa pt pts ho".split()
)


@lru_cache(maxsize=1)
def _words_not_names() -> frozenset[str]:
    """Stop words, the hand-written clinical list, and vocabulary or English words that are not also names."""
    return stop_words() | hand_words() | CUE_WORDS | ((clinical_words() | common_words() | everyday_english()) - faker_names())


@lru_cache(maxsize=1)
def _medical_words() -> frozenset[str]:
    """Clinical words that are no everyday English: ICD-10 titles also hold 'harbor', 'cross', 'heart'."""
    return clinical_words() - english_words()


def is_medical_word(word: str) -> bool:
    """A word of the clinical vocabularies that is no everyday English ("thyroiditis", not "plan")."""
    return word.lower() in _medical_words()


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    return english_words() | clinical_words()


_CONTRACTION = re.compile(r"'(?:m|re|ve|ll|d|t|s)$")


def parts(text: str) -> list[str]:
    """Lower-cased words, hyphenated ones split ("ex-wife", "neuro-surg", "Kessler-Adventist"),
    contractions and possessives cut ("you're" -> "you", "karen's" -> "karen")."""
    return [_CONTRACTION.sub("", p) for w in words(text) for p in w.split("-") if p]


def is_common_word(word: str) -> bool:
    """A word that names nothing on its own ("times", "floor", "ativan"), while "Bill" or "Rose" still may."""
    found = parts(word)
    return not found or all(p in _words_not_names() for p in found)


def is_not_name(word: str) -> bool:
    """Rejects what follows "Dr." or "Mrs." ("dr aware", "Dr. on call") but keeps names that are
    also words ("Dr. Foley", "dr. pica", "Dr Halfpenny")."""
    w = word.lower()
    if w in stop_words() or w in CUE_WORDS or (not w.isalpha() and len(w) < 3):
        return True
    if w in faker_names():
        return False
    if word.istitle():  # "Dr. Art White": capitalized after a title, a word is a name
        return False
    return w in hand_words() or w in common_words() or (word.islower() and w.endswith(("ed", "ing")))


def is_not_name_after_weak_title(word: str) -> bool:
    """After MR, MS, NP or nurse, any English word is rejected too ("NP. Lungs", "MR. Given")."""
    w = word.lower()
    return is_not_name(word) or (w in everyday_english() and w not in faker_names())


def is_not_relative_name(word: str) -> bool:
    """After "son", "wife": a common word, unless a capitalized first name ("Son, Ed, was updated")."""
    w = word.lower()
    if is_relation(word):  # "DAUGHTER AND SON CALLED"
        return True
    return is_common_word(word) and (word.islower() or w not in first_names() or w in stop_words())


def is_not_name_after_role(word: str) -> bool:
    """After "per", "md", "spoke with": what a relative may be, and then a listed name or a Title-case
    word that is no English word ("per Douglass"), not "per pulm", "per SS", "spoke with HOUSE staff"."""
    w = word.lower()
    if is_not_relative_name(word) or len(w) < 3:
        return True
    everyday = w in english_words() and w not in first_names()
    if word.istitle():
        return everyday
    if word.isupper():  # "PER LEONA LABOWICH", not "PER SS"
        return everyday or (len(w) < 4 and w not in general_names())
    return everyday or w not in general_names()  # lower case: only listed names ("spoke with suzette")


def is_not_listed_name(word: str) -> bool:
    """Not an initial, nor a name of the general lists ("o'brien" as "obrien")."""
    return len(word) > 1 and word.lower().replace("'", "") not in general_names()


def is_unlisted_word(word: str) -> bool:
    """No word of the general name list (lower-case transcripts: only listed names count)."""
    return word.lower() not in general_names()


def is_listed_name(word: str) -> bool:
    """A name of the general list. The census lists hold ~90,000 names, so many abbreviations
    and jargon ("VEA", "FICK", "bolus"): unless written Title-case, or under four letters, only
    the common names count."""
    names, w = general_names(), word.lower()
    return w in names.common or (w in names and len(w) > 3 and word.istitle())


def is_clinical_phrase(run: str) -> bool:
    """'Floor', 'Cath Lab', 'Lasix': only stop words, the hand-written list, and clinical words that are
    no everyday English (ICD-10 titles hold 'harbor', 'cross', 'heart': words of place names)."""
    return all(p in stop_words() or p in hand_words() or p in _medical_words() or p in CUE_WORDS or is_title(p) for p in words(run))


def is_generic_place(name: str) -> bool:
    """'the hospital', 'cardiac rehab': stop words and the hand-written clinical list before the facility word
    ('MEMORIAL HOSPITAL' is a name).

    Lower-case and upper-case names ("transfer to rehab", "AWAITING REHAB") need more: no stop
    word, and a word common in hospital names ("sacred heart hospital"), or one that is no
    English or clinical word. In capitals, an English word that clinicians' words do not
    hold names one too ("PINE RIDGE NURSING HOME", not "PHYSICAL REHAB"); lower-case prose
    ("that fancy hospital") is held to the stricter test.
    """
    own = FACILITY_END.sub("", name)
    if own != name and STATE_FACILITY.fullmatch(own):  # "MD Hospital", "Virginia Hospital" (not "OR" before "ICU")
        return False
    found = parts(own)
    if all(p in stop_words() or p in hand_words() for p in found):
        return True
    if not (name.islower() or name.isupper()) or any(p in general_places().all for p in found):
        return False
    if any(p in stop_words() for p in found):
        return True
    generic = _clinicians_word if name.isupper() else _known_words().__contains__
    return all(generic(p) and p not in FACILITY_NAME_WORDS for p in found)


def _clinicians_word(word: str) -> bool:
    return word in clinical_words() or word in common_words()


def is_not_greeted_name(word: str) -> bool:
    """After "hi", "hey", "hello": a first name ("louis", "teresa"), not "there" or "buddy"; an English
    word only if Faker has it as a name ("hi may", not "hi hope")."""
    w = word.lower()
    if w not in first_names() or w in stop_words() or w in CUE_WORDS:
        return True
    return w in english_words() and w not in faker_names()


def is_not_casual_name(word: str) -> bool:
    """After "okay", "so", "thanks" (weaker than a greeting): a first name that is no English or clinical word."""
    return is_not_greeted_name(word) or word.lower() in english_words() or is_common_word(word)


def is_not_dictated_name(word: str) -> bool:
    """In a dictated header ("next patient is bruce ward"): anything but a stop word, title or clinical word
    that is no name ("patient , male ."); names that are words ("ward", "brown") stay."""
    w = word.lower()
    if w in stop_words() or w in CUE_WORDS or is_title(w):
        return True
    return w in clinical_words() and w not in faker_names()


def is_not_full_name_word(word: str) -> bool:
    """In "doctor scott good": a word of the unfiltered first or last name lists, no stop word, cue or title."""
    w = word.lower()
    return w in stop_words() or w in CUE_WORDS or is_title(w) or (w not in first_names() and w not in last_names())


@lru_cache(maxsize=1)
def _sorted_known_words() -> list[str]:
    return sorted(_known_words())


def is_cut_short(word: str) -> bool:
    """Three letters or more that begin a longer English or clinical word: an abbreviation by
    truncation ("ADEQ", "MAINT", "EVAL", "INC"), no acronym of a place."""
    w = word.lower()
    if len(w) < 3:
        return False
    known = _sorted_known_words()
    i = bisect.bisect_right(known, w)
    return i < len(known) and known[i].startswith(w) and len(known[i]) > len(w)


def is_not_place_word(word: str) -> bool:
    """After "went to", "lives in": a common word, or in lower case any English word ("going to bend
    down", "returned to cs"), while "transfer to quartermain 2", "to gh" stay."""
    return is_common_word(word) or (word.islower() and word in english_words())


def is_not_place_acronym(word: str) -> bool:
    """After "to/at/from": a common word or an abbreviation cut short ("TO ADEQ SEDATION"), not "GH", "GBMC"."""
    return is_common_word(word) or is_cut_short(word)


def is_clinical_abbreviation(word: str) -> bool:
    """"IV/po", "PRN/qd": abbreviations of the clinical vocabularies, never initials."""
    return word.lower() in clinical_words() or word.lower() in stop_words()


def is_clinical_street(address: str) -> bool:
    """"on Lasix Drive": a street whose name words are all clinical ones is no address. A surname or
    place is a street's name even when a vocabulary or the jargon list holds it ("Jones Rd", "Long Avenue")."""
    found = list(words(address))[:-1]
    return bool(found) and all(_clinical_not_named(w) for w in found)


def _clinical_not_named(word: str) -> bool:
    if word in stop_words():
        return True
    named = word in last_names() or word in general_places().all
    return not named and (word in hand_words() or word in _medical_words())


def _place_key(run: str) -> str:
    return " ".join(run.lower().split())


# "Ninety Six" is a town; "in ninety six" in a transcript is a year or a saturation.
_NUMBER_WORD = re.compile(r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)")


def is_listed_place_phrase(run: str) -> bool:
    """A listed place of several words, in any case, everyday words too ("SILVER SPRING", "glen burnie"),
    unless it spells a number."""
    key, places = _place_key(run), general_places()
    if " " not in key or all(_NUMBER_WORD.fullmatch(w) for w in key.split()):
        return False
    return key in places.phrases or key in places.worded


def is_home_place(run: str) -> bool:
    """Where someone lives or comes from: a listed place phrase, or a listed one-word place that is no
    clinical, stop or clinicians' everyday word; after such a cue an English word may be a town
    ("Laurel", "FIFE", "Vermillion", not "home", "normal" or "rehab"), and so may a proper noun of
    the vocabularies' titles ("PHILADELPHIA", from "Philadelphia chromosome")."""
    key = _place_key(run)
    if " " in key:
        return is_listed_place_phrase(key)
    clinical = key in clinical_words() and key not in vocabulary_eponyms()
    return key in general_places().all and not clinical and not any(key in found for found in (stop_words(), common_words(), hand_words(), CUE_WORDS))


def is_everyday_phrase(run: str) -> bool:
    """Only stop words and everyday English ("the State", "Home Depot", "Teaching"): no employer, while an
    acronym the clinical lists also hold may be one ("CEO OF IBM")."""
    return all(p in stop_words() or p in common_words() or p in everyday_english() or p in CUE_WORDS for p in parts(run))
