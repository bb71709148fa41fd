"""Written-note language for sentences taken from a visit transcript.

Rules that are safe on their own: each one removes talk (fillers, back-channel,
commands to a scribe or voice assistant) or changes only who is speaking
("I have had a cough" -> "The patient has had a cough"). No rule adds a
finding, and no rule touches a number, a unit or a clinical term: the words
that carry the content are the speaker's own.
"""

from __future__ import annotations

import re
from functools import lru_cache

from reportgen.generation.dialogue import Sentence
from reportgen.generation.spoken import NUMBER_WORDS

# Commands to the voice assistant or scribe ("hey dragon, show me the x-ray"): talk about the note, not the patient.
_COMMAND = re.compile(
    r"\b(?:hey|hi|okay|ok)\W+(?:dragon|dax)\b|\bdax\b|\b(?:dragon|scribe)\b|"
    r"\b(?:finalize|sign|end|close|start|open|save) (?:the |this |my )?(?:note|recording|dictation|template|encounter)\b|"
    r"\b(?:show|pull up|bring up|insert|load) (?:me )?(?:the |my |her |his |their )?(?:vital signs|vitals|results|x-?ray|template|labs|lab results|image|images|mri|ct|note)\b|"
    r"\bnew paragraph\b|\bnext (?:section|bullet)\b|"
    # a whole sentence asking for a display, whatever it shows ("show me the ekg."); "show me" only: "show the
    # fracture healed" can be a cut piece of a finding
    r"^(?:show me|pull up|bring up) (?:the |my |her |his |their |your )?(?:[\w/-]+ ){0,4}[\w/-]+\W*$",
    re.I,
)
_BACKCHANNEL_WORD = (
    r"ok(?:ay)?|alright|all right|yeah|yep|yes|yup|no|nope|um+|uh+|hmm+|mm-?hmm|uh-?huh|sure|great|thanks?|"
    r"thank you|right|good|nice|wow|oh|cool|perfect|wonderful|awesome|excellent|gotcha|got it|i see|mhm|so|well|"
    r"and|bye|hi|hello|sounds good|that's good|that sounds good|that's great|of course|definitely|absolutely|"
    r"exactly|correct|true|fine|really|hey|sorry"
)
_BACKCHANNEL = re.compile(rf"^(?:(?:{_BACKCHANNEL_WORD})\W*)+$", re.I)
# Fillers inside a sentence; each pattern keeps the text around it.
_FILLERS = [
    re.compile(r"\b(?:um+|uh+|erm|hmm+|mm-?hmm)\b,?\s*", re.I),  # not "er": the ER
    re.compile(r"(?:^|(?<=[,.]\s))(?:so|okay|ok|alright|all right|well|yeah|now|and|oh|you know|i mean|like|right)\s*,\s*", re.I),
    re.compile(r",\s*(?:you know|i mean|like|right|okay|ok|kind of|sort of)\s*(?=,)", re.I),
    re.compile(r"^(?:so|and|but|well|now|okay|ok|alright|all right)\s+(?=\w)", re.I),
]
# "you know" as a filler: before a comma, or after one or a conjunction ("and you know they were borderline"). "at
# least you know to check in" is a clause and is put in the third person like any "you".
_YOU_KNOW = re.compile(r"\byou know,\s*|(?:(?<=,)|(?<=\blike)|(?<=\band)|(?<=\bbut)|(?<=\bso))\s+you know\b(?=\s)", re.I)
# "my, my vaccine", "he is, he is, been", "of her- of her arm": words said again; never digits ("120, 120, 130" are
# three readings) nor number words (`_said_once`)
_STUTTER = re.compile(r"\b([a-z]+(?:'[a-z]+)?(?: [a-z]+(?:'[a-z]+)?){0,2})(?:[,-]? \1\b)+(?:,(?= ))?", re.I)
_TAG_QUESTION = re.compile(r",?\s*\b(?:okay|ok|right|alright|all right|yeah|you know|correct)\s*\?$", re.I)
_SPACE_BEFORE_MARK = re.compile(r"\s+([,.!?;:])")
_LEADING_MARKS_OR_SPACES = re.compile(r"^[\s,;:]+|\s{2,}")

# First person -> the patient, third person. Verbs after "I" that change form.
_VERB_3RD = {
    "am": "is", "'m": "is", "have": "has", "'ve": "has", "do": "does", "don't": "does not", "haven't": "has not",
    "can't": "cannot", "'ll": "will", "'d": "would", "was": "was", "were": "was", "go": "goes", "try": "tries",
    "feel": "feels", "take": "takes", "think": "thinks", "get": "gets", "need": "needs", "want": "wants",
    "like": "likes", "use": "uses", "notice": "notices", "know": "knows", "see": "sees", "hurt": "hurts",
    "work": "works", "live": "lives", "drink": "drinks", "smoke": "smokes", "eat": "eats", "wake": "wakes",
    "sleep": "sleeps", "walk": "walks", "run": "runs", "check": "checks", "exercise": "exercises",
    "wear": "wears", "play": "plays", "love": "loves", "guess": "guesses", "mean": "means", "say": "says",
    "remember": "remembers", "forget": "forgets", "deny": "denies", "usually": "usually", "still": "still",
}
_ADVERBS = frozenset("really just also still usually always never only actually definitely probably sometimes "
                     "even generally mostly normally often".split())
_FIRST_PERSON = re.compile(r"\bI(?:'(?:m|ve|ll|d))?\b(?:\s+(?:really|just|also|still|usually|always|never|only|"
                           r"actually|definitely|probably|sometimes|even|generally|mostly|normally|often))?"
                           r"(?:\s+(?:am|have|do|don't|haven't|can't|was|were|\w+))?")
# subject, possessive, object, reflexive
_PRONOUNS = {"female": ("she", "her", "her", "herself"), "male": ("he", "his", "him", "himself"),
             None: ("the patient", "their", "them", "themselves")}
_YOU_VERBS = [  # the doctor's "you" as the subject -> the patient (he, she) and the verb in the third person
    (re.compile(r"\byou(?:'re| are)\b", re.I), "is"),
    (re.compile(r"\byou(?:'ve| have)\b", re.I), "has"),
    (re.compile(r"\byou'll\b", re.I), "will"),
    (re.compile(r"\byou were\b", re.I), "was"),
    (re.compile(r"\byou don't\b", re.I), "does not"),
    (re.compile(r"\byou know\b", re.I), "knows"),
    (re.compile(r"\byou do\b", re.I), "does"),
]
# Narrow reported-statement rules for patient sentences ("I've had a cough for two weeks" -> "Reports a cough ...").
_REPORTS = [
    (re.compile(r"^I(?:'ve| have) (?:been having|had|been experiencing)\s+(?=(?:a|an|some|this|pain|\w+ pain|\w+ing)\b)", re.I), "Reports "),
    (re.compile(r"^I (?:have|get|am having|'m having|noticed|felt|feel)\s+(?=(?:a|an|some|pain|\w+ pain)\b)", re.I), "Reports "),
    (re.compile(r"^I (?:don't|do not) have (?:any )?(?=\w)", re.I), "Denies "),
    (re.compile(r"^I (?:haven't|have not) (?:had|noticed|been having) (?:any )?(?=\w)", re.I), "Denies "),
]
# A doctor's yes/no question and the patient's one-word answer -> a pertinent positive or negative.
_ASKED = re.compile(
    r"^(?:(?:and|so|okay|ok|now|alright),?\s+)?(?:(?:do|did) you (?:have|get|notice|feel|experience)|"
    r"have you (?:had|noticed|been having|felt|experienced)|are you (?:having|experiencing|feeling)|any)\s+"
    r"(?:any\s+)?(?P<finding>[a-z][a-z ,/'-]{2,60}?)\s*\?$",
    re.I,
)
_NO = re.compile(r"^(?:no|nope|no,? (?:not really|none|never|i haven't|i don't)|not really|none|never)\W*$", re.I)
_YES = re.compile(r"^(?:yes|yeah|yep|yup|i do|i have|a little|some)\W*$", re.I)
_VAGUE_FINDING = re.compile(r"\b(?:questions?|concerns?|other|else|issues?|problems?|that|this|it|them|those|these)\b", re.I)


_ORDER = re.compile(r"^(?:(?:hey|hi|okay|ok),?\s+)?(?:dragon|dax),?\s+(?P<verb>order|prescribe|refer|schedule|start)\w*\s+(?P<what>.+)$", re.I)
_ORDERED = {"order": "Ordered", "prescribe": "Prescribed", "refer": "Referred", "schedule": "Scheduled", "start": "Started"}


def order(text: str) -> str | None:
    """An order dictated to the voice assistant as a note line: 'hey dragon, order an echocardiogram.' ->
    'Ordered an echocardiogram.' (the order is clinical content; the command words are not)."""
    m = _ORDER.match(text.strip())
    if not m:
        return None
    what = m.group("what").strip().rstrip(".!")
    return f"{_ORDERED[m.group('verb').lower()]} {what}." if what else None


# A word every command holds (each branch of _COMMAND names one): most sentences hold none, and the regex is slow
# to fail on them. Compared in lower case only in ASCII text, where that is what the regex's ignoring case means.
_COMMAND_WORDS = ("dragon", "dax", "scribe", "note", "recording", "dictation", "template", "encounter", "show", "pull up",
                  "bring up", "insert", "load", "new paragraph", "next section", "next bullet")


def is_command(text: str) -> bool:
    """Talk to the voice assistant or scribe ("hey dragon, show me the vitals")."""
    if text.isascii() and not any(word in text.lower() for word in _COMMAND_WORDS):
        return False
    return bool(_COMMAND.search(text))


def is_backchannel(text: str) -> bool:
    return bool(_BACKCHANNEL.match(text.strip()))


# A transcript's sentence is tidied to judge it (`extractive._usable`) and again to write it (`written`): done once
# per process, in memory only.
@lru_cache(maxsize=4096)
def tidy(text: str) -> str:
    """Fillers, stutters and tag questions out; first letter capitalized."""
    text = text.strip()
    if text.endswith("?"):  # the pattern ends with it, and is slow to fail on the many sentences without
        text = _TAG_QUESTION.sub(".", text)
    before = None
    while text != before:  # a filler can open the sentence once another is gone ("and so, ...", "okay and ...")
        before = text
        for pattern in _FILLERS:
            text = pattern.sub("", text)
        if "you know" in text.lower():  # slow to fail, and most sentences have none
            text = _YOU_KNOW.sub("", text)
    if _repeats(text.lower()):
        text = _STUTTER.sub(_said_once, text)
    text = _SPACE_BEFORE_MARK.sub(r"\1", text)
    text = _LEADING_MARKS_OR_SPACES.sub(" ", text).strip()
    return text[:1].upper() + text[1:]


def _repeats(lowered: str) -> bool:
    """Whether a word comes again soon enough for a stutter of up to three words ("we're going to we're ...")."""
    words = re.findall(r"[a-z]+", lowered)  # "I, I'm": the stutter is "I"
    return any(word in words[i + 1 : i + 8] for i, word in enumerate(words))


def _said_once(match: re.Match[str]) -> str:
    """A stutter said once; spoken numbers said again are values ("one twenty, one twenty, one thirty")."""
    said = match.group(1)
    return match.group(0) if any(word.lower() in NUMBER_WORDS for word in said.split()) else said


def written(sentence: Sentence, sex: str | None = None) -> str:
    """A transcript sentence as a note would say it (speaker-aware); plain-note sentences only tidied."""
    text = tidy(sentence.text)
    if sentence.speaker == "patient":
        text = _third_person(text, sex)
    elif sentence.speaker == "doctor":
        subject, possessive, _, reflexive = _PRONOUNS.get(sex, _PRONOUNS[None])
        for pattern, verb in _YOU_VERBS:
            text = pattern.sub(f"{subject} {verb}", text)
        # "your knee" -> "his knee", as the patient's "my knee" is; without a known sex, "the patient's knee"
        text = re.sub(r"\byour\b", possessive if sex else "the patient's", text, flags=re.I)
        text = re.sub(r"\byourself\b", reflexive, text, flags=re.I)
        text = re.sub(r"\byou\b", "the patient", text, flags=re.I)
    if sentence.speaker is not None:  # talk transcribed without punctuation (or cut by `segment`) reads as sentences
        text = re.sub(r"\s*[,;:-]+$", "", text)  # a turn that trailed off ("... times of the day,")
        text += "." if text[-1:].isalnum() else ""
    return text[:1].upper() + text[1:] if text else text


def _third_person(text: str, sex: str | None) -> str:
    for pattern, replacement in _REPORTS:
        if pattern.search(text):
            text = pattern.sub(replacement, text, count=1)
            break
    subject, possessive, objective, reflexive = _PRONOUNS.get(sex, _PRONOUNS[None])
    text = _FIRST_PERSON.sub(lambda m: _subject(m, subject), text)
    text = re.sub(r"\bmy\b", possessive, text, flags=re.I)
    text = re.sub(r"\bmyself\b", reflexive, text, flags=re.I)
    return re.sub(r"\bme\b", objective, text)


def _subject(match: re.Match[str], subject: str) -> str:
    words = match.group(0).split()
    head, rest = words[0], words[1:]
    contraction = head[2:] if head.startswith("I'") else None
    out = [subject]
    if contraction:
        out.append(_VERB_3RD.get("'" + contraction, contraction))
    for word in rest:
        lowered = word.lower()
        if lowered in _ADVERBS:
            out.append(word)
        elif lowered in _VERB_3RD and contraction is None:  # after "I'll", "I'd" the verb keeps its form
            out.append(_VERB_3RD[lowered])
        else:
            out.append(word)
    return " ".join(out)


def answered(question: Sentence, answer: Sentence) -> str | None:
    """'Any chest pain?' + 'No.' -> 'Denies chest pain.'; None unless both match a narrow pattern."""
    if question.speaker != "doctor" or answer.speaker != "patient" or not answer.turn_start:
        return None
    m = _ASKED.match(question.text)
    if not m or _VAGUE_FINDING.search(m.group("finding")):
        return None
    finding = m.group("finding").strip(" ,")
    if _NO.match(answer.text):
        return f"Denies {finding}."
    if _YES.match(answer.text):
        return f"Reports {finding}."
    return None


def prepare(items: list[Sentence]) -> list[Sentence]:
    """Orders to the voice assistant become note lines; each answered yes/no question and its one-word
    answer become one statement (speaker None). Training and generation both start from this."""
    prepared: list[Sentence] = []
    i = 0
    while i < len(items):
        sentence = items[i]
        if statement := order(sentence.text):
            prepared.append(Sentence(statement, None, sentence.turn, sentence.index, True))
        elif i + 1 < len(items) and (statement := answered(sentence, items[i + 1])):
            prepared.append(Sentence(statement, None, sentence.turn, sentence.index, True))
            i += 1  # the answer is in the statement
        else:
            prepared.append(sentence)
        i += 1
    return prepared
