"""The draft checker: personal data blocks a post, plain-language problems warn.

Pure functions, no database: each case is a draft an officer might write.
"""

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from incidents.checks import JARGON, LIMITS, CheckResult, Finding, check_text, fit_to_limit, measure, reading_grade

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man, woman, girl joined by ZWJ: one grapheme
URL = "https://openblotter.org/p/2024/a-very-long-permalink-slug-for-this-post"


def codes(result: CheckResult) -> set[str]:
    return {finding.code for finding in result.findings}


def spans(text: str, result: CheckResult, code: str) -> list[str]:
    return [text[f.start : f.end] for f in result.findings if f.code == code]


# --------------------------------------------------------------------------
# Personal data: (draft, expected code, the text the finding must point at)
# --------------------------------------------------------------------------

PERSONAL_DATA = [
    # US phones
    ("Call her at (212) 555-0142 for details.", "pii.phone", "(212) 555-0142"),
    ("The owner, 212-555-0142, was told.", "pii.phone", "212-555-0142"),
    ("Reach him at 212.555.0142 today.", "pii.phone", "212.555.0142"),
    ("His number is +1 212 555 0142.", "pii.phone", "+1 212 555 0142"),
    ("Call 2125550142 for more.", "pii.phone", "2125550142"),
    ("2125550142 is the number.", "pii.phone", "2125550142"),
    ("Call 555-0142 after 5 pm.", "pii.phone", "555-0142"),
    ("Call 212-555-0142 ext. 12 for the desk.", "pii.phone", "212-555-0142 ext. 12"),
    ("Dial 2 1 2 5 5 5 0 1 4 2 now.", "pii.phone", "2 1 2 5 5 5 0 1 4 2"),
    ("Call 1-800-555-0199 to claim it.", "pii.phone", "1-800-555-0199"),
    ("Call (212)555-0142 please.", "pii.phone", "(212)555-0142"),
    # UK phones
    ("Ring +44 20 7946 0958 for the shop.", "pii.phone", "+44 20 7946 0958"),
    ("Ring 020 7946 0958 for the shop.", "pii.phone", "020 7946 0958"),
    ("Her mobile is 07700 900123.", "pii.phone", "07700 900123"),
    ("Her mobile is +44 7700 900123.", "pii.phone", "+44 7700 900123"),
    ("Ring +44 (0)20 7946 0958 today.", "pii.phone", "+44 (0)20 7946 0958"),
    # Email
    ("Email maria.g@example.com for the form.", "pii.email", "maria.g@example.com"),
    ("Contact J_Smith+tips@mail.example.org today.", "pii.email", "J_Smith+tips@mail.example.org"),
    ("Write to maria [at] example [dot] com.", "pii.email", "maria [at] example [dot] com"),
    # House-number addresses and units
    ("Officers went to 123 Main St after the call.", "pii.address", "123 Main St"),
    ("The bike was found at 45 W 42nd Street.", "pii.address", "45 W 42nd Street"),
    ("A crowd gathered at 1600 Pennsylvania Avenue.", "pii.address", "1600 Pennsylvania Avenue"),
    ("The dog lives at 12B Elm Rd with its owner.", "pii.address", "12B Elm Rd"),
    ("Music came from 77 Harbor Boulevard last night.", "pii.address", "77 Harbor Boulevard"),
    ("He lives at 221B Baker Street.", "pii.address", "221B Baker Street"),
    ("Officers checked 9 Oak Ct, Apt 4B and left.", "pii.address", "9 Oak Ct, Apt 4B"),
    ("The leak was in Apt 4B on the top floor.", "pii.address", "Apt 4B"),
    ("Officers knocked on apartment 12 twice.", "pii.address", "apartment 12"),
    ("The shop at 1400 Broadway reopened.", "pii.address", "1400 Broadway"),
    ("Officers went to 350 main st for the call.", "pii.address", "350 main st"),
    # Licence plates
    ("A car with plate ABC-1234 was towed.", "pii.plate", "ABC-1234"),
    ("A car, ABC 1234, was towed.", "pii.plate", "ABC 1234"),
    ("The car 7ABC123 was returned.", "pii.plate", "7ABC123"),
    ("The van AB12 CDE was returned.", "pii.plate", "AB12 CDE"),
    ("Officers found tag number XYZ987 on the lot.", "pii.plate", "XYZ987"),
    ("The licence plate is 4GHJ29 and it was stolen.", "pii.plate", "4GHJ29"),
    ("A blue sedan, 746GUZ, was found.", "pii.plate", "746GUZ"),
    # Dates of birth
    ("The man, DOB 01/02/1990, was released.", "pii.dob", "DOB 01/02/1990"),
    ("The driver was born 3/4/85 in Ohio.", "pii.dob", "born 3/4/85"),
    ("Date of birth: 12 March 1990.", "pii.dob", "Date of birth: 12 March 1990"),
    ("She was born on March 12, 1990 in town.", "pii.dob", "born on March 12, 1990"),
    ("The teen (d.o.b. 1/2/2008) went home.", "pii.dob", "d.o.b. 1/2/2008"),
    ("The man seen on 4/12/1979 was released.", "pii.dob", "4/12/1979"),
    # ID-like numbers
    ("His SSN 123-45-6789 was on the card.", "pii.id_number", "123-45-6789"),
    ("A card with ID 12345678 was handed in.", "pii.id_number", "12345678"),
    ("The man, NYSID 1234567A, was released.", "pii.id_number", "1234567A"),
    ("Case #2024-00123 is closed.", "pii.id_number", "#2024-00123"),
    ("See report #12345678 for details.", "pii.id_number", "#12345678"),
    ("The passport number was 123456789.", "pii.id_number", "123456789"),
    ("Driver's license D1234567 was returned.", "pii.id_number", "D1234567"),
    ("His NI number is AB 12 34 56 C.", "pii.id_number", "AB 12 34 56 C"),
    ("The record 20240311778 was sent.", "pii.id_number", "20240311778"),
]


@pytest.mark.parametrize(("text", "code", "offending"), PERSONAL_DATA)
def test_it_blocks_personal_data(text, code, offending):
    result = check_text(text)

    assert result.ok is False
    assert offending in spans(text, result, code), result.findings
    finding = next(f for f in result.findings if f.code == code)
    assert finding.severity == "block"
    assert finding.message and finding.suggestion


def test_it_suggests_the_block_instead_of_the_house_number():
    text = "Officers went to 123 Main St and 45 W 42nd Street and 1600 Pennsylvania Avenue."
    suggestions = [f.suggestion for f in check_text(text).findings if f.code == "pii.address"]

    assert suggestions == [
        'Give the block, not the house: write "100 block of Main St".',
        'Give the block, not the house: write "0 block of W 42nd Street".',
        'Give the block, not the house: write "1600 block of Pennsylvania Avenue".',
    ]


# --------------------------------------------------------------------------
# Ordinary drafts that must go through
# --------------------------------------------------------------------------

CLEAN = [
    "Officers went to the 200 block of Main St after a noise report.",
    "Officers checked the 100 block of W 42nd St.",
    "A crash at Main St and 5th Ave was cleared.",
    "The store at 5th Ave and 42nd St reopened.",
    "Officers arrived at 2:30 pm and the music stopped.",
    "We got there at 9 am and left by 10:15 am.",
    "On March 12 officers spoke with the owner.",
    "The event on 11/20 went well.",
    "In 2024 there were fewer noise calls.",
    "Between 2019 and 2024 calls fell by 12%.",
    "3 cars were towed from the lot.",
    "5 officers went to Oak Ave to help.",
    "2 people on Main St were helped.",
    "If someone is in danger, call 911.",
    "Call 311 to report noise.",
    "We use 9-1-1 for emergencies only.",
    "The repair cost was $1,250.00 in total.",
    "Calls fell from 1,200 to 900 this year.",
    "The 900-1000 block of Elm St was closed for 2 hours.",
    "The 1200 block of Broadway was quiet.",
    "A 34-year-old man got a ticket on Jan 3, 2024.",
    "The NYPD helped. Follow @nypd@mastodon.social for news.",
    "See nyc.gov/311 and https://example.org/reports/12345678 for more.",
    "Route 66 Highway was closed for 2 hours.",
    "The COVID-19 rules ended in 2022.",
    "A gray SUV left the area. Visit NYC311 online.",
    "The owner turned the music down. No one was hurt.",
    "Officers talked to 12 neighbors at 3 pm on Tuesday.",
    "The court date is 12/03/2024.",
    "A 2019 Honda Civic was found and returned.",
    "Unit 5 officers helped. The unit left at 4 pm.",
    "The flat tire was fixed.",
    "Sgt. Diaz and Lt. Park spoke to the owner.",
    "Officers gave out 250 flyers in 20 minutes.",
    "The ticket was $75 and the fine was paid.",
    "Officers helped Route 9 traffic at exit 12.",
    "The FY2024 report is out. Delays on US-101 and SR-520 are over.",
    "Officers from PS 123 and JHS 45 helped at the fair.",
    "The M15 and Bx12 buses were late.",
    "Call 1-800-577-TIPS or text TIP577 with information.",
    "The 24HRS sign at the corner store was fixed.",
    "The game ended 3-2 and fans went home.",
    "The lost iPhone 15 was returned to its owner.",
    "He was born in 1990 and moved here in 2015.",
    "Officers closed W 34th St between 7th and 8th Ave from 9 am to 5 pm.",
    "",
]


@pytest.mark.parametrize("text", CLEAN)
def test_it_passes_ordinary_drafts(text):
    result = check_text(text)

    assert result.ok is True, result.findings
    assert not [f for f in result.findings if f.code.startswith("pii.")]


# --------------------------------------------------------------------------
# Private values from the report
# --------------------------------------------------------------------------

PRIVATE = [
    ("Officers spoke with Maria Gonzalez about it.", ["Maria Gonzalez"], "Maria Gonzalez"),
    ("Officers spoke with Ms. Gonzalez about it.", ["Maria Gonzalez"], "Ms. Gonzalez"),
    ("Officers thanked Maria for calling.", ["Maria Gonzalez"], "Maria"),
    ("Officers thanked maria   GONZALEZ for calling.", ["Maria Gonzalez"], "maria   GONZALEZ"),
    ("Officers thanked Jose Perez.", ["José Pérez"], "Jose Perez"),
    ("Officers helped O'Brien today.", ["Sean O'Brien"], "O'Brien"),
    ("Call 212 555 0142 for info.", ["(212) 555-0142"], "212 555 0142"),
    ("Call +1 (212) 555-0142 for info.", ["212-555-0142"], "+1 (212) 555-0142"),
    ("Call 555-0142 for info.", ["212-555-0142"], "555-0142"),
    ("Text +44 7700 900123 instead.", ["07700 900123"], "+44 7700 900123"),
    ("Email MARIA.G@example.com now.", ["maria.g@example.com"], "MARIA.G@example.com"),
    ("Officers went to 123 Main Street, Apt 4B.", ["123 Main St., Apt 4B"], "123 Main Street, Apt 4B"),
    ("Rose called police at 3 pm.", ["Rose"], "Rose"),
]


@pytest.mark.parametrize(("text", "values", "offending"), PRIVATE)
def test_it_blocks_private_details_of_the_report(text, values, offending):
    result = check_text(text, private_values=values)

    assert result.ok is False
    assert spans(text, result, "pii.private_value") == [offending]
    finding = next(f for f in result.findings if f.code == "pii.private_value")
    assert finding.message == "This matches a private detail of the report."


PRIVATE_BUT_HARMLESS = [
    ("A brown car and a white van left.", ["Jack Brown", "Betty White", "Van Nguyen"]),
    ("The rose garden was quiet.", ["Rose"]),
    ("The hill was steep and icy.", ["Rose Hill"]),
    ("Officers went to the 100 block of Main Street.", ["123 Main Street"]),
    ("Officers spoke with the owner.", ["", "   ", "x"]),
]


@pytest.mark.parametrize(("text", "values"), PRIVATE_BUT_HARMLESS)
def test_it_ignores_common_words_inside_private_values(text, values):
    assert check_text(text, private_values=values).ok is True


def test_it_reports_a_private_phone_once_not_also_as_a_phone():
    text = "Call 212-555-0142 now."
    result = check_text(text, private_values=["2125550142"])

    assert [(f.code, text[f.start : f.end]) for f in result.findings] == [("pii.private_value", "212-555-0142")]


# --------------------------------------------------------------------------
# Plain language
# --------------------------------------------------------------------------

JARGON_CASES = [
    ("The man was apprehended at noon.", "apprehended", "arrested"),
    ("The perpetrator ran off.", "perpetrator", "suspect"),
    ("He got into the vehicle and left.", "vehicle", "car"),
    ("Officers broke up an altercation.", "altercation", "fight"),
    ("The RMP was parked outside.", "RMP", "police car"),
    ("An EDP was helped by staff.", "EDP", "person in crisis"),
    ("Officers proceeded to the park.", "proceeded to", "went to"),
    ("It happened during the midnight tour.", "midnight tour", "overnight shift"),
    ("Officers responded to the location quickly.", "responded to the location", "went there"),
    ("No arrests were made at this time.", "at this time", "now"),
    ("An individual was seen running.", "individual", "person"),
    ("The male left on foot.", "male", "man"),
    ("The complainant was thanked.", "complainant", "the person who reported it"),
    ("Officers canvassed the area.", "canvassed", "searched"),
    ("He exited the vehicle slowly.", "exited the vehicle", "got out of the car"),
    ("Officers found narcotics in the bag.", "narcotics", "drugs"),
    ("Officers observed a broken window.", "observed", "saw"),
    ("He was in possession of a knife.", "in possession of", "had"),
    ("The K9 unit searched the yard.", "K9", "police dog"),
    ("EMS took him to the hospital.", "EMS", "ambulance"),
    ("The firearm was made safe.", "firearm", "gun"),
    ("She got a summons for the noise.", "summons", "ticket"),
    ("It ended prior to midnight.", "prior to", "before"),
    ("Officers searched the vicinity.", "vicinity", "area"),
    ("A 10-13 came over the radio.", "10-13", "an officer needed help"),
]


@pytest.mark.parametrize(("text", "term", "plain"), JARGON_CASES)
def test_it_warns_about_police_jargon(text, term, plain):
    result = check_text(text)
    finding = next(f for f in result.findings if f.code == "jargon")

    assert result.ok is True
    assert finding.severity == "warn"
    assert text[finding.start : finding.end] == term
    assert finding.suggestion == f'Write "{plain}" instead.'


@pytest.mark.parametrize(
    "text",
    [
        "Ems Smith thanked the officers.",  # a name, not the acronym
        "The trmp sign was fixed.",
        "He is subject to a fine.",
        "A male officer helped.",
        "It took 10-15 minutes.",
        "Kids aged 10-12 were there.",
        "The burglary was solved.",
    ],
)
def test_it_leaves_everyday_words_alone(text):
    assert "jargon" not in codes(check_text(text))


def test_it_flags_radio_codes_in_general():
    text = "A 10-52 was called in."
    assert spans(text, check_text(text), "jargon") == ["10-52"]


def test_jargon_list_is_big_lowercase_and_has_plain_words():
    assert len(JARGON) >= 60
    assert all(term == term.lower() and plain.strip() for term, plain in JARGON.items())


TIMES = [
    ("Officers arrived at 14:30.", "14:30", "2:30 pm"),
    ("It ended at 2200 hours.", "2200 hours", "10 pm"),
    ("The call came at 1430 hrs.", "1430 hrs", "2:30 pm"),
    ("Officers left at 0800.", "0800", "8 am"),
    ("The street was closed until 00:15.", "00:15", "12:15 am"),
    ("The shift ended at 12:00.", "12:00", "noon"),
]


@pytest.mark.parametrize(("text", "offending", "plain"), TIMES)
def test_it_warns_about_24_hour_times(text, offending, plain):
    finding = next(f for f in check_text(text).findings if f.code == "time.24h")

    assert text[finding.start : finding.end] == offending
    assert f'"{plain}"' in finding.suggestion


def test_it_warns_about_easy_passive_voice():
    text = "The man was arrested by officers and tickets were issued by the desk."
    result = check_text(text)

    assert spans(text, result, "voice.passive") == ["was arrested by", "were issued by"]
    assert "voice.passive" not in codes(check_text("The road was closed by 3 pm."))


def test_it_warns_about_long_sentences_and_points_at_them():
    long_sentence = "Then " + " ".join(["word"] * 25) + "."
    text = f"Short one here. {long_sentence} Another short one."
    result = check_text(text)

    assert spans(text, result, "sentence.long") == [long_sentence]
    assert "sentence.long" not in codes(check_text(" ".join(["word"] * 25) + "."))


def test_street_abbreviations_end_sentences_but_titles_do_not():
    street = (
        "Officers talked to the two people who live in the house on Maple Dr. "
        "Both agreed to keep the music down after ten and thanked the neighbors for their patience."
    )
    title = (
        "Officers and the building staff spent the evening with Dr. Lee and the other tenants "
        "on the third floor while the heating was finally properly fixed."
    )

    assert "sentence.long" not in codes(check_text(street))  # two sentences of 14 and 16 words
    assert spans(title, check_text(title), "sentence.long") == [title]  # one of 26


def test_it_warns_when_the_reading_grade_is_high():
    hard = (
        "Subsequently, the investigating personnel conducted comprehensive interviews regarding "
        "the circumstances surrounding the unauthorized occupation of the abandoned manufacturing facility."
    )
    easy = "Officers went to the park. They found the dog. It was safe. They took it home to its owner."

    assert "grade.high" in codes(check_text(hard))
    assert reading_grade(hard) > 8
    assert "grade.high" not in codes(check_text(easy))
    assert reading_grade(easy) < 5


def test_it_skips_the_grade_warning_for_very_short_text_but_still_grades_it():
    text = "Comprehensive investigation concluded."
    result = check_text(text)

    assert result.grade > 8
    assert "grade.high" not in codes(result)


def test_reading_grade_is_zero_for_empty_text():
    assert reading_grade("") == 0.0
    assert reading_grade("   \n ") == 0.0


def test_reading_grade_works_with_the_network_unreachable(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network is unreachable in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)

    assert reading_grade("Unprecedented cooperation characterised the neighbourhood reconciliation.") > 8
    assert check_text("Officers went to the park.").ok is True


def test_the_checker_imports_and_grades_with_the_network_unreachable():
    # A fresh interpreter, so dictionaries load with sockets already refused.
    script = (
        "import socket\n"
        "class Refusing(socket.socket):\n"
        "    def connect(self, *a, **k): raise OSError('offline')\n"
        "    def connect_ex(self, *a, **k): raise OSError('offline')\n"
        "def refuse(*a, **k): raise OSError('offline')\n"
        "socket.socket = Refusing\n"
        "socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "from incidents.checks import reading_grade, check_text\n"
        "print(reading_grade('Officers went to the park. They found the dog.'))\n"
        "print(check_text('Call 212-555-0142.').ok)\n"
    )
    root = Path(__file__).resolve().parents[2]
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()

    assert float(output[0]) >= 0.0
    assert output[1] == "False"


# --------------------------------------------------------------------------
# Lengths at the exact limits
# --------------------------------------------------------------------------

LENGTHS = [
    # (draft, network, fits)
    ("a" * 280, "x", True),
    ("a" * 281, "x", False),
    ("a" * 256 + " " + URL, "x", True),  # the URL counts 23 however long it is
    ("a" * 257 + " " + URL, "x", False),
    ("\u4e2d" * 140, "x", True),  # CJK weighs 2
    ("\u4e2d" * 140 + "a", "x", False),
    ("\U0001f600" * 140, "x", True),  # emoji weigh 2
    ("\U0001f600" * 141, "x", False),
    (FAMILY * 140, "x", True),  # a ZWJ sequence is one emoji
    (FAMILY * 141, "x", False),
    ("a" * 500, "mastodon", True),
    ("a" * 501, "mastodon", False),
    ("a" * 476 + " " + URL, "mastodon", True),
    ("a" * 477 + " " + URL, "mastodon", False),
    ("\u4e2d" * 500, "mastodon", True),
    ("a" * 300, "bluesky", True),
    ("a" * 301, "bluesky", False),
    (FAMILY * 300, "bluesky", True),
    (FAMILY * 301, "bluesky", False),
    ("e\u0301" * 300, "bluesky", True),  # a combining accent joins its letter
    ("\U0001f1fa\U0001f1f8" * 300, "bluesky", True),  # a flag is one grapheme
]


@pytest.mark.parametrize(("text", "network", "fits"), LENGTHS)
def test_it_blocks_posts_over_each_network_limit(text, network, fits):
    result = check_text(text)
    code = f"length.{network}"

    assert (result.lengths[network] <= LIMITS[network]) is fits
    assert (code in codes(result)) is not fits
    if not fits:
        finding = next(f for f in result.findings if f.code == code)
        assert (finding.severity, finding.start, finding.end) == ("block", 0, len(text))
        assert result.ok is False


def test_measure_counts_each_network_its_own_way():
    assert measure("") == {"x": 0, "mastodon": 0, "bluesky": 0}
    assert measure("Hi " + URL) == {"x": 26, "mastodon": 26, "bluesky": 3 + len(URL)}
    assert measure(FAMILY) == {"x": 2, "mastodon": 1, "bluesky": 1}
    assert measure("\u4e2d\u6587") == {"x": 4, "mastodon": 2, "bluesky": 2}
    # Mastodon counts only the local part of a remote mention; X counts bare domains as links.
    assert measure("@nypd@mastodon.social")["mastodon"] == len("@nypd")
    assert measure("nyc.gov/311")["x"] == 23
    assert measure("nyc.gov/311")["mastodon"] == len("nyc.gov/311")
    assert measure("a\r\nb") == {"x": 3, "mastodon": 3, "bluesky": 3}


# --------------------------------------------------------------------------
# fit_to_limit
# --------------------------------------------------------------------------

LONG_POST = (
    "Officers went to the 100 block of Main St after a report of a loud party. "
    "They spoke with the people there, and the music was turned down. No one was hurt. "
) * 5


@pytest.mark.parametrize("network", sorted(LIMITS))
@pytest.mark.parametrize("suffix", ["", " " + URL])
def test_fit_to_limit_cuts_at_a_word_and_leaves_room_for_the_suffix(network, suffix):
    fitted = fit_to_limit(LONG_POST, network, suffix=suffix)

    assert measure(fitted + suffix)[network] <= LIMITS[network]
    assert fitted.endswith("…")
    head = fitted[:-1]
    assert LONG_POST.startswith(head)
    assert LONG_POST[len(head)] in " ,."  # cut between words
    # Nearly the whole budget is used: at most one more word would have fitted.
    assert measure(fitted + suffix)[network] > LIMITS[network] - 20


def test_fit_to_limit_keeps_text_that_already_fits():
    assert fit_to_limit("Officers helped.", "x") == "Officers helped."
    assert fit_to_limit("a" * 280, "x") == "a" * 280


def test_fit_to_limit_counts_the_suffix_the_network_way():
    text = "a" * 256
    assert fit_to_limit(text, "x", suffix=" " + URL) == text  # 256 + 1 + 23 = 280
    # "…" weighs 2 on X: 250 + 2 + 1 + 23 = 276, and the next word would not fit.
    assert fit_to_limit("a" * 250 + " " + "b" * 10, "x", suffix=" " + URL) == "a" * 250 + "…"


def test_fit_to_limit_counts_wide_characters_on_x():
    text = " ".join(["\u4e2d\u6587"] * 100)  # each word weighs 4
    fitted = fit_to_limit(text, "x")

    assert measure(fitted)["x"] <= 280
    assert measure(fitted)["x"] > 270
    assert fitted.endswith("\u4e2d\u6587…")


def test_fit_to_limit_cuts_a_single_huge_word_between_graphemes():
    fitted = fit_to_limit(FAMILY * 400, "bluesky")

    assert fitted == FAMILY * 299 + "…"


def test_fit_to_limit_rejects_unknown_networks_and_hopeless_suffixes():
    with pytest.raises(ValueError, match="Unknown network"):
        fit_to_limit("text", "myspace")
    with pytest.raises(ValueError, match="suffix"):
        fit_to_limit("text " * 100, "bluesky", suffix="x" * 300)


# --------------------------------------------------------------------------
# Result shape, ordering, speed, robustness
# --------------------------------------------------------------------------


def test_result_serialises_with_sorted_findings():
    text = "The perpetrator called from 212-555-0142 at 14:30."
    data = check_text(text).as_dict()

    assert set(data) == {"ok", "lengths", "grade", "findings"}
    assert data["ok"] is False
    assert set(data["lengths"]) == {"x", "mastodon", "bluesky"}
    assert isinstance(data["grade"], float)
    assert [f["code"] for f in data["findings"]] == ["jargon", "pii.phone", "time.24h"]
    assert set(data["findings"][0]) == {"code", "severity", "start", "end", "message", "suggestion"}
    starts = [(f["start"], f["code"]) for f in data["findings"]]
    assert starts == sorted(starts)


def test_findings_are_immutable_values():
    finding = Finding("jargon", "warn", 0, 3, "m", "s")

    assert finding.as_dict() == {
        "code": "jargon",
        "severity": "warn",
        "start": 0,
        "end": 3,
        "message": "m",
        "suggestion": "s",
    }
    with pytest.raises(AttributeError):
        finding.code = "other"  # type: ignore[misc]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_text_gives_sorted_findings_inside_the_text(text):
    result = check_text(text, private_values=["Maria Gonzalez", "212-555-0142"])

    assert result.ok is not any(f.severity == "block" for f in result.findings)
    assert all(0 <= f.start <= f.end <= len(text) for f in result.findings)
    keys = [(f.start, f.code) for f in result.findings]
    assert keys == sorted(keys)
