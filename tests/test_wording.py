"""Transcript sentences and the written-note language rules, one behaviour per test."""

from __future__ import annotations

import pytest

from reportgen.generation.dialogue import Sentence, is_transcript, sentences, untokenize
from reportgen.generation.spoken import digits
from reportgen.generation.wording import is_backchannel, is_command, order, prepare, tidy, written


def patient(text: str) -> Sentence:
    return Sentence(text, "patient", 0, 0, True)


def doctor(text: str) -> Sentence:
    return Sentence(text, "doctor", 0, 0, True)


def test_transcript_lines_become_sentences_with_speakers():
    items = sentences("[doctor] any pain ? okay .\n[patient] no .\n[patient_guest] she was fine .\nDoctor: Good.")
    assert [(s.speaker, s.text) for s in items] == [
        ("doctor", "any pain?"), ("doctor", "okay."), ("patient", "no."), ("guest", "she was fine."), ("doctor", "Good.")]
    assert is_transcript(items) and not is_transcript(sentences("No cough. He denies chest pain."))


def test_a_relative_speaking_in_a_transcript_is_a_guest_but_a_written_family_history_is_text():
    items = sentences("Doctor: What brings him in?\nMother: He's had a fever.\nDad: Since Sunday.\nDoctor: Okay.")
    assert [(s.speaker, s.text) for s in items] == [
        ("doctor", "What brings him in?"), ("guest", "He's had a fever."), ("guest", "Since Sunday."), ("doctor", "Okay.")]
    note = sentences("FAMILY HISTORY\nMother: melanoma.\nFather: prostate cancer.")
    assert [(s.speaker, s.text) for s in note][1:] == [(None, "Mother: melanoma."), (None, "Father: prostate cancer.")]


def test_numbered_speakers_take_roles_by_who_asks():
    items = sentences("Speaker 1: I have a rash.\nSpeaker 2: Where is it? Does it itch?\nSpeaker 1: On my arm. Yes.")
    assert [s.speaker for s in items] == ["patient", "doctor", "doctor", "patient", "patient"]


@pytest.mark.parametrize("line", ["[00:01:23] Doctor: Hello.", "00:01:23.5 - Doctor: Hello.", "Dr. Lee: Hello.", "Dr.: Hello."])
def test_a_time_stamp_or_a_clinicians_name_before_the_label_is_not_text(line: str):
    items = sentences(f"{line}\nPatient: Hi.")
    assert (items[0].speaker, items[0].text) == ("doctor", "Hello.")


def test_a_note_line_that_only_starts_like_a_label_stays_text():
    assert [s.speaker for s in sentences("Patient states: she is better.\nBP: 120/80.")] == [None, None]


def test_an_untagged_line_between_turns_continues_the_turn_before_it():
    items = sentences("Visit of today.\n[doctor] let's see .\nexamine you here .\n[patient] okay .\nSigned by the clinic.")
    assert [(s.speaker, s.turn, s.turn_start) for s in items] == [
        (None, 0, True), ("doctor", 1, True), ("doctor", 1, False), ("patient", 2, True), (None, 3, True)]


@pytest.mark.parametrize("raw, clean", [
    ("i do n't know .", "I don't know."),
    ("we 're gon na check , okay ?", "we're going to check, okay?"),
    ("it 's 5 % .", "it's 5%."),
    # each contraction alone and in capitals: the search that lets a line without one skip them must see them all
    ("I CA N'T", "I CAn't"), ("they WAN NA go", "they want to go"), ("we GOT TA", "we got to"), ("she 'S", "she'S"),
    ("you 'RE", "you'RE"), ("we 'VE", "we'VE"), ("I 'LL", "I'LL"), ("he 'D", "he'D"), ("i 'M", "I'M"),
])
def test_tokenisation_is_undone(raw, clean):
    assert untokenize(raw) == clean


@pytest.mark.parametrize("raw, clean", [
    ("um, so, my, my knee hurts.", "My knee hurts."),
    ("okay, uh, it started last week, you know, on monday.", "It started last week, on monday."),
    ("the swelling is better, okay?", "The swelling is better."),
    ("the swelling is better, right ?  ", "The swelling is better."),  # the question mark before trailing spaces
    ("and you know, she is retaining a little fluid.", "She is retaining a little fluid."),  # one filler after another
    ("his a1c is 8, you know last time it was 6.", "His a1c is 8, last time it was 6."),
    ("he is, he is, been stretching.", "He is been stretching."),  # a stutter of words
    ("pain on the dorsal aspect of her- of her forearm.", "Pain on the dorsal aspect of her forearm."),
    # a value said again is a value: readings, never a stutter
    ("pressures were 120, 120, 130.", "Pressures were 120, 120, 130."),
    ("pressures were one twenty, one twenty, one thirty.", "Pressures were one twenty, one twenty, one thirty."),
])
def test_fillers_and_stutters_are_removed(raw, clean):
    assert tidy(raw) == clean


def test_back_channel_and_commands():
    assert is_backchannel("Okay, yeah.") and is_backchannel("mm-hmm") and not is_backchannel("No cough.")
    assert is_command("hey dragon, show me the vital signs.") and is_command("finalize the note.")
    assert not is_command("I'll show you the x-ray of your knee.")
    # a sentence that only asks for a display is a command, whatever it shows; a cut piece of a finding is not
    assert is_command("Show me the ekg.") and is_command("pull up the blood pressure readings")
    assert not is_command("Show just trace edema.") and not is_command("show the fracture has healed nicely now")
    assert order("hey, dragon, order an echocardiogram.") == "Ordered an echocardiogram."
    assert order("Hey Dragon, prescribe metformin 500 mg twice a day.") == "Prescribed metformin 500 mg twice a day."


@pytest.mark.parametrize("said, written_form", [
    ("I have had a cough for two weeks.", "Reports a cough for two weeks."),
    ("I don't have any fevers.", "Denies fevers."),
    ("I'm taking my lisinopril every day.", "She is taking her lisinopril every day."),
    ("I'll try the brace.", "She will try the brace."),
    ("I think it helps me.", "She thinks it helps her."),
    ("I was at the ER on Sunday.", "She was at the ER on Sunday."),
])
def test_patient_statements_become_reported_statements(said, written_form):
    assert written(patient(said), "female") == written_form


def test_without_a_known_sex_the_patient_stays_the_patient():
    assert written(patient("I'm taking my lisinopril.")) == "The patient is taking their lisinopril."
    assert written(doctor("you're doing well with your knee.")) == "The patient is doing well with the patient's knee."


def test_doctor_speech_about_the_patient_takes_the_patients_pronouns():
    assert written(doctor("you have a 2/6 murmur on your heart exam."), "male") == "He has a 2/6 murmur on his heart exam."
    assert written(doctor("I'll see you in 2 weeks, you'll do fine."), "female") == "I'll see the patient in 2 weeks, she will do fine."


def test_a_clause_you_know_is_put_in_the_third_person_and_a_trailing_comma_ends_the_sentence():
    assert written(doctor("at least you know to check in with the nurse"), "male") == "At least he knows to check in with the nurse."
    assert written(patient("I try to take them at different times of the day,")) == "The patient tries to take them at different times of the day."


def test_doctor_speech_keeps_its_words_and_values():
    assert written(doctor("so, your blood pressure is 130/80, okay?")) == "The patient's blood pressure is 130/80."
    text = "On exam, I do hear a 3/6 systolic ejection murmur and 1+ pitting edema."
    assert written(doctor(text)) == text


def test_answered_questions_become_pertinent_findings():
    items = prepare(sentences("[doctor] any chest pain ?\n[patient] no .\n[doctor] do you have any nausea ?\n"
                              "[patient] yes .\n[doctor] any questions ?\n[patient] no ."))
    assert [s.text for s in items] == ["Denies chest pain.", "Reports nausea.", "any questions?", "no."]


@pytest.mark.parametrize("spoken, value", [
    ("five hundred milligrams twice a day", "500 milligrams twice a day"),
    ("blood pressure one thirty over eighty", "blood pressure 130 over 80"),
    ("temperature ninety eight point six", "temperature 98.6"),
    ("a hundred and twenty", "120"),
    ("I have a cough", "I have a cough"),
    ("point five milligrams", "0.5 milligrams"),
    ("to the point where", "to the point where"),
    ("point one point two", "point one point two"),
])
def test_spoken_numbers(spoken, value):
    assert digits(spoken) == value


def test_a_notes_sentences_are_split_once_and_each_caller_gets_its_own_list():
    note = "[doctor] how are you ?\n[patient] i 'm fine ."
    first = sentences(note)
    first.pop()
    assert [s.text for s in sentences(note)] == ["how are you?", "I'm fine."]


@pytest.mark.parametrize("command", [
    "Hey Dragon, what's next.", "okay dax", "Scribe, stop.", "Please SIGN this note.", "close the encounter",
    "save my dictation", "start recording", "open the template", "pull up her lab results", "bring up the MRI",
    "insert vitals", "load the images", "load my note", "New paragraph.", "next bullet", "next section please",
    "Show me the ekg.", "bring up the chest film",
])
def test_every_kind_of_command_is_found(command):
    assert is_command(command)
