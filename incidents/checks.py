"""Draft checker for OpenBlotter's public posts.

Officers write short plain-language posts (Mastodon, X, Bluesky) saying how a
resident's report was resolved. ``check_text`` reviews a draft before it can be
published and returns ``Finding`` objects with character offsets, so the UI can
underline the exact words.

Severity "block" (the post cannot go out):

* Length over a network's limit (``LIMITS``):
  X counts with twitter-text v3 weighting (most Latin text 1, CJK and emoji 2,
  every URL 23); Mastodon counts grapheme clusters with every http(s) URL as
  23 and ``@user@domain`` mentions as ``@user`` (what Mastodon's
  StatusLengthValidator does); Bluesky counts grapheme clusters (300).
* Personal data. Police communications guidance is consistent on this: never
  identify victims, witnesses, reporters or juveniles, and give locations only
  to block level ("100 block of Main St"), never a house number. So we block
  phone numbers (US and UK forms), email addresses, house-number addresses and
  unit numbers, licence plates, dates of birth, ID-like numbers (SSN, NYSID,
  passport, driver's licence, internal case numbers) and any private value of
  the incident (reporter's name, phone, email, address) passed by the caller.

Severity "warn" (a nudge towards plain language, as in the US Plain Writing
Act guidelines and the UK GOV.UK style guide):

* Police jargon, with the plain word to use instead (``JARGON``).
* Sentences over 25 words, and Flesch-Kincaid grade over 8 (the level most
  plain-language guides aim for in public messages).
* 24-hour clock times ("14:30", "2200 hours"): the public reads "2:30 pm".
* Passive voice that is easy to spot ("was arrested by").

Everything runs offline: syllables come from pyphen's bundled hyphenation
dictionary (not textstat, which downloads a dictionary on first use), phone
numbers from phonenumbers' bundled metadata.

The detectors favour catching personal data over avoiding false alarms, but
each has guards for the ordinary numbers posts contain: years, "200 block",
times, dates without a year, money, counts, 911 and 311.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import grapheme
import phonenumbers
import pyphen
from twitter_text import parse_tweet
from twitter_text.extract_urls import extract_urls_with_indices

__all__ = [
    "JARGON",
    "LIMITS",
    "CheckResult",
    "Finding",
    "check_text",
    "fit_to_limit",
    "measure",
    "reading_grade",
]

Span = tuple[int, int]

BLOCK = "block"
WARN = "warn"

LIMITS: dict[str, int] = {"x": 280, "mastodon": 500, "bluesky": 300}
_NETWORK_NAMES = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}

# X and Mastodon both count every link as 23 characters, however long it is.
_URL_WEIGHT = 23
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
_ELLIPSIS = "…"

_MAX_SENTENCE_WORDS = 25
_MAX_GRADE = 8.0
# Flesch-Kincaid swings wildly on a handful of words, so only judge longer text.
_MIN_WORDS_FOR_GRADE = 12


@dataclass(frozen=True)
class Finding:
    """One problem in a draft, located by Python string offsets (end exclusive)."""

    code: str
    severity: str
    start: int
    end: int
    message: str
    suggestion: str

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    lengths: dict[str, int]
    grade: float
    findings: list[Finding]

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "lengths": dict(self.lengths),
            "grade": self.grade,
            "findings": [finding.as_dict() for finding in self.findings],
        }


# --------------------------------------------------------------------------
# Lengths. twitter-text is used only by the next two functions, so it can be
# swapped for another implementation in one place.
# --------------------------------------------------------------------------


def _x_weighted_length(text: str) -> int:
    """X's count: twitter-text v3 weighting, as X itself counts."""
    if text and max(text) >= "\u00a9":
        return parse_tweet(text).weightedLength
    # parse_tweet spends most of its time scanning for emoji. Below U+00A9
    # there are none (the first is "©") and every character weighs 1, so the
    # count is the length with line breaks folded and each URL counted as 23.
    folded = _LINE_BREAK_RE.sub("\n", text)
    return len(folded) + sum(_URL_WEIGHT - (end - start) for start, end in _link_spans(folded, bare_domains=True))


def _link_spans(text: str, *, bare_domains: bool) -> list[Span]:
    """Links as twitter-text finds them. Mastodon uses the same rules, scheme required."""
    return [tuple(url["indices"]) for url in extract_urls_with_indices(text, bare_domains)]


# For reading-level and jargon checks, also skip bare domains like nyc.gov/311.
_ANY_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+?(?=[.,:;!?'\")\]]*(?:\s|$))"
    r"|(?<![\w@.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|gov|edu|us|uk|io|nyc|info)"
    r"(?:/[^\s<>\"]*?)?(?=[.,:;!?'\")\]]*(?:\s|$))",
    re.IGNORECASE,
)
_MASTODON_MENTION_RE = re.compile(r"(?<![=/\w])@(\w+(?:[.-]+\w+)*)@[\w.-]+\w")


def _mastodon_length(text: str) -> int:
    parts, position = [], 0
    for start, end in _link_spans(text, bare_domains=False):
        parts += [text[position:start], "x" * _URL_WEIGHT]
        position = end
    countable = "".join([*parts, text[position:]])
    countable = _MASTODON_MENTION_RE.sub(r"@\1", countable)
    return _grapheme_length(countable)


def _bluesky_length(text: str) -> int:
    return _grapheme_length(text)


# Non-ASCII stretches plus the ASCII character (or CR LF) on each side: a
# combining mark, ZWJ or variation selector can attach to the one before it.
_NON_ASCII_PIECE_RE = re.compile(
    r"(?:\r\n|[\x00-\x7f])?[^\x00-\x7f]+(?:(?:\r\n|[\x00-\x7f])[^\x00-\x7f]+)*(?:\r\n|[\x00-\x7f])?"
)


def _grapheme_length(text: str) -> int:
    """Count grapheme clusters, handing only the non-ASCII parts to ``grapheme``.

    Between two ASCII characters there is always a cluster boundary, except
    inside CR LF (one cluster). The grapheme package walks the Unicode rules
    character by character, which takes milliseconds for a whole post.
    """
    total = len(text) - text.count("\r\n")
    for match in _NON_ASCII_PIECE_RE.finditer(text):
        piece = match.group()
        total += grapheme.length(piece) - (len(piece) - piece.count("\r\n"))
    return total


_MEASURERS: dict[str, Callable[[str], int]] = {
    "x": _x_weighted_length,
    "mastodon": _mastodon_length,
    "bluesky": _bluesky_length,
}


def measure(text: str) -> dict[str, int]:
    """Length of ``text`` as each network counts it."""
    return {network: count(text) for network, count in _MEASURERS.items()}


def _length_findings(text: str, lengths: dict[str, int]) -> list[Finding]:
    findings = []
    for network, limit in LIMITS.items():
        length = lengths[network]
        if length > limit:
            name = _NETWORK_NAMES[network]
            findings.append(
                Finding(
                    code=f"length.{network}",
                    severity=BLOCK,
                    start=0,
                    end=len(text),
                    message=f"This post counts {length} characters on {name}; the limit is {limit}.",
                    suggestion=f"Cut at least {length - limit} characters.",
                )
            )
    return findings


_CUT_TAIL_RE = re.compile(r"[\s,;:.\-–—(\[{\"'“‘/]+$")
_WHITESPACE_RE = re.compile(r"\s+")


def fit_to_limit(text: str, network: str, *, suffix: str = "") -> str:
    """Shorten ``text`` so that ``result + suffix`` fits ``network``'s limit.

    Returns ``text`` unchanged when it already fits; otherwise cuts at the last
    word boundary that fits and ends with "…". The suffix (e.g. " " + permalink)
    is not included in the result: append it yourself. Words longer than the
    whole budget are cut between grapheme clusters. Raises ``ValueError`` for an
    unknown network or a suffix that leaves no room.
    """
    try:
        limit = LIMITS[network]
        count = _MEASURERS[network]
    except KeyError:
        raise ValueError(f"Unknown network {network!r}; expected one of {sorted(LIMITS)}.") from None

    def fits(candidate: str) -> bool:
        return count(candidate + suffix) <= limit

    if fits(text):
        return text
    if not fits(_ELLIPSIS):
        raise ValueError(f"The suffix alone does not fit in {_NETWORK_NAMES[network]}'s limit.")

    candidates = []
    for match in _WHITESPACE_RE.finditer(text):
        head = _CUT_TAIL_RE.sub("", text[: match.start()])
        if head:
            candidates.append(head + _ELLIPSIS)
    best = _last_fitting(candidates, fits)
    if best is not None:
        return best

    # No word boundary works: the first word alone is too long.
    clusters = list(grapheme.graphemes(text))
    hard_cuts = ["".join(clusters[:n]) + _ELLIPSIS for n in range(1, len(clusters))]
    best = _last_fitting(hard_cuts, fits)
    return best if best is not None else _ELLIPSIS


def _last_fitting(candidates: list[str], fits: Callable[[str], bool]) -> str | None:
    """Binary search for the longest fitting candidate (they grow with the index).

    Counting costs about a millisecond on X, so this keeps long drafts quick.
    """
    low, high, best = 0, len(candidates) - 1, None
    while low <= high:
        middle = (low + high) // 2
        if fits(candidates[middle]):
            best, low = candidates[middle], middle + 1
        else:
            high = middle - 1
    return best


# --------------------------------------------------------------------------
# Personal data
# --------------------------------------------------------------------------

_PHONE_REGIONS = ("US", "GB")

_PHONE_MESSAGE = "This looks like a phone number."
_PHONE_SUGGESTION = "Remove it. Never post anyone's phone number."


def _overlaps(start: int, end: int, spans: Iterable[Span]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _digits(value: str) -> str:
    return "".join(char for char in value if char.isdigit())


def _this_year() -> int:
    return datetime.datetime.now(tz=datetime.UTC).year


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Shapes that phonenumbers accepts at POSSIBLE leniency but that are not phones.
_DATE_SHAPE_RE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{2,4}")
_SSN_SHAPE_RE = re.compile(r"[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}")
_LOCAL_SHAPE_RE = re.compile(r"([0-9]{3})\s*[-.–]?\s*([0-9]{4})")
_EXTENSION_RE = re.compile(r"\s*,?\s*(?:ext\.?|extension|x)\s*[0-9]+$", re.IGNORECASE)


def _find_phones(text: str, taken: list[Span]) -> list[Finding]:
    """phonenumbers finds the candidates; our rules decide which are phones.

    POSSIBLE leniency also matches years and "1200"-style numbers, and VALID
    misses fictional-but-real-looking numbers (555-01xx, 07700 900xxx), so we
    take POSSIBLE and require seven or more digits in a phone-like shape.
    """
    if sum(char.isdigit() for char in text) < 7:
        return []
    candidates: dict[Span, bool] = {}
    for region in _PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            if _is_phone(text, match):
                candidates[(match.start, match.end)] = True
    findings: list[Finding] = []
    # Prefer the longest candidate where regions disagree on the extent.
    for start, end in sorted(candidates, key=lambda span: (span[0], span[0] - span[1])):
        if _overlaps(start, end, taken):
            continue
        taken.append((start, end))
        findings.append(Finding("pii.phone", BLOCK, start, end, _PHONE_MESSAGE, _PHONE_SUGGESTION))
    return findings


def _is_phone(text: str, match: phonenumbers.PhoneNumberMatch) -> bool:
    raw = _EXTENSION_RE.sub("", match.raw_string)
    before = text[match.start - 1] if match.start else ""
    national = str(match.number.national_number)
    if before and before in "$£€#":
        return False
    if _DATE_SHAPE_RE.fullmatch(raw) or _SSN_SHAPE_RE.fullmatch(raw):
        return False
    if phonenumbers.is_valid_number(match.number) and len(national) >= 7:
        return True
    if len(national) == 10:
        return True
    if len(national) == 7:
        local = _LOCAL_SHAPE_RE.fullmatch(raw)
        if not local:
            return False
        # "the 900-1200 block", "between 800-1000 hours" are ranges, not phones.
        first, second = int(local.group(1)), int(local.group(2))
        return not (first % 100 == 0 and second % 100 == 0)
    return False


_EMAIL_RE = re.compile(
    # A leading "@" means a fediverse handle (@nypd@mastodon.social), not an email.
    r"(?<![@\w.+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"|(?<![\w.+-])[\w.+-]+\s*[\[(]at[\])]\s*[\w-]+\s*(?:[\[(]dot[\])]|\.)\s*[a-z]{2,}\b"
    r"|(?<![\w.+-])[\w.+-]+\s+at\s+[\w-]+\s+dot\s+(?:com|net|org|edu|gov|co\.uk|uk|us|io)\b",
    re.IGNORECASE,
)


def _find_emails(text: str, taken: list[Span]) -> list[Finding]:
    findings = []
    for match in _EMAIL_RE.finditer(text):
        if _overlaps(match.start(), match.end(), taken):
            continue
        taken.append(match.span())
        findings.append(
            Finding(
                "pii.email",
                BLOCK,
                match.start(),
                match.end(),
                "This looks like an email address.",
                "Remove it. Never post anyone's email address.",
            )
        )
    return findings


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_NUMERIC_DATE = r"[0-9]{1,2}[/.-][0-9]{1,2}[/.-](?:[0-9]{4}|[0-9]{2})"
_FULL_DATE = (
    rf"(?:{_NUMERIC_DATE}"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}"
    rf"|{_MONTH}\s+[0-9]{{1,2}}(?:st|nd|rd|th)?,?\s+[0-9]{{4}}"
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+[0-9]{{4}})"
)
_DOB_KEYWORD_RE = re.compile(
    r"(?<!\w)(?:"
    # After an explicit DOB label even a month and year, or a year, is too much.
    rf"(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date)\s*(?:[:\-–]|is|was)?\s*"
    rf"(?:{_FULL_DATE}|{_MONTH}\s+[0-9]{{4}}|[0-9]{{4}})"
    rf"|(?:born(?:\s+on)?|birthday(?:\s+is)?)\s*:?\s*{_FULL_DATE}"
    r")(?![0-9])",
    re.IGNORECASE,
)
_BARE_DATE_RE = re.compile(
    rf"(?<![\w/.-])(?:(?P<num>{_NUMERIC_DATE})|{_MONTH}\s+[0-9]{{1,2}}(?:st|nd|rd|th)?,?\s+(?P<y1>[0-9]{{4}})"
    rf"|[0-9]{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+(?P<y2>[0-9]{{4}}))(?![\w/-])",
    re.IGNORECASE,
)
# A full date this many years old is almost always a birthday in a report post.
_DOB_MIN_AGE_YEARS = 12


def _find_dates_of_birth(text: str, taken: list[Span]) -> list[Finding]:
    spans = [match.span() for match in _DOB_KEYWORD_RE.finditer(text)]
    for match in _BARE_DATE_RE.finditer(text):
        if _is_old_date(match):
            spans.append(match.span())
    findings = []
    for start, end in sorted(spans):
        if _overlaps(start, end, taken):
            continue
        taken.append((start, end))
        findings.append(
            Finding(
                "pii.dob",
                BLOCK,
                start,
                end,
                "This looks like a date of birth.",
                'Remove it. If age matters, write an age range such as "a man in his 30s".',
            )
        )
    return findings


def _is_old_date(match: re.Match[str]) -> bool:
    cutoff = _this_year() - _DOB_MIN_AGE_YEARS
    if match.group("num"):
        year_text = re.split(r"[/.-]", match.group("num"))[-1]
        year = int(year_text)
        if len(year_text) == 2:
            # Two-digit years ahead of this year can only be last century.
            year += 1900 if year > _this_year() % 100 else 2000
        return year <= cutoff
    return int(match.group("y1") or match.group("y2")) <= cutoff


_ID_MESSAGE = "This looks like an ID or case number."
_ID_SUGGESTION = "Remove it. ID and case numbers are internal and can identify people."
_ID_KEYWORD_RE = re.compile(
    r"(?<!\w)(?:"
    r"(?i:social\s+security|passport|driver'?s?\s+licen[cs]e|licen[cs]e(?!\s+plate)|identification"
    r"|national\s+insurance|case|report|complaint|incident|arrest|docket|warrant|account|card|ref(?:erence)?)"
    r"|SSN|NYSID|ID|I\.D\.|DL|NI|NHS|CAD"
    r")(?:\s*(?i:number|no\.?|num\.?|#))?\s*(?:[:#]|is|was)?\s*"
    r"(?P<value>[A-Za-z0-9][A-Za-z0-9/-]{3,}[A-Za-z0-9])(?![\w-])"
)
_ID_SHAPE_RES = (
    re.compile(r"(?<![\w-])[0-9]{3}([- ])[0-9]{2}\1[0-9]{4}(?![\w-])"),  # SSN
    re.compile(r"(?<![\w#-])#\s?[0-9][0-9-]{3,}[0-9](?![\w-])"),  # "#12345678"
    re.compile(r"(?<![\w-])[0-9]{4}(?:[ -][0-9]{4}){3}(?![\w-])"),  # card number
    re.compile(r"(?<![\w-])[0-9]{6,9}[A-Z](?![\w-])"),  # NYSID-style
    re.compile(r"(?<![\w-])[A-Z][0-9]{7,12}(?![\w-])"),  # passport / licence
    re.compile(r"(?<![\w-])[A-Z][0-9]{3}-[0-9]{3,4}-[0-9]{3,4}(?:-[0-9]{1,3})?(?![\w-])"),  # licence
    re.compile(r"(?<![\w-])[A-Z]{2} ?(?:[0-9]{2} ?){3}[A-Z](?![\w-])"),  # UK National Insurance
)
# Digits glued with hyphens ("2024-00123"): ID-like unless a date or a range.
_DIGIT_RUN_RE = re.compile(r"(?<![\w$£€.,/-])[0-9]+(?:-[0-9]+)*(?![\w/-]|[.,][0-9])")


def _find_id_numbers(text: str, taken: list[Span], *, keyword_only: bool) -> list[Finding]:
    spans: list[Span] = []
    if keyword_only:
        for match in _ID_KEYWORD_RE.finditer(text):
            value = match.group("value")
            digit_count = len(_digits(value))
            if _DATE_SHAPE_RE.fullmatch(value):
                continue
            if digit_count >= 5 or (digit_count >= 3 and len(value) >= 5 and not value.isdigit()):
                spans.append(match.span("value"))
        for pattern in _ID_SHAPE_RES:
            spans.extend(match.span() for match in pattern.finditer(text))
    else:
        for match in _DIGIT_RUN_RE.finditer(text):
            if _is_id_like_run(match.group()):
                spans.append(match.span())
    findings = []
    for start, end in sorted(spans):
        if _overlaps(start, end, taken):
            continue
        taken.append((start, end))
        findings.append(Finding("pii.id_number", BLOCK, start, end, _ID_MESSAGE, _ID_SUGGESTION))
    return findings


def _is_id_like_run(run: str) -> bool:
    groups = run.split("-")
    if len(_digits(run)) < 8:
        return False
    if len(groups) == 1:
        return True
    if _DATE_SHAPE_RE.fullmatch(run):
        return False
    # "2023-2024", "1200-1300": ranges of years or blocks.
    return any(len(group) >= 5 for group in groups) or len(groups) >= 3


_PLATE_MESSAGE = "This looks like a licence plate."
_PLATE_SUGGESTION = 'Remove it. Describe the car instead, e.g. "a gray sedan".'
_PLATE_KEYWORD_RE = re.compile(
    r"(?<!\w)(?i:licen[cs]e\s+plate|number\s+plate|plates?|tags?|registration|reg\.?|VRM)"
    r"(?:\s+(?i:number|no\.?|num|#))?\s*[:#]?\s*(?:(?i:is|was|reading|of)\s+)?"
    r"(?P<value>[A-Za-z0-9]{1,4}(?:[ -]?[A-Za-z0-9]{1,4})?)(?![\w-])"
)
_PLATE_SHAPE_RES = (
    # ABC-1234, ABC123; not "FY2024" (a year) or "US-101", "SR-520" (roads).
    re.compile(r"(?<![\w-])(?!(?:US|SR|CR|FM|RT|RTE|HWY)-?[0-9])[A-Z]{2,3}-?[0-9]{3,4}(?![\w-])"),
    re.compile(r"(?<![\w-])[A-Z]{3} (?!(?:19|20)[0-9]{2}\b)[0-9]{4}(?![\w-])"),  # ABC 1234, not a year
    re.compile(r"(?<![\w-])[0-9][A-Z]{3}[0-9]{3}(?![\w-])"),  # 7ABC123 (California)
    re.compile(r"(?<![\w-])[A-Z]{2}[0-9]{2} ?[A-Z]{3}(?![\w-])"),  # AB12 CDE (UK)
    # Any other 5-8 character mix of capitals and digits, with 2+ of each.
    re.compile(r"(?<![\w-])(?=(?:[0-9]*[A-Z]){2})(?=(?:[A-Z]*[0-9]){2})[A-Z0-9]{5,8}(?![\w-])"),
)
_NOT_PLATES = frozenset({"COVID19", "NYC311", "NYC-311", "TIP577", "MH370"})
# "FY2024", "Q32024": a year with a prefix.
_PREFIXED_YEAR_RE = re.compile(r"[A-Z]{1,3}-?(?:19|20)[0-9]{2}")
# Numbers with a unit or ordinal in capitals ("1030PM", "142ND", "24HRS") are not plates.
_NUMBER_WITH_UNIT_RE = re.compile(
    r"[0-9]+(?:AM|PM|ST|ND|RD|TH|HRS?|MIN|MPH|KPH|KM|MI|FT|LBS?|KG|MG|MM|CM|GB|MB|TB|K|M|S)"
)


def _find_plates(text: str, taken: list[Span]) -> list[Finding]:
    spans: list[Span] = []
    for match in _PLATE_KEYWORD_RE.finditer(text):
        value = match.group("value")
        compact = value.replace(" ", "").replace("-", "")
        has_digit = any(char.isdigit() for char in compact)
        has_letter = any(char.isalpha() for char in compact)
        vanity = compact.isalpha() and compact.isupper() and len(compact) >= 4
        if 3 <= len(compact) <= 8 and ((has_digit and (has_letter or len(compact) >= 5)) or vanity):
            spans.append(match.span("value"))
    for pattern in _PLATE_SHAPE_RES:
        for match in pattern.finditer(text):
            token = match.group()
            if token in _NOT_PLATES or _NUMBER_WITH_UNIT_RE.fullmatch(token) or _PREFIXED_YEAR_RE.fullmatch(token):
                continue
            spans.append(match.span())
    findings = []
    for start, end in sorted(spans, key=lambda span: (span[0], span[0] - span[1])):
        if _overlaps(start, end, taken):
            continue
        taken.append((start, end))
        findings.append(Finding("pii.plate", BLOCK, start, end, _PLATE_MESSAGE, _PLATE_SUGGESTION))
    return findings


_STREET_SUFFIXES = (
    "Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Place|Pl|Court|Ct|Way"
    "|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Square|Sq|Crescent|Cres|Close|Circle|Cir|Trail|Trl"
    "|Plaza|Plz|Alley|Aly|Loop|Pike|Turnpike|Tpke|Expressway|Expy|Row|Mews|Gardens|Gdns|Grove"
    "|Center|Ctr|Heights|Hts|Point|Ridge|Run|Path|Crossing|Commons|Green|Walk|Hill|Rise|Vale|Parade"
    "|Broadway|Bowery"
)
# Streets whose name needs no suffix: "1400 Broadway".
_SUFFIX_ONLY_STREETS = frozenset({"broadway", "bowery"})
_DIRECTIONS = r"(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?"
_ADDRESS_RE = re.compile(
    # House number: "123", "12B", "123-125"; not "5th", "$20", "#12", "3.5".
    r"(?<![\w#/.,:$£€-])(?P<number>[0-9]{1,6})(?:[A-Za-z](?![A-Za-z]))?(?:\s*[-–]\s*[0-9]{1,6}[A-Za-z]?)?"
    r"\s+"
    rf"(?P<street>(?:{_DIRECTIONS}\s+)?"
    r"(?P<name>(?:(?:[A-Za-z][A-Za-z'’.-]*|[0-9]{1,4}(?:st|nd|rd|th))\s+){0,3}?)"
    rf"(?P<suffix>(?i:{_STREET_SUFFIXES}))\b)"
    r"(?P<unit>\.?,?\s*(?i:apt|apartment|unit|suite|ste|flat|\#)\.?\s*#?\s*(?:[0-9]+[A-Za-z]?|[A-Za-z])(?![\w-]))?"
)
_UNIT_RE = re.compile(
    r"(?<!\w)(?i:apt|apartment|suite|ste|flat|unit(?=\s*#))\.?\s*(?:#|(?i:no\.?|number))?\s*"
    r"(?:[0-9]+[A-Za-z]?|[A-Z])(?![\w-])"
)
# Words that show "<number> ... St" is a count or a block, not a house number.
_NOT_STREET_NAME_WORDS = _word_set(
    """
    a an the of on at in near by to from for with and or off onto into along across down up past
    toward towards outside inside behind between block blocks people persons person car cars
    officer officers man men woman women kid kids child children teen teens minute minutes hour
    hours second seconds day days week weeks month months year years time times mile miles
    feet foot yard yards was were is are went ran who that which than
    """
)


def _find_addresses(text: str, taken: list[Span]) -> list[Finding]:
    findings: list[Finding] = []
    for match in _iter_addresses(text):
        if _overlaps(match.start(), match.end(), taken):
            continue
        taken.append(match.span())
        hundred = int(match.group("number")) // 100 * 100
        street = " ".join(match.group("street").rstrip(".").split())
        findings.append(
            Finding(
                "pii.address",
                BLOCK,
                match.start(),
                match.end(),
                "This looks like a house address.",
                f'Give the block, not the house: write "{hundred} block of {street}".',
            )
        )
    for match in _UNIT_RE.finditer(text):
        if _overlaps(match.start(), match.end(), taken):
            continue
        taken.append(match.span())
        findings.append(
            Finding(
                "pii.address",
                BLOCK,
                match.start(),
                match.end(),
                "This looks like an apartment or unit number.",
                "Remove it. Give the location only to block level.",
            )
        )
    return findings


def _iter_addresses(text: str) -> Iterator[re.Match[str]]:
    # Manual scanning so that a rejected candidate ("2 people on Main St")
    # does not swallow a real address that starts inside it.
    position = 0
    while match := _ADDRESS_RE.search(text, position):
        if _is_street(match):
            yield match
            position = match.end()
        else:
            position = match.start() + 1


def _is_street(match: re.Match[str]) -> bool:
    words = match.group("name").split()
    street = match.group("street")
    bare = match.group("suffix").lower() in _SUFFIX_ONLY_STREETS
    if not words and not bare and re.fullmatch(rf"{_DIRECTIONS}\s+\S+", street) is None:
        return False  # "66 Highway": a number and a suffix alone are not an address
    if any(word.lower().strip(".") in _NOT_STREET_NAME_WORDS for word in words):
        return False
    if street.islower():
        return True  # "123 main st": typed all in lower case
    # Otherwise the street name must look like a name: "2 people on Main St" does not.
    return all(word[0].isupper() or word[0].isdigit() for word in words)


# --------------------------------------------------------------------------
# Private values from the incident record
# --------------------------------------------------------------------------

_PRIVATE_MESSAGE = "This matches a private detail of the report."
_PRIVATE_SUGGESTION = "Remove it. Do not name or identify the people involved."
_PHONE_VALUE_RE = re.compile(r"[0-9+().\s/–-]+(?:(?:ext\.?|extension|x)\s*[0-9]+)?", re.IGNORECASE)
_TITLE_BEFORE_RE = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Mx|Miss|Dr)\.?\s+)$", re.IGNORECASE)
_NAME_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

# Words that are also common surnames or given names. A private name is
# matched whole anyway; these words alone would match too much ordinary text.
_COMMON_WORDS = _word_set(
    """
    the and for are but not you all any can her was one our out day get has him his how man new now
    old see two way who boy did its let put say she too use van von der den del della los las
    mr mrs miss sir madam lady lord jr sr junior senior
    about after again also back been being best better big black blue bright brown bush call came
    carter case cash chance chase church clay cook cool cross dale dawn dean dear drew duke earl
    east ever faith fair field fields fisher ford forest fox frank free frost gardner gay gene glen
    gold golden good grace grant gray green grey guy hall hand hardy hart heart heath hill hills holly
    hope house hunt hunter ivy jack jade joy judge june justice just key king knight lake lamb lane
    law lee little long love major mark marsh mason may miles mill miller moon moore moss north
    park parker patience pearl penny pierce pope porter power price ray reed rich river rivers
    robin rock rose ross rush sage savage sharp short silver sky small snow south spring stone
    storm strong summer sunny sweet taylor temple turner walker wall ward warren water waters
    webb well wells west white will winter wise wolf wood woods young april august autumn baker
    barber bell bird bishop bond brook brooks butler carpenter chambers christian cliff coates
    crane craft dove dunn fletcher gates glass golding hale hawk hay holmes hood huntley joiner
    keen lark ley lovely mayor merry mercy mills monk moody nash newman page paris pike pool potter
    read rice salt sands shepherd shields skinner slater spear steel stewart stout street swift
    tanner tower trinity troy tucker wheeler wilde winters wren york
    officer police sergeant detective captain lieutenant avenue road
    """
)


def _find_private_values(text: str, private_values: Iterable[str], taken: list[Span]) -> list[Finding]:
    spans: list[Span] = []
    for value in private_values:
        for pattern in _private_patterns((value or "").strip()):
            for match in pattern.finditer(text):
                start = match.start()
                title = _TITLE_BEFORE_RE.search(text, 0, start)
                if title:
                    start = title.start()  # "Ms. Gonzalez" is as identifying as the name
                spans.append((start, match.end()))
    findings = []
    # Longest first, so a full name wins over the words inside it.
    for start, end in sorted(spans, key=lambda span: (span[0] - span[1], span[0])):
        if _overlaps(start, end, taken):
            continue
        taken.append((start, end))
        findings.append(Finding("pii.private_value", BLOCK, start, end, _PRIVATE_MESSAGE, _PRIVATE_SUGGESTION))
    return findings


@functools.lru_cache(maxsize=512)
def _private_patterns(value: str) -> tuple[re.Pattern[str], ...]:
    if len(value) < 2:
        return ()
    digits = _digits(value)
    if len(digits) >= 7 and _PHONE_VALUE_RE.fullmatch(value):
        return _phone_value_patterns(digits)
    if "@" in value:
        return (re.compile(rf"(?<![\w.+-]){re.escape(value)}(?![\w-])", re.IGNORECASE),)

    # Records and drafts differ in spacing and punctuation: "123 Main St., Apt 4B".
    words = [word.rstrip(".") for word in re.split(r"[\s,;]+", value) if word.strip(".")]
    if not words:
        return ()
    flexible = r"\.?[\s,;]+".join(_STREET_SUFFIX_VARIANTS.get(word.lower()) or _accent_blind(word) for word in words)
    patterns = []
    if len(words) == 1 and value.lower() in _COMMON_WORDS:
        # A one-word value that is also an ordinary word: only as a proper noun.
        capital, rest = re.escape(words[0][0].upper()), _accent_blind(words[0][1:])
        patterns.append(re.compile(rf"(?<!\w){capital}(?i:{rest})(?!\w)"))
    else:
        patterns.append(re.compile(rf"(?<!\w){flexible}(?!\w)", re.IGNORECASE))
    if len(words) > 1 and not digits:
        for word in _NAME_WORD_RE.findall(value):
            if len(word) >= 3 and word[0].isupper() and word.lower() not in _COMMON_WORDS:
                patterns.append(re.compile(rf"(?<!\w){_accent_blind(word)}(?!\w)", re.IGNORECASE))
    return tuple(patterns)


# "123 Main St" in the record is "123 Main Street" in the draft.
_STREET_SUFFIX_PAIRS = (
    ("street", "st"),
    ("avenue", "ave"),
    ("road", "rd"),
    ("boulevard", "blvd"),
    ("drive", "dr"),
    ("lane", "ln"),
    ("place", "pl"),
    ("court", "ct"),
    ("terrace", "ter"),
    ("parkway", "pkwy"),
    ("highway", "hwy"),
    ("square", "sq"),
)
_STREET_SUFFIX_VARIANTS = {
    word: f"(?:{long}|{short})" for long, short in _STREET_SUFFIX_PAIRS for word in (long, short)
}


def _build_accent_classes() -> dict[str, str]:
    variants: dict[str, set[str]] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[0].lower()
        if base.isascii() and base.isalpha() and char.lower() != base:
            variants.setdefault(base, {base}).add(char.lower())
    return {base: "[" + "".join(sorted(chars)) + "]" for base, chars in variants.items()}


# Records and drafts disagree on accents ("José" vs "Jose"), so match either.
_ACCENT_CLASSES = _build_accent_classes()


def _accent_blind(word: str) -> str:
    parts = []
    for char in word:
        base = unicodedata.normalize("NFKD", char)[0].lower()
        parts.append(_ACCENT_CLASSES.get(base, re.escape(char)) if base.isascii() else re.escape(char))
    return "".join(parts)


def _phone_value_patterns(digits: str) -> tuple[re.Pattern[str], ...]:
    # Match the number however it is written: with or without the country
    # code or trunk zero, any separators, and the 7-digit local form.
    national = digits
    if len(national) == 11 and national.startswith("1"):
        national = national[1:]
    elif national.startswith("44"):
        national = national[2:]
    national = national.lstrip("0")
    separator = r"[\s().–-]*"
    body = separator.join(national)
    prefix = r"(?:(?:\+|00)?(?:1|44)[\s.–-]*)?(?:\(?0\)?[\s.–-]*)?\(?"
    patterns = [re.compile(rf"(?<![\d+]){prefix}{body}(?!\d)")]
    if len(national) == 10:
        local = separator.join(national[-7:])
        # Not the tail of a longer number: "212-555-0142" is matched above.
        patterns.append(re.compile(rf"(?<!\d)(?<!\d[\s.–-])(?<!\d\))(?<!\d\)\s){local}(?!\d)"))
    return tuple(patterns)


def _personal_data_findings(text: str, private_values: Iterable[str]) -> list[Finding]:
    # Each detector skips spans already claimed, so the most specific finding
    # wins: a reporter's phone is a private value before it is a phone, a DOB
    # is not also an ID number. Links are exempt from the number detectors.
    taken: list[Span] = []
    findings = _find_private_values(text, private_values, taken)
    findings += _find_emails(text, taken)
    taken.extend(match.span() for match in _ANY_URL_RE.finditer(text))
    findings += _find_dates_of_birth(text, taken)
    findings += _find_id_numbers(text, taken, keyword_only=True)
    findings += _find_phones(text, taken)
    findings += _find_id_numbers(text, taken, keyword_only=False)
    findings += _find_plates(text, taken)
    findings += _find_addresses(text, taken)
    return findings


# --------------------------------------------------------------------------
# Plain language: jargon
# --------------------------------------------------------------------------

# Reviewed list. Keys are lower case; those in _ACRONYMS only match in capitals,
# so "Ems" as a name or "ci" inside a word are left alone.
JARGON: dict[str, str] = {
    # Arrests and custody
    "apprehend": "arrest",
    "apprehended": "arrested",
    "apprehension": "arrest",
    "effected an arrest": "arrested",
    "effectuated an arrest": "arrested",
    "placed under arrest": "arrested",
    "taken into custody": "arrested",
    "detained": "held",
    "transported": "took",
    "summons": "ticket",
    "summonses": "tickets",
    "desk appearance ticket": "ticket to appear in court",
    "dat": "ticket to appear in court",
    # People
    "perpetrator": "suspect",
    "perpetrators": "suspects",
    "perp": "suspect",
    "perps": "suspects",
    "assailant": "attacker",
    "individual": "person",
    "individuals": "people",
    "male": "man",
    "males": "men",
    "female": "woman",
    "females": "women",
    "um": "man",
    "uf": "woman",
    "subject": "person",
    "subjects": "people",
    "complainant": "the person who reported it",
    "complainants": "the people who reported it",
    "juvenile": "young person",
    "juveniles": "young people",
    "edp": "person in crisis",
    "emotionally disturbed person": "person in crisis",
    "ci": "informant",
    "confidential informant": "informant",
    "uc": "undercover officer",
    "mos": "officer",
    "member of service": "officer",
    "members of service": "officers",
    # Vehicles and places
    "vehicle": "car",
    "vehicles": "cars",
    "motor vehicle": "car",
    "exited the vehicle": "got out of the car",
    "rmp": "police car",
    "sector car": "patrol car",
    "mva": "car crash",
    "mvc": "car crash",
    "motor vehicle accident": "car crash",
    "motor vehicle collision": "car crash",
    "residence": "home",
    "residences": "homes",
    "domicile": "home",
    "dwelling": "home",
    "vicinity": "area",
    "in the vicinity of": "near",
    "on scene": "there",
    "responded to the location": "went there",
    "responded to the scene": "went there",
    "upon arrival": "when they got there",
    "en route": "on the way",
    # Crimes, things and services
    "altercation": "fight",
    "physical altercation": "fight",
    "verbal altercation": "argument",
    "disturbance": "noise or fight (say which)",
    "gla": "car theft",
    "grand larceny auto": "car theft",
    "larceny": "theft",
    "petit larceny": "theft",
    "narcotics": "drugs",
    "controlled substance": "drugs",
    "controlled substances": "drugs",
    "cds": "drugs",
    "firearm": "gun",
    "firearms": "guns",
    "oc spray": "pepper spray",
    "dwi": "drunk driving",
    "dui": "drunk driving",
    "intoxicated": "drunk",
    "inebriated": "drunk",
    "lacerations": "cuts",
    "laceration": "cut",
    "contusions": "bruises",
    "sustained injuries": "was hurt",
    "deceased": "died",
    "doa": "dead when help arrived",
    "k9": "police dog",
    "k-9": "police dog",
    "ems": "ambulance",
    "fdny": "firefighters",
    "bolo": "lookout",
    "apb": "alert",
    "10-13": "an officer needed help",
    "tour of duty": "shift",
    "day tour": "day shift",
    "night tour": "night shift",
    "midnight tour": "overnight shift",
    # Bureaucratic verbs and phrases
    "proceeded to": "went to",
    "canvass": "search",
    "canvassed": "searched",
    "observe": "see",
    "observed": "saw",
    "ascertain": "find out",
    "ascertained": "found out",
    "in possession of": "had",
    "utilize": "use",
    "utilized": "used",
    "commence": "start",
    "commenced": "started",
    "terminate": "end",
    "terminated": "ended",
    "obtain": "get",
    "obtained": "got",
    "stated": "said",
    "advised": "told",
    "indicated": "said",
    "alleged": "accused",
    "allegedly": "police say",
    "at this time": "now",
    "at this point in time": "now",
    "pursuant to": "under",
    "prior to": "before",
    "subsequent to": "after",
    "subsequently": "later",
    "aforementioned": "this",
    "approximately": "about",
    "in order to": "to",
    "exigent circumstances": "an emergency",
    "numerous": "many",
}

_ACRONYMS = frozenset(
    {"dat", "um", "uf", "edp", "ci", "uc", "mos", "rmp", "mva", "mvc", "gla", "cds", "dwi", "dui", "doa"}
    | {"k9", "k-9", "ems", "fdny", "bolo", "apb"}
)
# Extra conditions where a listed word has a plain everyday use.
_JARGON_GUARDS = {
    "subject": r"(?!\s+(?:to|of)\b)",
    "subjects": r"(?!\s+(?:to|of)\b)",
    "male": r"(?!\s+(?:officers?|nurses?|deput(?:y|ies))\b)",
    "female": r"(?!\s+(?:officers?|nurses?|deput(?:y|ies))\b)",
}


def _term_pattern(term: str) -> str:
    body = r"\s+".join(re.escape(part) for part in term.split())
    return body + _JARGON_GUARDS.get(term, "")


def _jargon_regex(terms: Iterable[str], flags: int) -> re.Pattern[str]:
    # Longest first, so "exited the vehicle" wins over "vehicle".
    ordered = sorted(terms, key=len, reverse=True)
    alternatives = "|".join(_term_pattern(term) for term in ordered)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", flags)


_JARGON_WORDS_RE = _jargon_regex((t for t in JARGON if t not in _ACRONYMS), re.IGNORECASE)
_JARGON_ACRONYMS_RE = _jargon_regex((t.upper() for t in JARGON if t in _ACRONYMS), 0)
_TEN_CODE_RE = re.compile(
    r"(?<![\w-])(?:10|11)-[0-9]{1,2}(?![\w-])"
    r"(?!\s*(?:%|percent\b|people\b|men\b|women\b|children\b|feet\b|[ap]\.?m\b))",
    re.IGNORECASE,
)
_PLURAL_AFTER_RE = re.compile(r"\s+([a-z]+s)\b", re.IGNORECASE)
_VERBS_ENDING_IN_S = frozenset({"was", "is", "has", "does", "goes", "comes", "gets", "means", "calls"})
_RANGE_WORD_BEFORE_RE = re.compile(r"(?:ages?|aged|between|from|about|around|approximately|some)\s+$", re.IGNORECASE)


def _jargon_findings(text: str) -> list[Finding]:
    findings = []
    for pattern in (_JARGON_WORDS_RE, _JARGON_ACRONYMS_RE):
        for match in pattern.finditer(text):
            term = " ".join(match.group().lower().split())
            findings.append(_jargon_finding(match.start(), match.end(), match.group(), JARGON[term]))
    for match in _TEN_CODE_RE.finditer(text):
        if match.group() in JARGON or _RANGE_WORD_BEFORE_RE.search(text, 0, match.start()):
            continue
        following = _PLURAL_AFTER_RE.match(text, match.end())
        if following and following.group(1).lower() not in _VERBS_ENDING_IN_S:
            continue  # "10-15 degrees": a range of things, not a radio code
        findings.append(
            Finding(
                "jargon",
                WARN,
                match.start(),
                match.end(),
                f'"{match.group()}" is a police radio code.',
                "Say what happened in plain words.",
            )
        )
    return findings


def _jargon_finding(start: int, end: int, found: str, plain: str) -> Finding:
    return Finding(
        "jargon",
        WARN,
        start,
        end,
        f'"{found}" is police language.',
        f'Write "{plain}" instead.',
    )


# --------------------------------------------------------------------------
# Plain language: sentences and reading grade
# --------------------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W_]+(?:['’.-][^\W_]+)*")
_SENTENCE_END_RE = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s|$)|\n")
# The word before a full stop, and the word before that.
_LAST_WORDS_RE = re.compile(r"(?:([^\W\d_]+)\s+)?([^\W\d_]+)\.$")
# Abbreviations that end with a full stop without ending the sentence.
_TITLE_ABBREVIATIONS = _word_set("mr mrs ms mx lt sgt det capt cpl ofc insp supt jr sr no vs approx dept gov")
_STREET_OR_TITLE = _word_set("dr st")

_hyphenator = pyphen.Pyphen(lang="en_US", left=1, right=1)
_VOWEL_GROUP_RE = re.compile(r"[aeiouy]+")
_SILENT_E_RE = re.compile(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$")


def _mask_links(text: str) -> str:
    """Blank out links (same length, so offsets hold): they are not words."""
    return _ANY_URL_RE.sub(lambda match: " " * len(match.group()), text)


def _sentence_spans(text: str) -> list[Span]:
    spans = []
    start = 0
    for match in _SENTENCE_END_RE.finditer(text):
        if match.group() == "." and not _ends_sentence(text, match.start()):
            continue
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    trimmed = []
    for span_start, span_end in spans:
        chunk = text[span_start:span_end]
        if _WORD_RE.search(chunk):
            left = len(chunk) - len(chunk.lstrip())
            trimmed.append((span_start + left, span_start + len(chunk.rstrip())))
    return trimmed


def _ends_sentence(text: str, dot: int) -> bool:
    following = text[dot + 1 :].lstrip()
    if following and following[0].islower():
        return False  # "a.m. on Tuesday", "e.g. the"
    last_words = _LAST_WORDS_RE.search(text, max(0, dot - 40), dot + 1)
    if not last_words:
        return True
    previous, word = last_words.group(1) or "", last_words.group(2)
    if word.lower() in _STREET_OR_TITLE:
        # "on Maple Dr. Both" ends a sentence; "with Dr. Lee" does not.
        return previous[:1].isupper()
    # "Sgt. Diaz", "J. Smith"
    return not (word.lower() in _TITLE_ABBREVIATIONS or (len(word) == 1 and word.isupper()))


@functools.lru_cache(maxsize=4096)
def _syllables(word: str) -> int:
    letters = "".join(char for char in word.lower() if char.isalpha())
    if not letters:
        return 1  # numbers: one beat is close enough for the formula
    count = len(_hyphenator.positions(letters)) + 1
    if count == 1 and len(letters) > 3:
        # Hyphenation never splits some short words ("area", "about").
        stem = _SILENT_E_RE.sub("", letters)
        count = max(1, len(_VOWEL_GROUP_RE.findall(stem)))
    return count


def _word_spans(text: str) -> list[str]:
    return [match.group() for match in _WORD_RE.finditer(text)]


def _grade(masked_text: str, sentences: list[Span]) -> tuple[float, int]:
    words = _word_spans(masked_text)
    if not words:
        return 0.0, 0
    syllables = sum(_syllables(part) for word in words for part in re.split(r"[-.]", word) if part)
    sentence_count = max(1, len(sentences))
    grade = 0.39 * (len(words) / sentence_count) + 11.8 * (syllables / len(words)) - 15.59
    # Negative grades only confuse people: very easy text is simply grade 0.
    return max(0.0, round(grade, 1)), len(words)


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade level of ``text``, rounded to one decimal."""
    masked = _mask_links(text)
    return _grade(masked, _sentence_spans(masked))[0]


def _sentence_findings(text: str, sentences: list[Span]) -> list[Finding]:
    findings = []
    for start, end in sentences:
        count = len(_word_spans(text[start:end]))
        if count > _MAX_SENTENCE_WORDS:
            findings.append(
                Finding(
                    "sentence.long",
                    WARN,
                    start,
                    end,
                    f"This sentence has {count} words.",
                    f"Split it into sentences of {_MAX_SENTENCE_WORDS} words or fewer.",
                )
            )
    return findings


# --------------------------------------------------------------------------
# Plain language: times and passive voice
# --------------------------------------------------------------------------

_CLOCK_QUALIFIER = (
    r"(?!\s*(?:[ap]\.?\s?m\b\.?|o'?clock\b|in\s+the\s+(?:morning|afternoon|evening)|at\s+night|tonight))"
)
_COLON_TIME_RE = re.compile(
    rf"(?<![\w:.])(?P<h>[01]?[0-9]|2[0-3]):(?P<m>[0-5][0-9])(?![\w:]){_CLOCK_QUALIFIER}", re.IGNORECASE
)
_HOURS_TIME_RE = re.compile(
    r"(?<![\w:.])(?P<h>[01][0-9]|2[0-3])(?P<m>[0-5][0-9])\s*(?:hours|hrs|hr|h)\b", re.IGNORECASE
)
# "at 1430": a bare four-digit time needs the preposition to tell it from a year.
_AT_TIME_RE = re.compile(
    r"\b(?:at|by|around|until|before|after|approximately|about)\s+"
    r"(?P<time>(?P<h>[01][0-9]|2[0-3])(?P<m>[0-5][0-9]))(?![\w:]|[.,][0-9])(?!\s*(?:block|hours|hrs|hr|h)\b)",
    re.IGNORECASE,
)


def _twelve_hour(hour: int, minute: int) -> str:
    if minute == 0 and hour in (0, 24):
        return "midnight"
    if minute == 0 and hour == 12:
        return "noon"
    period = "am" if hour < 12 else "pm"
    shown = hour % 12 or 12
    return f"{shown}:{minute:02d} {period}" if minute else f"{shown} {period}"


def _time_findings(text: str) -> list[Finding]:
    findings = []
    for pattern in (_COLON_TIME_RE, _HOURS_TIME_RE, _AT_TIME_RE):
        for match in pattern.finditer(text):
            hour_text, minute = match.group("h"), int(match.group("m"))
            hour = int(hour_text)
            if pattern is _COLON_TIME_RE and 1 <= hour <= 12 and not hour_text.startswith("0"):
                message = "This time has no am or pm."
                suggestion = f'Write "{_twelve_hour(hour, minute)}" or "{_twelve_hour(hour + 12, minute)}".'
                if hour == 12:
                    suggestion = f'Write "{_twelve_hour(12, minute)}" or "{_twelve_hour(0, minute)}".'
            else:
                message = "This is a 24-hour clock time."
                suggestion = f'Write "{_twelve_hour(hour, minute)}".'
            start, end = match.span("time") if pattern is _AT_TIME_RE else match.span()
            findings.append(Finding("time.24h", WARN, start, end, message, suggestion))
    return findings


_IRREGULAR_PARTICIPLES = (
    "beaten|bitten|broken|brought|caught|chosen|done|driven|found|given|held|hit|hurt|kept|known"
    "|led|left|lost|made|met|paid|put|run|seen|sent|set|shot|shown|sold|spoken|stolen|struck|swept"
    "|taken|taught|thrown|told|torn|written|bound|fought|hidden|shaken"
)
_PASSIVE_RE = re.compile(
    r"\b(?:am|is|are|was|were|be|been|being|get|gets|got|gotten)\s+"
    r"(?:(?:not|also|then|later|\w+ly)\s+)?"
    rf"(?:\w+ed|{_IRREGULAR_PARTICIPLES})\s+by\b"
    # "by 3 pm", "by then": time, not an agent.
    r"(?!\s+(?:[0-9]|noon|midnight|then|now|the\s+time)\b)",
    re.IGNORECASE,
)


def _passive_findings(text: str) -> list[Finding]:
    return [
        Finding(
            "voice.passive",
            WARN,
            match.start(),
            match.end(),
            "This is passive voice.",
            'Say who did it first: "Officers arrested a man", not "A man was arrested by officers".',
        )
        for match in _PASSIVE_RE.finditer(text)
    ]


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def check_text(text: str, *, private_values: Iterable[str] = ()) -> CheckResult:
    """Check a draft post. ``private_values`` are the incident's private fields.

    A 500-character draft takes a few milliseconds. Cap what users can submit
    (a few thousand characters is plenty): twitter-text's link matching is
    quadratic on long dotted runs such as "a.a.a.a…" (about 0.4 s at 500).
    """
    lengths = measure(text)
    masked = _mask_links(text)
    sentences = _sentence_spans(masked)
    grade, word_count = _grade(masked, sentences)

    personal = _personal_data_findings(text, list(private_values))
    personal_spans = [(finding.start, finding.end) for finding in personal]
    # A style note inside personal data ("at 1400" in "1400 Broadway") is noise:
    # that text has to go anyway.
    style = [
        finding
        for finding in _jargon_findings(masked) + _time_findings(masked) + _passive_findings(masked)
        if not _overlaps(finding.start, finding.end, personal_spans)
    ]
    findings = _length_findings(text, lengths) + personal + style
    findings += _sentence_findings(masked, sentences)
    if grade > _MAX_GRADE and word_count >= _MIN_WORDS_FOR_GRADE:
        findings.append(
            Finding(
                "grade.high",
                WARN,
                0,
                len(text),
                f"This reads at about grade {grade}; aim for grade {_MAX_GRADE:g} or lower.",
                "Use shorter sentences and everyday words.",
            )
        )

    findings.sort(key=lambda finding: (finding.start, finding.code, finding.end))
    return CheckResult(
        ok=not any(finding.severity == BLOCK for finding in findings),
        lengths=lengths,
        grade=grade,
        findings=findings,
    )
