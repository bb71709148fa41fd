"""Each clinical recognizer on identifiers it must find and clinical look-alikes it must leave."""

from __future__ import annotations

import pytest

from reportgen.deid.registry import pattern_recognizers
from reportgen.deid.spans import Span, resolve

# The registered recognizers, under short names.
_SHORT = {
    "dates": "ClinicalDateRecognizer",
    "ages": "AgeOver89Recognizer",
    "phones": "ClinicalPhoneRecognizer",
    "ids": "MedicalRecordNumberRecognizer",
    "titled": "TitledNameRecognizer",
    "weak titled": "WeakTitledNameRecognizer",
    "informed": "InformedNameRecognizer",
    "places": "GeneralPlaceRecognizer",
    "signed": "SignedNameRecognizer",
    "initialed": "InitialedNameRecognizer",
    "lower initialed": "LowerInitialedNameRecognizer",
    "relatives": "RelativeNameRecognizer",
    "roles": "RoleNameRecognizer",
    "place acronyms": "PlaceAcronymRecognizer",
    "addressed": "AddressedNameRecognizer",
    "greeted": "GreetedNameRecognizer",
    "casual": "CasualNameRecognizer",
    "dictated": "DictatedNameRecognizer",
    "transcript titled": "TranscriptTitledNameRecognizer",
    "facilities": "FacilityRecognizer",
    "transfers": "TransferPlaceRecognizer",
    "named places": "NamedPlaceRecognizer",
    "home places": "HomePlaceRecognizer",
    "place phrases": "PlacePhraseRecognizer",
    "employers": "EmployerRecognizer",
    "regions": "RegionRecognizer",
    "counties": "CountyRecognizer",
    "emails": "EmailRecognizer",
    "zips": "ZipCodeRecognizer",
    "signature initials": "SignatureInitialsRecognizer",
    "urls": "StrictUrlRecognizer",
    "ssns": "SsnRecognizer",
    "addresses": "StreetAddressRecognizer",
}
_BY_NAME = {r.name: r for r in pattern_recognizers()}
RECOGNIZERS = {short: _BY_NAME[name] for short, name in _SHORT.items()}


def found(name: str, text: str) -> list[str]:
    """What the recognizer reports, overlaps resolved as the engine does."""
    spans = [Span.from_result(r) for r in RECOGNIZERS[name].analyze(text, [])]
    return [text[s.start : s.end] for s in resolve(spans, text)]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("dates", "7/22 FOUND BY HUSBAND ON FLOOR", ["7/22"]),
        ("dates", "admitted 11/21/93 from home", ["11/21/93"]),
        ("dates", "s/p bil mastectomies 11/92, AVR 8/88", ["11/92", "8/88"]),
        ("dates", "seen on January 5th, 1998 and 5 Jan 98", ["January 5th, 1998", "5 Jan 98"]),
        ("dates", "CABG '92, S/P MI 1992", ["'92", "1992"]),
        ("dates", "PMH: MI 92", ["92"]),
        ("dates", "home for Christmas", ["Christmas"]),
        ("dates", "cultures drawn on the 11th", ["11th"]),
        ("dates", "am labs on10/14/82; 1->2 nov, 96", ["10/14/82", "2 nov, 96"]),
        ("dates", "HAD TREATMENTS 10/03/10/04; returned to OR on 7-8 for coiling", ["10/03/10/04", "7-8"]),
        ("ages", "91 yo female", ["91"]),
        ("ages", "a 102 year old man; age 95", ["102", "95"]),
        ("ages", "MICU NPN:\n98 s/p left hip fx", ["98"]),
        ("phones", "call 301 944-5032 or (410) 555-1234", ["301 944-5032", "(410) 555-1234"]),
        ("phones", "Pager: #54321, beeper number 55037", ["54321", "55037"]),
        ("phones", "both visited today.(301 273 45166)", ["(301 273 45166)"]),
        ("ids", "MRN: 1234567, acct # 99-88776", ["1234567", "99-88776"]),
        ("ids", "medical record number is 48213377 . account number was 5512-0098", ["48213377", "5512-0098"]),
        ("ids", "(ref # 8336652), per hospital policy #rg17", ["8336652", "rg17"]),
        ("titled", "discussed with Dr. Smith and dr healey", ["Smith", "healey"]),
        ("titled", "DRS JOSEPH AND ROBBINSON AWARE", ["JOSEPH", "ROBBINSON"]),
        ("titled", "mrs cohen is a nice woman", ["cohen"]),
        # surnames that are rare words, or clinical ones, after a strong title
        ("titled", "dr. pica aware; Dr Ferdinand Halfpenny and dr. o'halloran", ["pica", "Ferdinand Halfpenny", "o'halloran"]),
        ("titled", "Orders signed on chart by Dr. Art White.", ["Art White"]),
        ("weak titled", "NP Carol Smith in to see pt; MS SANTANGELO HEALTH CARE", ["Carol Smith", "SANTANGELO"]),
        ("informed", "BIGEMINY. W. MAROTTA AWARE. HOUSE STAFF mary souza aware", ["W", "MAROTTA", "mary souza"]),
        ("informed", "LINDSEY CARDARELLI CALLED TO BEDSIDE", ["LINDSEY CARDARELLI"]),
        ("informed", "BEA TURA AND DRS JOSEPH AND ROBBINSON AWARE", ["BEA TURA"]),
        ("places", "lives in Towson; vacationing in Daytona Beach; job in BEL AIR; from baltimore", ["Towson", "Daytona Beach", "BEL AIR", "baltimore"]),
        ("signed", "ABG sent. Nancy Jones, RN", ["Nancy Jones"]),
        ("initialed", "PER W. MAROTTA", ["MAROTTA", "W"]),
        ("lower initialed", "nsg (d. renna and j. o'brien) verified", ["d", "renna", "j", "o'brien"]),
        ("signed", "ALL IS WELL AT THIS TIME. Q. LANDER RRT", ["Q", "LANDER"]),
        ("signed", "florencia cooke np into eval. pat rixford licsw", ["florencia cooke", "pat rixford"]),
        ("relatives", "SOCIAL: DAUGHTER-KRISSY called", ["KRISSY"]),
        ("relatives", "wife, Carol B. at bedside", ["Carol B."]),
        ("relatives", "son bill called", ["bill"]),
        ("relatives", "Lopie Certusi cell# 410-322-1419; Hank Przybylo (son)", ["Lopie Certusi", "Hank Przybylo"]),
        ("relatives", "social: bob visited; Son, Ed, was updated; proxy is grandaughter: Irene", ["bob", "Ed", "Irene"]),
        # a rejected word may itself be the cue: the search starts again from it
        ("relatives", "DR BOYLE SPOKE TO DAUGHTER PHILOMENA FOR CONSENT", ["PHILOMENA"]),
        ("facilities", "TRANSFER FROM CALVERT HOSPITAL", ["CALVERT HOSPITAL"]),
        ("facilities", "to sacred heart hospital; per U Maryland scale", ["sacred heart", "U Maryland"]),
        ("facilities", "TRANSFERED FROM MEMORIAL HOSPITAL; TAKEN TO CALVERT GENERAL", ["MEMORIAL HOSPITAL", "CALVERT GENERAL"]),
        ("facilities", "return to St Mary's after weaning", ["St Mary's"]),
        ("place acronyms", "transferred to GH for cath; admitted from GBMC", ["GH", "GBMC"]),
        ("place acronyms", "found unresponsive-> GH EW today; seen in the BMC ED", ["GH", "BMC"]),
        ("places", "BAltimore reconsult; lives in ANnapolis", ["BAltimore", "ANnapolis"]),  # the shift key held too long
        ("places", "Lives in Walled Lake with her son; from Mount Joy", ["Walled Lake", "Mount Joy"]),
        ("transfers", "moved here from Boise, ID; cousin in Salem, OR; old records from TULSA, OKLAHOMA", ["Boise", "Salem", "TULSA"]),
        ("transfers", "will transfer to Farr4; to O'Neil-Hart 7B; TO SMITH-JONES 3A", ["Farr", "O'Neil-Hart", "SMITH-JONES"]),
        ("facilities", "from Cornerstone Heart Institute; at Lakeside Cancer Center", ["Cornerstone Heart Institute", "Lakeside Cancer Center"]),
        ("facilities", "insulin per U Kentucky scale; UNIVERSITY OF OREGON", ["U Kentucky", "UNIVERSITY OF OREGON"]),
        ("phones", "fax 1-349-319-5951, office 577/7887188, cell 385-9226905", ["1-349-319-5951", "577/7887188", "385-9226905"]),
        ("phones", "page Dr. Cole at pgr 9-4904; beeper 3329219", ["9-4904", "3329219"]),
        ("roles", "per Douglass; attending Saeed; spoke with suzette; MET W/ CASEWORKER LEONA", ["Douglass", "Saeed", "suzette", "LEONA"]),
        ("transfers", "TRANSFER QUARTERMAIN 2. belongings found from quartermain 5.", ["QUARTERMAIN", "quartermain"]),
        ("transfers", "old records from ANNAPOLIS, MD", ["ANNAPOLIS"]),
        ("emails", "mail j.doe@example.org today", ["j.doe@example.org"]),
        ("urls", "see https://example.org/x", ["https://example.org/x"]),
        ("ssns", "SSN 123-45-6789", ["123-45-6789"]),
        ("addresses", "lives at 19 Clover St. in Lansdowne", ["19 Clover St."]),
        ("named places", "had a transplant at Holy Cross; went to Harbor", ["Holy Cross", "Harbor"]),
        ("ids", "BCBS member ID XJH123456789, group number 00123; Medicaid # 12345678", ["XJH123456789", "00123", "12345678"]),
        ("ids", "accession # S23-4567; specimen number SP-22-001234; path # 12-3456", ["S23-4567", "SP-22-001234", "12-3456"]),
        ("zips", "zip code 21201; Baltimore, MD 21230-1234", ["21201", "21230-1234"]),
        ("addresses", "lives on Maple Street with his wife; near Elm Avenue", ["Maple Street", "Elm Avenue"]),
        ("signature initials", "Dictated, not read.\nWF/jk\nJTB:mlw", ["WF", "jk", "JTB", "mlw"]),
        # towns that are also words, in any case, after where someone lives or comes from
        ("home places", "104 YO WOMAN FROM VERMILLION. Pt lives in Fife with her daughter", ["VERMILLION", "Fife"]),
        ("home places", "LIVES WITH SON IN ROCKVILLE; is originally from AMERICAN FORK", ["ROCKVILLE", "AMERICAN FORK"]),
        ("home places", "Nephew, Neil Meitz of Towson visited; sister called from Seattle; lives nearby in rockport", ["Towson", "Seattle", "rockport"]),
        ("home places", "lives in town with her son who lives in glen burnie", ["glen burnie"]),  # the next cue after a rejected run
        ("place phrases", "DAUGHTER DROVE IN FROM SILVER SPRING; records sent to grand rapids", ["SILVER SPRING", "grand rapids"]),
        ("home places", "FAMILY DRIVING IN FROM PHILADELPHIA", ["PHILADELPHIA"]),  # a proper noun of "Philadelphia chromosome"
        ("facilities", "pt was at harbor hospital last week", ["harbor"]),
        ("facilities", "Pt admitted from MD Hospital at 1900; sent to VIRGINIA HOSPITAL", ["MD Hospital", "VIRGINIA HOSPITAL"]),
        ("employers", "HUSBAND CEO OF IBM. WORKS AS A NURSE AT GOMEZ-MORGAN; employed by Duncan-Parker", ["IBM", "GOMEZ-MORGAN", "Duncan-Parker"]),
        ("employers", "son runs Halvorsen Logistics Corp.; daughter works in Cruz and Sons", ["Halvorsen Logistics", "Cruz"]),
        ("employers", "RETIRED FROM YORK LTD IN 1995. EMPLOYED BY HORTON LLC. RETIRED FROM MILLS-BENTON IN 88", ["YORK", "HORTON", "MILLS-BENTON"]),
        ("regions", "FAMILY ARRIVED FROM THE EASTERN SHORE; radiation planning on North Campus", ["EASTERN SHORE", "North Campus"]),
        ("addresses", "LIVES AT 8713 JONES RD.; 6171 LONG AVENUE", ["8713 JONES RD.", "6171 LONG AVENUE"]),  # surnames the vocabularies hold
        ("transfers", "plan: QUARTERMAIN 2 this am; VS ON REISMAN 4 WITH HR 50; awaiting Farr 3", ["QUARTERMAIN", "REISMAN", "Farr"]),
        ("facilities", "LIVES AT KEELEY HOUSE; student at Goucher College; rehab at Brightview Assisted Living", ["KEELEY", "Goucher", "Brightview"]),
        ("counties", "lives in Harford County; ANNE ARUNDEL COUNTY; Orange County", ["Harford", "ANNE ARUNDEL", "Orange"]),
        ("addresses", "accident on Route 9; MVA ON I-95; RTE 128", ["Route 9", "I-95", "RTE 128"]),
        ("titled", "Seen by Dr. McCoy; DR. MCDONALD aware", ["McCoy", "MCDONALD"]),
        ("titled", "Dr. o rourke and Dr. O Brien in room; seen by Dr. de la Cruz", ["o rourke", "O Brien", "de la Cruz"]),
        ("relatives", "Daughter DeAnn called", ["DeAnn"]),
        ("places", "Born 3/19 in McConnellstown, RI", ["McConnellstown"]),
        # in capitals, an English word no clinician's word names a facility
        ("facilities", "TRANSFERRED FROM PINE RIDGE NURSING HOME. ADMITTED FROM CORNERSTONE REHAB", ["PINE RIDGE NURSING HOME", "CORNERSTONE REHAB"]),
    ],
)
def test_finds(name: str, text: str, expected: list[str]):
    assert sorted(found(name, text)) == sorted(expected)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("dates", "BP 120/80, ABG 7.40/35/64/22"),
        ("dates", "PSV 10/5 overnight, CPAP 5/5"),
        ("dates", "1 1/2 hrs in chair, 1/2 NS at 100"),
        ("dates", "AT 2000 GIVEN 2000 MG; shift 1900-0700"),
        ("dates", "5th ICS, may need more"),
        ("dates", "on 2-3 L NC, on 1-2 mg/hr"),
        ("ages", "HR 95, SBP 92, 90% sat\nO2 sat 98 with suctioning"),
        ("phones", "ABG 7.35/45/80/24; K 3.9"),
        ("ids", "units 4, Hct 28.7"),
        ("titled", "DR AWARE. MD notified. dr. updated family"),
        ("titled", "dr. o see; Dr. O. aware"),
        ("titled", "MS CHANGES, MR 2+, PA LINE, RN AWARE"),
        ("weak titled", "98% on 4L NP. Lungs clear. 3+ MR. Given lasix. nurse updated. MS INTACT, MR MILD"),
        ("informed", "HOUSE OFFICER AWARE. team aware, ex-wife aware, neuro-surg aware, MD notified. PT AND FAMILY AWARE"),
        ("places", "Quinton cath in place, LIMA to LAD, hope to wean, Harbor view"),
        ("signed", "PVC'S. BP STABLE, ABD SOFT, PT RESTING. pt seen by np. ok per rn"),
        ("initialed", "A/P. Continue lasix. O. VIGOROUS SUCTIONING"),
        ("lower initialed", "cx grew e. coli and p. aeruginosa; s. tachypnic, o. pt resting"),
        ("relatives", "HUSBAND ON FLOOR. son called, per protocol, per MD. pt called out. family visited. DAUGHTER AND SON CALLED"),
        ("relatives", "Home# 603-960-5357, Office 410-164-4517, Pager (son)"),
        # role cues take only names: not services, sliding scales or staff
        ("roles", "per pulm team; insulin per ss; per SS; I SPOKE WITH HOUSE STAFF; nt sxn per rt"),
        ("dates", "placed on 1st step mattress; on 2nd cpap trial"),
        # abbreviations cut short after "to" are no place ("TITRATED TO ADEQ SEDATION", "CONT TO INC")
        ("place acronyms", "TITRATED TO ADEQ SEDATION. DOPA TO MAINT BP. CONT TO INC. IN TO EVAL PT. ICU TO OR"),
        ("place acronyms", "CT ED visit; ICU ER; sent to ED; MD ER; PT ED; OSH ED; VS ER"),
        ("places", "Heart Rate and Blood Pressure stable; the walled lake; GREEN VALLEY NOTED"),
        ("transfers", "CABG, MVR, MI in '81; ABD SOFT, NT,ND; OOB to commodex3; to dilaudid 2 mg; transferred to bed 2"),
        ("phones", "BP 120/80, I/O 1200/1500, shift 0700-1900, ABG 7.35/45/80/24, plt 150000"),
        ("places", "SHe presents; ABd soft; NGtube placed; ETtube secured"),
        ("facilities", "to cardiac rehab; the hospital; transfer to rehab; AWAITING REHAB; 1 ST DEGREE AVB"),
        ("facilities", "TO PHYSICAL REHAB; DRUG REHAB; STROKE REHAB; NEAREST HOSPITAL; DETOX REHAB; SHORT TERM REHAB; MILITARY HOSPITAL"),
        ("transfers", "transferred to ICU, sent to floor, went to OR, in NSR, at MN"),
        ("transfers", "from peep 5 to goal 10; to dilaudid 2 mg"),
        ("facilities", "Paged House Officer; CALLED HOUSE OFFICER; Written for Regular House Diet; community college"),
        ("facilities", "TO VA HOSPITAL; from OR ICU; to ED"),
        ("counties", "the county; county hospital; In County"),
        ("addresses", "given I-131; rt 2 mg; RT 20; en route to CT"),
        ("transfers", "titrated per fingersticks 1-2u/hr; She is on Trizivir 1 tablet; on propofol 20; at goal 60; per protocol 2"),
        ("transfers", "i was going to bend down; seen by ent; followed by amio load; returned to cs trach mask"),
        ("named places", "went to Cath Lab, back to Floor, at Lasix drip"),
        ("ids", "lab # 5 ok; sample was clotted; specimen sent; member of the team; plan is to start 40 mg"),
        ("zips", "MD 10 mg; PA 20000 units; CT 12345 mg; zip it"),
        ("addresses", "on the floor; on Lasix Drive"),
        ("home places", "pt came from home; came from rehab; is in normal sinus rhythm; lives alone in apartment; son in law at bedside"),
        ("home places", "family from out of town; lives in assisted living; moved to floor; woman from OSH"),
        ("place phrases", "sats in ninety six percent; in the morning; in good spirits; Heart Rate and Blood Pressure stable"),
        ("employers", "PROPOFOL INC TO 30; works at home; retired from teaching; works for the State; blood group A; support group"),
        ("regions", "lower end of normal; the east side of the bed; central mass; north of the incision"),
        ("signature initials", "Give IV/po; PRN/qd; N/V; ABG/pH"),
        ("urls", "on 2L o2, a&o x3"),
        ("emails", "NC 2L, sat 98%"),
    ],
)
def test_leaves_clinical_look_alikes(name: str, text: str):
    assert found(name, text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[doctor] hey diana it's good to see you", ["diana"]),
        ("[doctor] hi kyle how are you today", ["kyle"]),
        ("[doctor] hi teresa what's going on", ["teresa"]),
        ("[doctor] okay raymond it looks like you've been having some", ["raymond"]),
        ("so logan is a 58 year old male", ["logan"]),
        ("louis is a 58-year-old male here for follow up", ["louis"]),
        ("this is christina franco, pleasant 65-year-old", ["christina franco"]),
        ("[doctor] next patient is christine hernandez , uh , date of birth is", ["christine hernandez"]),
        ("[doctor] patient , bruce ward . date of birth 1/1/50", ["bruce ward"]),
        ("okay how about any problems with karen's sleep", ["karen"]),
        ("[doctor] hey gabriel i'm doctor scott good to see you today", ["gabriel", "scott good"]),
        # look-alikes in transcripts: ordinary words and the dictation assistant's name
        ("hey, will you sit down for me", []),
        ("hi there , thanks so much . okay so what brings you in", []),
        ("hey buddy , so will you lie back", []),
        ("so pain is a 7 out of 10", []),
        ("so this is a 5 year old problem", []),
        ("thank you doctor. the doctor said it's fine", []),
        ("tell him his doctor tell him i said it", []),  # a verb after "doctor" is no first name
        ("and the doctor told me to rest", []),
        ("hey dragon, show me the x-ray", []),
        ("the patient is a 45-year-old male . date of birth is", []),
        ("let's check the patient's sugar", []),
    ],
)
def test_names_in_lower_case_transcripts(text: str, expected: list[str]):
    kinds = ("addressed", "greeted", "casual", "dictated", "transcript titled")
    spans = [Span.from_result(r) for kind in kinds for r in RECOGNIZERS[kind].analyze(text, [])]
    assert sorted(text[s.start : s.end] for s in resolve(spans, text)) == sorted(expected)


def test_every_pattern_is_named_once_per_recognizer():
    for recognizer in _BY_NAME.values():
        names = [p.name for p in recognizer.patterns]
        assert all(names) and len(names) == len(set(names)), recognizer.name


def test_the_audit_names_the_recognizer_and_the_pattern(deid):
    result = deid("tag").deidentify("Seen by Dr. Smith on 7/22/93.")
    fired = {(a["recognizer"], a["pattern"]) for a in result.audit}
    assert ("TitledNameRecognizer", "title and name") in fired
    assert ("ClinicalDateRecognizer", "month/day/year") in fired


def test_a_listed_name_removes_its_words_too():
    from reportgen.deid.registry import site_list_recognizers

    recognizer = site_list_recognizers({"PERSON": ["Bruce Ward"]})[0]
    text = "[doctor] hello , mr . ward . bruce , how are you ? Ward. WARD. Bruce Ward. Transferred to the ward."
    spans = resolve([Span.from_result(r) for r in recognizer.analyze(text, [])], text)
    assert [text[s.start : s.end] for s in spans] == ["ward", "bruce", "Ward", "WARD", "Bruce Ward"]
