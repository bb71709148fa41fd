"""The problem list: candidates, context (negspacy), coding with a floor, and how evaluate scores it."""

from __future__ import annotations

import json
import re

import pytest

from reportgen.config import load_settings
from reportgen.errors import RuntimeFailure
from reportgen.evaluate import score_problems
from reportgen.generation import problems
from reportgen.generation.problems import SCORER_FORMAT, ProblemScorer, _named, _procedures, code, find_problems, problem_candidates, shipped_scorer
from reportgen.report import Code, Problem
from reportgen.terminology.index import Terminology, open_terminology

KEEP_ALL = ProblemScorer({}, 0.0, 0.5)  # probability 0.5 for every candidate


@pytest.fixture
def terminology():  # function scope: the isolated data dir (conftest) holds the session index
    return open_terminology(load_settings(), dense=False)  # as the pipeline opens it


def test_headlines_and_dictated_problems_are_found_and_coded(terminology):
    assessment = ("Congestive heart failure.\n• Medical Reasoning: She is stable.\n2. Hypertension.\n"
                  "For the patient's second problem, the patient's depression, we will continue therapy. "
                  "From a diabetes type 2 standpoint, the patient will continue metformin.")
    problems = find_problems([assessment], "Annual exam.", terminology, dialogue=assessment)
    texts = {p.text: p for p in problems}
    assert {"Congestive heart failure", "Hypertension", "depression", "diabetes type 2"} <= set(texts)
    assert texts["Hypertension"].codes[0].code == "I10"
    assert texts["diabetes type 2"].codes[0].code.startswith("E11")
    assert not any("Medical Reasoning" in p.text for p in problems)


def test_a_problem_oriented_line_lists_the_problem_before_its_dash_or_colon(terminology):
    assessment = ("1. HTN - BP 148/92 today, increase lisinopril to 20 mg daily.\n2. DM2: A1c 7.2, continue metformin.\n"
                  "3. Health maintenance - flu shot given today.\n4. Non-healing ulcer of the right foot.\n# Asthma - stable.")
    problems = {p.text: p.codes[0].code for p in find_problems([assessment], "", terminology)}
    # The ulcer is a skin ulcer of the foot, not a peptic ulcer (K27, "ulcer" read as the lay word for one).
    assert problems == {"HTN": "I10", "DM2": "E11.9", "Health maintenance": "Z00.00", "Non-healing ulcer of the right foot": "L97.51",
                        "Asthma": "J45.909"}


def test_a_line_of_sentences_is_named_by_its_first_and_a_title_ends_none(terminology):
    found = find_problems(["Hypertension. Continue lisinopril 20 mg daily.\nMr. Lee has gout."], "The joint pain. Probably two days ago.",
                          terminology, scorer=KEEP_ALL)
    texts = {p.text for p in found}
    assert {"Hypertension", "The joint pain"} <= texts  # was neither: a verb or a time in the line's other sentence
    assert not any(t.startswith(("Mr", "Probably", "Continue")) for t in texts)
    complaint = find_problems([], "It's her right upper arm. She fell.", terminology, scorer=KEEP_ALL)
    assert not complaint  # a clause is no problem's name (it was M79.621, pain in right upper arm)


def test_a_headline_that_says_how_the_problem_is_lists_the_problem(terminology):
    assessment = "1. Hypertension, not at goal.\n2. Hypothyroidism, stable on levothyroxine; TSH 2.1.\n3. Kidney stone, right side."
    problems = {p.text: p.codes[0].code if p.codes else None for p in find_problems([assessment], "", terminology)}
    assert problems == {"Hypertension": "I10", "Hypothyroidism": "E03.9", "Kidney stone, right side": "N20.0"}


@pytest.mark.parametrize(("phrase", "first"), [("foot ulcer", "L97.509"), ("diabetic foot ulcer", "E11.621"), ("hyperglycemia", "R73.9")])
def test_a_combination_code_needs_both_its_conditions_said(terminology, phrase: str, first: str):
    """Not E11.621 "... diabetes mellitus with foot ulcer" for a foot ulcer, nor "Personal history of diabetic foot
    ulcer" for a diabetic one ("diabetic" is a form of "diabetes")."""
    assert code(phrase, terminology, 1)[0].code == first


@pytest.mark.parametrize(("phrase", "first"), [("diabetic retinopathy", "E11.31"), ("iddm", "E10.9"), ("type 1 diabetes", "E10.9"), ("gestational diabetes", "O24.4")])
def test_diabetes_of_no_stated_kind_is_type_2(terminology, phrase: str, first: str):
    # ICD-10-CM guideline I.C.4.a.2; not E13 "Other specified diabetes mellitus ...", E09 "Drug or chemical induced
    # ...", nor H35.2 "Other non-diabetic proliferative retinopathy" (a title's "non-diabetic" says no diabetes).
    assert code(phrase, terminology, 1)[0].code.startswith(first)


def test_context_keeps_negated_possible_history_and_family_apart(terminology):
    text = ("No evidence of pneumonia. We need to rule out appendicitis. She has a history of asthma. "
            "Her mother had breast cancer. I think the patient has a lumbar strain.")
    problems = {p.text: p.status for p in find_problems([], "", terminology, other_texts=[text])}
    problems.update({p.text: p.status for p in find_problems(["Pneumonia is ruled out.\nHistory of asthma."], "", terminology)})
    assert problems.get("History of asthma") == "history"
    asthma = find_problems(["History of asthma."], "", terminology, scorer=KEEP_ALL)[0]
    assert asthma.codes and asthma.codes[0].code.startswith("J45")
    for line, status in [("No pneumonia.", "negated"), ("Possible appendicitis.", "possible"),
                         ("Family history of breast cancer.", "family"), ("Gout.", "active")]:
        found = find_problems([line], "", terminology, scorer=KEEP_ALL)  # context, whatever the scorer would keep
        assert found and found[0].status == status, (line, found)


def test_a_phrase_no_code_covers_stays_uncoded_or_is_dropped(terminology):
    assert code("at this time", terminology) == []
    assert code("So let's talk about my assessment and my plan for you", terminology) == []
    dictated = find_problems(["For the patient's first problem, at this time we will wait."], "", terminology)
    assert dictated == []
    headline = find_problems(["Healthcare maintenance.\nGout."], "", terminology)
    assert [p.text for p in headline] == ["Healthcare maintenance", "Gout"]  # kept: a clinician listed them


def test_codes_prefer_specific_codes_and_skip_unrelated_chapters(terminology):
    assert code("right medial epicondylitis", terminology)[0].code == "M77.01"
    assert not any(c.code.startswith(("O", "P", "V", "W", "X", "Y")) for c in code("smoking", terminology))


def test_each_expansion_of_a_lay_word_can_cover_a_title_alone(terminology):
    # "smoking" expands to "nicotine dependence" and "tobacco use": the chewing-tobacco codes share the most
    # words with both together, but the text says nothing of chewing.
    for text in ("smoking", "cigarette smoking", "Smoking cessation"):
        assert "chewing" not in code(text, terminology)[0].title.lower()
    assert code("chewing tobacco", terminology)[0].code.startswith("F17.22")


@pytest.mark.parametrize("phrase", ["further a1c today", "partici- for participating in the study"])
def test_an_expansion_or_respelling_of_one_word_does_not_name_the_whole_problem(terminology, phrase: str):
    # "hemoglobin" of a1c's "hemoglobin a1c" covered D56.5 "Hemoglobin E-beta thalassemia"; the speller's "partial"
    # for the cut-off "partici-" covered E88.11 "Partial lipodystrophy".
    assert code(phrase, terminology) == []


@pytest.mark.parametrize(("phrase", "first"), [("chf exacerbation", "I50.9"), ("lower back pain", "M54.50")])
def test_an_expansion_names_its_term_among_the_problems_other_words(terminology, phrase: str, first: str):
    assert code(phrase, terminology, 1)[0].code == first


@pytest.mark.parametrize(("phrase", "first"), [("Right kidney stone", "N20.0"), ("Right ankle sprain", "S93.401"),
                                               ("Bilateral carpal tunnel syndrome", "G56.03")])
def test_a_side_counts_only_against_a_title_with_sides_and_the_same_side_comes_first(terminology, phrase: str, first: str):
    assert code(phrase, terminology, 1)[0].code == first


def test_a_bare_name_said_with_its_side_gets_that_sides_code_of_the_name(terminology):
    # "Acute otitis media NOS" is under H66.9; H65.01 "Acute serous otitis media, right ear" holds every word said
    # but a kind (serous) nobody said.
    assert code("acute otitis media of the right ear", terminology)[0].code == "H66.91"
    assert code("left otitis media", terminology)[0].code == "H66.92"


@pytest.mark.parametrize("phrase", ["right elbow", "left knee", "foot"])
def test_a_body_site_alone_is_no_condition(terminology, phrase: str):
    assert code(phrase, terminology) == []  # not "Other bursitis of elbow, right elbow"
    assert code(f"{phrase} pain", terminology)[0].title.lower().startswith("pain in")


@pytest.mark.parametrize("phrase", ["sprain", "epidural"])
def test_an_injury_said_without_its_site_gets_no_sites_code(terminology, phrase: str):
    assert code(phrase, terminology) == []  # not S23.41 "Sprain of ribs", S06.4X0 "Epidural hemorrhage ..."
    assert code("ankle sprain", terminology)[0].code.startswith("S93.4")
    assert code("concussion", terminology)[0].code.startswith("S06.0")  # the injury's name is its site


def test_bare_names_get_the_code_icd10cm_lists_them_under(terminology):
    # "diabetes NOS" is an inclusion term of E11 (its unspecified code: E11.9); GERD is the reflux of a problem list.
    assert code("diabetes", terminology)[0].code == "E11.9"
    assert code("Diabetes type II", terminology)[0].code == "E11.9"
    assert code("type 2 diabetes", terminology)[0].code == "E11.9"  # no complication named: none coded
    assert code("reflux", terminology)[0].code.startswith("K21")
    assert code("lumbar strain", terminology)[0].code.startswith("S39.01")


@pytest.mark.parametrize(("phrase", "first"), [
    ("plantar fasciitis", "M72.2"),  # an inclusion term of "Plantar fascial fibromatosis"; was no code
    ("acute kidney injury", "N17.9"),  # "Acute kidney injury (nontraumatic)"; was no code
    ("coronary artery disease", "I25.10"),  # "Coronary (artery) disease" under I25.1; was I25.41 Coronary artery aneurysm
    ("epilepsy", "G40.909"),  # not G40.802 through "Other epilepsy NOS"
    ("nausea", "R11.0"),  # "Nausea without vomiting" says no vomiting: nausea and vomiting stays R11.2
    ("nausea and vomiting", "R11.2"),
])
def test_a_problem_icd10cm_lists_as_an_inclusion_term_gets_that_code(terminology, phrase: str, first: str):
    assert code(phrase, terminology)[0].code == first


@pytest.mark.parametrize(("phrase", "first"), [("syncope", "R55"), ("hyponatremia", "E87.1"), ("dizziness", "R42")])
def test_a_title_that_lists_another_condition_beside_the_problem_adds_nothing_to_it(terminology, phrase: str, first: str):
    assert code(phrase, terminology)[0].code == first  # "Syncope and collapse", not R05.4 "Cough syncope"


@pytest.mark.parametrize(("phrase", "first"), [
    ("erectile dysfunction", "N52.9"),  # not N52.1 "... due to diseases classified elsewhere", nor N52.39 postprocedural
    ("diverticulitis", "K57.92"),  # "part unspecified" is no detail: not K57.12, of the small intestine
    ("former smoker", "Z87.891"),  # not Z72.0 Tobacco use
    ("chronic hepatitis c", "B18.2"), ("hepatitis c", "B19.20"),  # not B17.10, acute
    ("mitral regurgitation", "I34.0"), ("peripheral neuropathy", "G62.9"), ("morbid obesity", "E66.01"),
    ("community acquired pneumonia", "J18.9"), ("heart failure with reduced ejection fraction", "I50.2"),
    ("elevated liver enzymes", "R74.01"),
    ("ulcerative colitis", "K51.90"),  # not K51.913 "..., unspecified with fistula": ", unspecified" ends at "with"
    ("alcohol abuse", "F10.10"), ("nicotine dependence", "F17.200"),  # "uncomplicated" is no detail: billable first
    ("poorly controlled hypertension", "I10"), ("uncontrolled diabetes", "E11.65"),  # ICD-10-CM: with hyperglycemia
    ("peripheral artery disease", "I73.9"), ("lung nodule", "R91.1"), ("gallstones", "K80.20"), ("fibroids", "D25.9"),
    ("major depressive disorder", "F32.9"),  # "Major depression NOS": not F33.9, recurrent
    ("autism", "F84.0"),  # not Z13.41 Encounter for autism screening
    ("osteopenia", "M85.8"), ("seasonal allergies", "J30.2"), ("post concussion syndrome", "F07.81"),
    ("breast cancer", "C50.919"),  # ICD-10-CM's default site and sex, not the category C50
    ("invasive ductal carcinoma of the right breast", "C50.911"),  # not C50.A1, inflammatory
    ("ductal carcinoma in situ", "D05.10"), ("dcis of the right breast", "D05.11"),
    ("patellofemoral pain syndrome", "M22.2X"), ("difficulty urinating", "R39.198"),
    ("elevated alkaline phosphatase", "R74.8"), ("abnormal liver enzymes", "R94.5"), ("preoperative clearance", "Z01.818"),
    ("swelling of the right knee", "M25.461"),  # ICD-10-CM: swelling of a joint is its effusion
    ("panic disorder", "F41.0"),  # "Panic disorder [episodic paroxysmal anxiety]": a bracketed synonym is no detail
    ("morton neuroma", "G57.6"), ("skin tag", "L91.8"), ("hypertriglyceridemia", "E78.1"),
    ("tobacco dependence", "F17.200"),  # not F17.220, chewing tobacco
    ("medication refill", "Z76.0"), ("preeclampsia", "O14.90"), ("prenatal visit", "Z34.90"),
    ("vaginal discharge", "N89.8"), ("bacterial vaginosis", "N76.0"), ("low testosterone", "E29.1"),
    ("blurred vision", "H53.8"), ("hand foot and mouth disease", "B08.4"),
    ("developmental delay", "R62.50"),  # not Z13.40, a screening for it
    ("tenosynovitis", "M65.9"),  # the unspecified kind before "Other ...": not M65.80
])
def test_common_problems_get_the_code_the_icd10cm_index_gives_them(terminology, phrase: str, first: str):
    assert code(phrase, terminology)[0].code.startswith(first)


def test_an_injury_code_needs_an_injury_said(terminology):
    assert not code("left rotator cuff tendinitis", terminology)[0].code.startswith("S")  # was S43.422, a sprain
    assert code("left rotator cuff sprain", terminology)[0].code.startswith("S43.42")


def test_a_title_with_the_side_said_but_another_site_is_not_the_problem(terminology):
    # "swelling" reads as "edema", and its side made H05.221 "Edema of right orbit" the code of a swollen knee; a
    # title with no site is not of another site ("Hypoesthesia of skin" for numbness of the hand).
    assert [c.code for c in code("swelling of the right ankle", terminology) if c.code.startswith("H")] == []
    assert code("right hand numbness", terminology)[0].code == "R20.1"  # was H18.811, "... of cornea, right eye"


def test_two_problems_written_as_one_line_are_two(terminology):
    assessment = ("1. HTN and HLD - continue lisinopril and atorvastatin.\n2. Anxiety and depression, stable.\n"
                  "3. Nausea and vomiting.")
    problems = {p.text: p.codes[0].code for p in find_problems([assessment], "", terminology)}
    # "Nausea and vomiting" is one problem, R11.2 Nausea with vomiting: its parts' codes are of one category (R11).
    assert problems == {"HTN": "I10", "HLD": "E78.5", "Anxiety": "F41.9", "depression": "F32.A", "Nausea and vomiting": "R11.2"}


def test_a_condition_said_without_detail_beside_a_problem_whose_code_is_it_is_listed_once(terminology):
    # "heart disease" (I51.9 Heart disease, unspecified) is what I25.10 "Atherosclerotic heart disease of native
    # coronary artery ..." says; the scorer's place goes to another problem.
    text = "For your coronary artery disease, continue aspirin. Your heart disease is stable. For your gout, continue allopurinol."
    listed = find_problems([], "", terminology, dialogue=text, scorer=ProblemScorer({}, 0.0, 0.5, most=2))
    assert [p.codes[0].code[:3] for p in listed] == ["I25", "M10"]


def test_an_acronym_inclusion_term_names_only_a_problem_in_capitals(terminology):
    assert code("PRES", terminology)[0].code == "I67.83"  # posterior reversible encephalopathy syndrome
    assert code("pres", terminology) == []  # a clipped word ("pres-") of talk


def test_a_bare_name_said_in_an_abbreviation_or_lay_words_gets_its_code(terminology):
    # "dm" expands to "diabetes mellitus", listed as "Diabetes NOS" under E11; its search's first billable title
    # was E13.21 "Other specified diabetes mellitus with diabetic nephropathy".
    assert code("dm", terminology)[0].code == "E11.9"
    assert code("sugar diabetes", terminology)[0].code == "E11.9"
    assert code("chf", terminology)[0].code.startswith("I50")
    # Not C17.9 (small intestine) nor C78.00 (secondary, of the lung): "Lung cancer NOS" is under C34.9.
    assert code("non-small cell lung cancer", terminology)[0].code == code("nsclc", terminology)[0].code == "C34.90"


def test_a_name_icd10cm_lists_with_and_without_chronic_gets_the_code_of_what_was_said(terminology):
    # "Bronchitis NOS" is J40, "Chronic bronchitis" J42: read without "chronic" they were one name of two codes.
    assert code("bronchitis", terminology)[0].code == "J40"
    assert code("chronic bronchitis", terminology)[0].code == "J42"
    assert code("chronic back pain", terminology)[0].code == "M54.9"  # no "chronic" name: looked up without it


def test_a_bare_name_gets_its_code_though_the_title_says_it_in_other_words(terminology):
    # "Vertigo NOS" is under R42 "Dizziness and giddiness": a title sharing no word with the name is not left
    # out by the coverage floor for A88.1 "Epidemic vertigo" (a viral disease) to come first.
    assert code("vertigo", terminology)[0].code == "R42"
    assert code("lymphadenopathy", terminology)[0].code == "R59.1"  # not A18.2, tuberculous lymphadenopathy
    assert code("fracture", terminology)[0].code == "T14.8"  # "Fracture NOS": no site, no site's code
    assert code("malignancy", terminology)[0].code == "C80.1"  # "Malignancy unspecified site": not C05.2, of the uvula


def test_a_cut_off_word_gets_no_code_from_a_lone_letter(terminology):
    # The speller used to respell the cut-off "ab-" as "a-b-", and its "b" alone covered every title with a "B".
    assert code("normal ct of the ab- abdomen", terminology) == []


def test_dialogue_candidates_read_through_hesitations_and_know_the_plan(terminology):
    dialogue = ("[doctor] so your knee has been sore ?\n[patient] yes .\n"
                "[doctor] let's talk about my assessment and my plan . for your first problem , i think you have "
                "an acute lumbar , um , strain .")
    texts = {c.problem.text: c for c in problem_candidates([], "", terminology, dialogue=dialogue)}
    assert texts["acute lumbar strain"].problem.codes[0].code.startswith("S39.01")
    assert texts["acute lumbar strain"].features["plan_share"] == 1.0


def test_the_scorer_keeps_at_most_its_number_of_problems_and_a_duplicate_takes_no_place(terminology):
    text = ("For your high blood pressure, continue lisinopril. For your hypertension, check it at home. "
            "For your type two diabetes, continue metformin. For your gout, continue allopurinol.")
    candidates = problem_candidates([], "", terminology, dialogue=text)
    assert {"high blood pressure", "hypertension", "type 2 diabetes", "gout"} <= {c.problem.text for c in candidates}
    two = ProblemScorer({}, 0.0, 0.5, most=2)
    listed = find_problems([], "", terminology, dialogue=text, scorer=two)
    assert len(listed) == 2 and listed[0].codes[0].code == "I10"  # the first and its duplicate, then one more
    assert len(find_problems([], "", terminology, dialogue=text, scorer=KEEP_ALL)) == 3
    done = text + " And I know you've had the kidney transplant."
    listed = find_problems([], "", terminology, dialogue=done, scorer=two)
    assert len(listed) == 3 and "status post kidney transplant" in {p.text for p in listed}  # a state takes no place


def test_history_lists_become_candidates_and_the_scorer_decides(terminology):
    text = ("Martha is a 50-year-old female with a past medical history significant for congestive heart failure, "
            "depression and hypertension who presents today.")
    candidates = {c.problem.text for c in problem_candidates([text], "", terminology, dialogue=text)}
    assert {"congestive heart failure", "depression", "hypertension"} <= candidates
    keep_none = ProblemScorer({}, 0.0, 0.6)
    assert {p.text for p in find_problems([text], "", terminology, dialogue=text, scorer=KEEP_ALL)} >= candidates
    assert find_problems([text], "", terminology, dialogue=text, scorer=keep_none) == []


def test_vocabulary_names_in_the_dialogue_are_candidates(terminology):
    dialogue = ("[doctor] so you have had that kidney stone before ?\n[patient] yes , two years ago .\n"
                "[doctor] okay . your right ankle sprain should heal in a few weeks .")
    texts = {c.problem.text: c for c in problem_candidates([], "", terminology, dialogue=dialogue)}
    assert {"kidney stone", "ankle sprain"} <= set(texts)
    assert texts["kidney stone"].problem.codes[0].code.startswith("N20")
    assert texts["kidney stone"].features["source=term"] == 1.0


def test_a_condition_named_before_test_or_vaccine_words_is_no_problem():
    # "rapid strep test" was a candidate coded A49.1 Streptococcal infection: a test names no problem, its result may.
    assert [c.text for c in problems._terms("We did a rapid strep test and a lyme titer, and you got your flu shot.")] == []
    assert [c.text for c in problems._terms("Your pneumonia is better, and the pneumonia vaccine is due.")] == ["pneumonia"]


def test_a_blood_sugar_check_is_no_diabetes(terminology):
    # "sugar" alone is lay diabetes ("my sugar is fine"); "blood sugar" is blood glucose: "blood sugar check" was
    # E11.21 Type 2 diabetes mellitus with diabetic nephropathy.
    assert not [c for c in code("blood sugar check", terminology) if c.code.startswith("E1")]
    assert code("sugar", terminology)[0].code == "E11.9"


@pytest.mark.parametrize(("sentence", "named"), [("So you have strep throat.", ["strep throat"]),
                                                ("I think you have a sinus infection.", ["sinus infection"]),
                                                ("So you have to come back in a week.", []), ("You have a lot going on.", [])])
def test_a_diagnosis_told_to_the_patient_is_named(sentence: str, named: list[str]):
    assert [c.text for c in _named(sentence)] == named


@pytest.mark.parametrize(("sentence", "procedures"), [
    ("now , i know that you've had the kidney transplant a few years ago .", ["status post kidney transplant"]),
    ("um , and i know that they removed a cataract from your eye .", ["status post cataract removal"]),
    ("and then you had that rotator cuff repaired about eight months ago .", ["status post rotator cuff repair"]),
    ("she's a 36-year-old female post bilateral reduction mammoplasty .", ["status post bilateral reduction mammoplasty"]),
    ("i had a little procedure last year .", []),  # a procedure with no name of what was done
    ("we want you to have this knee surgery this summer .", []),  # not done yet
    ("you had a bad day .", []),
])
def test_procedures_said_as_done_are_candidates_written_as_a_status(sentence, procedures):
    assert [c.text for c in _procedures(sentence)] == procedures


def test_a_procedure_done_is_coded_as_the_state_it_leaves(terminology):
    dialogue = ("[doctor] you have a past medical history significant for a kidney transplant and gout .\n"
                "[doctor] now , i know that you've had the kidney transplant a few years ago .\n"
                "[doctor] and they repaired your rotator cuff last spring .")
    texts = {c.problem.text: c for c in problem_candidates([], "", terminology, dialogue=dialogue)}
    transplant = texts["status post kidney transplant"]  # the history list's "kidney transplant" is the same candidate
    assert "kidney transplant" not in texts
    assert transplant.problem.codes[0].code == "Z94.0"  # Kidney transplant status, not T86.1 Complications of ...
    assert transplant.features["source=dialogue-procedure"] == 1.0 and transplant.features["source=dialogue-listed"] == 1.0
    assert texts["status post rotator cuff repair"].problem.codes[0].code == "Z98.890"  # no state of its own
    assert code("kidney transplant", terminology)[0].code.startswith("T86")  # the procedure itself is unchanged


def test_a_cue_after_the_problem_counts_only_in_its_clause(terminology):
    said = ("Then in terms of your high blood pressure, I know that you and I have kind of battled in the past "
            "with you remembering to take your medications.")
    [problem] = find_problems([said], "", terminology, scorer=KEEP_ALL)
    assert problem.status == "active"
    [problem] = find_problems([], "", terminology, dialogue="She had asthma in the past.", scorer=KEEP_ALL)
    assert (problem.text, problem.status) == ("asthma", "history")


@pytest.mark.parametrize(("dialogue", "status"), [
    # a cue before "and then" does not reach the next problem of a run-on turn
    ("[doctor] i'm not gon na make any changes there and then for your diabetes we'll keep you on the metformin .", "active"),
    ("[patient] i do not have diabetes .", "negated"),
    # a problem said as active at its last mention is active, whatever its first mention was
    ("[patient] my dad had diabetes .\n[doctor] so you do have diabetes too , keep on the metformin .", "active"),
    ("[patient] my dad had diabetes .", "family"),
])
def test_the_status_of_a_spoken_problem(terminology, dialogue, status):
    [problem] = find_problems([], "", terminology, dialogue=dialogue, scorer=KEEP_ALL)
    assert (problem.text, problem.status) == ("diabetes", status)


def test_the_shipped_scorer_loads_and_a_broken_one_is_one_clear_error(tmp_path):
    scorer = shipped_scorer()
    assert 0 < scorer.threshold < 1 and scorer.info["cross_validated"]["recall"] > 0
    path = tmp_path / "problems.json"
    path.write_text(scorer.to_json())
    assert ProblemScorer.load(path) == scorer
    for content in (None, "{not json", '{"format": "other"}', json.dumps({"format": SCORER_FORMAT})):
        path.unlink(missing_ok=True)
        if content is not None:
            path.write_text(content)
        with pytest.raises(RuntimeFailure, match="problem scorer") as error:
            ProblemScorer.load(path)
        assert "reportgen.training.problems" in str(error.value) and "\n" not in str(error.value)
def test_problem_scoring_against_labels():
    labels = {"problems": [{"text": "congestive heart failure", "aliases": ["chf"], "codes": ["I50"]},
                           {"text": "hypertension", "codes": ["I10"]}],
              "also_acceptable": ["knee pain"]}
    icd = lambda c: [Code(system="icd10cm", code=c, title="t", source="test")]  # noqa: E731
    listed = [Problem(text="CHF", codes=icd("I50.9")), Problem(text="Knee pain"), Problem(text="Gout", codes=icd("M10.9")),
              Problem(text="Asthma", status="negated")]
    score = score_problems(listed, labels)
    assert (score.listed, score.correct, score.neutral, score.labelled, score.found, score.first_code_right) == (3, 1, 1, 2, 1, 1)


def test_evaluate_scores_the_problem_list_from_a_label_file(tmp_path):
    from click.testing import CliRunner

    from reportgen import errors
    from reportgen.cli import cli
    from tests.conftest import SAMPLES

    pairs = tmp_path / "pairs.jsonl"
    report = "CHIEF COMPLAINT\nAnnual exam.\n\nASSESSMENT AND PLAN\nCongestive heart failure.\nHypertension.\n"
    pairs.write_text(json.dumps({"id": "D2N001", "note": (SAMPLES / "annual-exam.txt").read_text(), "report": report}) + "\n")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"encounters": {"D2N001": {"problems": [
        {"text": "congestive heart failure", "codes": ["I50"]}, {"text": "hypertension", "codes": ["I10"]}]}}}))
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(pairs), "--problems", str(labels)])
    assert result.exit_code == 0, result.output
    assert "problem_recall" in result.output and "markdown_rouge1" in result.output
    labels.write_text("{not json")
    bad = CliRunner().invoke(cli, ["evaluate", "--data", str(pairs), "--problems", str(labels)])
    assert bad.exit_code == errors.INPUT and "problem labels" in bad.output


def test_codes_are_searched_once_per_terminology_and_phrase(terminology):
    first = code("high blood pressure", terminology)
    again = code("high blood pressure", terminology)
    assert again == first and again[0] is not first[0]  # each report gets its own Code objects
    # Another Terminology on the same index (here without the expander) is not answered from the first one's cache.
    assert code("high blood pressure", Terminology(terminology.index, None)) == []


def test_the_scorers_ceiling_is_the_same_asked_again():
    scorer = ProblemScorer({"status=active": 1.5, "status=negated": -2.0, "letter=R": 0.5, "letter=Z": 0.25}, 0.0, 0.5)
    assert scorer.ceiling(("status=", "letter=")) == scorer.ceiling(["status=", "letter="]) == 2.0
    assert scorer.ceiling(("letter=",)) == 0.5
    assert scorer == ProblemScorer(dict(scorer.weights), 0.0, 0.5)  # the memo is no part of the scorer's value


@pytest.mark.parametrize("sentence", [
    "She has asthma.", "No asthma today.", "Her mother had asthma.", "We need to rule out asthma.", "Asthma, resolved.",
    "Asthma runs in the family.", "There is no history of asthma but a cough.", "Asthma is suspected.", "I think asthma and then the cough.",
    "She cannot have asthma.", "Asthma can't be ruled out.", "The reason is asthma.", "My son's asthma.", "Asthma isn't likely.",
])
def test_a_sentence_without_a_cue_skips_negex_with_the_same_status(sentence, monkeypatch):
    start = sentence.lower().index("asthma")
    candidate = problems._Candidate("asthma", sentence, start, start + len("asthma"), False)
    shortcut = problems._statuses([candidate])
    monkeypatch.setattr(problems, "_cue_text", lambda: re.compile(""))  # a spaCy document of every clause
    monkeypatch.setattr(problems, "_cued", lambda nlp, doc: True)  # NegEx on every sentence
    assert shortcut == problems._statuses([candidate])


@pytest.mark.parametrize(("clause", "cued"), [
    ("she cannot have asthma", True),  # "not": the tokenizer cuts "cannot" into "can" "not"
    ("asthma isn't likely", True), ("my son has asthma", True), ("asthma in the past", True),
    ("the reason is asthma", False), ("a sonogram for asthma", False), ("it is asthma", False),
])
def test_the_cue_text_finds_what_the_negex_matchers_could(clause, cued):
    assert bool(problems._cue_text().search(clause)) is cued


@pytest.mark.parametrize(("phrase", "first"), [("annual exam", "Z00.00"), ("annual physical", "Z00.00"),
                                               ("preop evaluation", "Z01.818"), ("well child visit", "Z00.129")])
def test_a_visit_for_an_examination_is_coded_as_the_encounter(terminology, phrase: str, first: str):
    assert [c.code for c in code(phrase, terminology, 1)] == [first]


def test_wellness_is_a_word_not_a_typo_of_weakness(terminology):
    assert code("wellness visit", terminology, 1) == []  # R53.1 Weakness before; uncoded rather than wrongly coded


@pytest.mark.parametrize(("phrase", "first"), [("flu shot", "Z23"), ("burning when peeing", "R30"), ("low back pain with sciatica", "M54.4")])
def test_everyday_words_for_a_visit_or_a_symptom_get_the_clinical_code(terminology, phrase: str, first: str):
    assert code(phrase, terminology, 1)[0].code.startswith(first)
