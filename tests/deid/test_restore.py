"""--restore-phi puts identifiers back only where they were replaced, never over an ordinary word."""

from __future__ import annotations

import json

from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.deid.restore import Restorer

# Names beside ordinary words that are also surnames (a surrogate may be any of them).
WORDS = "white rice brown green young king hill wood long bell rose page hall best lane ford price cook baker short little strong rich snow stone banks hunt fields"
NOTE = (
    "Seen by Dr. Quillfeather with Dr. Abernathy and Dr. Okonkwo. Husband Bartholomew Castellano.\n"
    "MRI shows white matter disease. Eats rice. White blood cells normal. Rice cakes at night.\n"
    f"Diet: {WORDS}. {WORDS.title()}.\n"
    "Called Mrs. Vandermeer and Mr. Throckmorton and Ms. Fitzgerald about Dr. Abernathy's plan.\n"
)


def test_restore_round_trips_a_note_full_of_surname_words(deid):
    """Once in three runs "white matter disease" came back as "<surname> matter disease": every run must round-trip."""
    deidentifier = deid()
    for run in range(30):  # patient keys make each run's surrogates different but reproducible
        result = deidentifier.deidentify(NOTE, patient=f"patient-{run}")
        assert "Quillfeather" not in result.text
        restored, count = result.restore_counted(result.text)
        assert restored == NOTE
        assert count == len(result.replaced)


def test_only_replaced_spans_come_back():
    clean = "Dr. White has white matter disease. Eats rice. Seen by Dr. Rice and Dr. Quill."
    pairs = {"white": "Smith", "rice": "Jones", "quill": "Abbott"}
    spans = [(clean.index(s), clean.index(s) + len(s), pairs[s.lower()]) for s in ("White", "Quill")]
    spans.insert(1, (clean.index("Rice and"), clean.index("Rice and") + 4, "Jones"))
    restorer = Restorer(clean, spans, pairs, lambda r: pairs[r.lower()])
    # Extractive text: sentences copied (and capitalized) from the note.
    text, count = restorer.restore("Dr. White has white matter disease.\nEats rice.\nSeen by Dr. Rice and Dr. Quill.")
    assert text == "Dr. Smith has white matter disease.\nEats rice.\nSeen by Dr. Jones and Dr. Abbott."
    assert count == 3
    # A model's own words: only a replacement the note never uses as a plain word.
    text, count = restorer.restore("White reviewed it with Rice; quill agreed.")
    assert text == "White reviewed it with Rice; Abbott agreed."
    assert count == 1
    assert restorer.restore("Quillon and Quills")[0] == "Quillon and Quills"  # whole words only


def test_generate_restore_phi_keeps_ordinary_words(tmp_path):
    note = tmp_path / "visit.txt"
    note.write_text(
        "Chief complaint: headache. Seen by Dr. Quillfeather.\n"
        "MRI shows white matter disease. Eats rice. Dr. Quillfeather will call Mrs. O'Brien.\n"
        "Assessment: migraine. Plan: Dr. Quillfeather to follow up.\n"
    )
    runner = CliRunner()
    for fmt in ("md", "json", "html"):
        result = runner.invoke(cli, ["generate", str(note), "--restore-phi", "--format", fmt], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "white matter disease" in result.stdout and "Eats rice" in result.stdout
        assert "Quillfeather" in result.stdout
        assert "Restored " in result.stderr
    assert "O&#39;Brien" in result.stdout or "O&#x27;Brien" in result.stdout  # html: escaped like any note text
    report = json.loads(runner.invoke(cli, ["generate", str(note), "--restore-phi", "--format", "json"]).stdout)
    assert report["provenance"]["phi_restored"] >= 3


def test_reports_say_identifiers_are_replacements(tmp_path):
    note = tmp_path / "visit.txt"
    note.write_text("Chief complaint: headache.\nShe was seen by Dr. Quillfeather today for a bad headache that started two days ago.\n")
    for fmt in ("md", "html"):
        result = CliRunner().invoke(cli, ["generate", str(note), "--format", fmt], catch_exceptions=False)
        assert "replacements made by de-identification (surrogates)" in result.stdout
        assert result.stdout.index("surrogates") < result.stdout.index("bad headache")
