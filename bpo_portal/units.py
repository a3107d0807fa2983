"""Every unit of the portal, formatted once: pages, the PDF, XLSX and CSV all read their figures
through this module, so a figure prints the same wherever it appears.

Rules (issue 13, item 4):

- durations `m:ss` below an hour and `h:mm:ss` from an hour up (whole seconds, rounded);
- percentages with one decimal ("81.4 %"); a difference of two percentages in percentage
  points ("−2.9 pp");
- scores: QA 0–100 with one decimal, CSAT mean 1–5 with two;
- counts with thousands separators;
- comparators as ≥ and ≤;
- money with its ISO 4217 currency code in front: "USD 12,500.00" (the minor units of the
  currency: "JPY 1,250,000").
- undefined figures (None) read "—", never 0.

Exports: XLSX stores real numbers with a number format (durations as Excel durations, value =
seconds ÷ 86,400; percentages as Excel percentages, value = percent ÷ 100); CSV stores plain
numbers (seconds and percents, two decimals), so a machine reads what a person reads.

Each metric's label, unit, digits and formula in words is declared once in the metric registry
(`bpo_portal.metrics`), which formats its figures through this module. This module imports
nothing of the portal: every app may use it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

DASH = "—"
MINUS = "−"  # U+2212, the typographic minus

# Unit codes of the metric declarations.
PERCENT = "%"
DURATION = "s"  # a duration in seconds
SCORE = "score"  # 0–100 (QA score)
MEAN = "mean"  # 1–5 (CSAT mean)
COUNT = "count"
# Decimals shown on pages, the PDF and e-mails, per unit (durations in whole seconds).
DIGITS = {PERCENT: 1, DURATION: 0, SCORE: 1, MEAN: 2, COUNT: 0}

COMPARATORS = {">=": "≥", "<=": "≤"}
COMPARATOR_WORDS = {">=": "at least", "<=": "at most"}


# --- numbers as text -----------------------------------------------------------------------------------


def duration(seconds, *, signed: bool = False) -> str:
    """1145 → "19:05"; 4752.68 → "1:19:13"; 90061 → "25:01:01"; None → "—"."""
    if seconds is None:
        return DASH
    total = int(Decimal(str(abs(float(seconds)))).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    if float(seconds) < 0 and total:
        return MINUS + text
    if signed and total:
        return "+" + text
    return text


def _rounded(value, digits: int) -> Decimal:
    """Half up (81.45 → 81.5, not Python's banker's 81.4); never a negative zero."""
    rounded = Decimal(str(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return abs(rounded) if rounded == 0 else rounded


def _fixed(value, digits: int, *, signed: bool = False) -> str:
    """Thousands separated, a typographic minus, and "+" in front when `signed` and positive."""
    rounded = _rounded(value, digits)
    text = f"{abs(rounded):,.{digits}f}"
    if rounded < 0:
        return MINUS + text
    return ("+" + text) if signed and rounded > 0 else text


def _digits(value, digits: int, exact: bool) -> int:
    """One more decimal for a contractual value (a target of 99.95 %) that `digits` would round."""
    if exact and _rounded(value, digits) != _rounded(value, digits + 1):
        return digits + 1
    return digits


def percent(value, digits: int = 1, *, exact: bool = False) -> str:
    """81.44 → "81.4 %"; None → "—". `exact` (targets, credit rates): 99.95 → "99.95 %"."""
    if value is None:
        return DASH
    return f"{_fixed(value, _digits(value, digits, exact))} %"


def pp(value) -> str:
    """A difference of percentages, signed: −2.94 → "−2.9 pp", 1 → "+1.0 pp"."""
    if value is None:
        return DASH
    return f"{_fixed(value, 1, signed=True)} pp"


def score(value, digits: int = 1, *, exact: bool = False) -> str:
    """A QA score (0–100): 92.25 → "92.3"."""
    if value is None:
        return DASH
    return _fixed(value, _digits(value, digits, exact))


def count(value) -> str:
    """1234 → "1,234"; a projected count of 123.6 → "124"."""
    if value is None:
        return DASH
    return _fixed(value, 0)


def number(value, digits: int = 2) -> str:
    """A plain quantity (a sum of seconds in the appendix): 12345.5 → "12,345.50"; whole numbers stay whole."""
    if value is None:
        return DASH
    if float(value).is_integer():
        return _fixed(value, 0)
    return _fixed(value, digits)


def comparator(value) -> str:
    """ ">=" → "≥", "<=" → "≤" (already typographic values pass through)."""
    return COMPARATORS.get(str(value), str(value))


def figure(value, unit: str, *, exact: bool = False) -> str:
    """A figure in its unit: the one entry point of pages, the PDF and e-mails. `exact` for
    contractual values (targets), which are never rounded away."""
    if value is None or value == "":
        return DASH
    if unit == PERCENT:
        return percent(value, DIGITS[PERCENT], exact=exact)
    if unit == DURATION:
        return duration(value)
    if unit in (SCORE, MEAN):
        return score(value, DIGITS[unit], exact=exact)
    return count(value)


def gap(value, unit: str) -> str:
    """A signed distance from a target, positive on the good side: percentages in points ("pp"),
    durations as signed durations, scores in points."""
    if value is None:
        return DASH
    if unit == PERCENT:
        return pp(value)
    if unit == DURATION:
        return duration(value, signed=True)
    if unit in (SCORE, MEAN):
        return f"{_fixed(value, DIGITS[unit], signed=True)} pts"
    return _fixed(value, DIGITS[COUNT], signed=True)


def target(comparator_value, value, unit: str) -> str:
    """ ">=", 80 → "≥ 80.0 %"."""
    return f"{comparator(comparator_value)} {figure(None if value is None else float(value), unit, exact=True)}"


# --- money ----------------------------------------------------------------------------------------

DEFAULT_CURRENCY = "USD"
# Active ISO 4217 codes (funds and precious metals left out); the minor units differ from 2 for a few.
# fmt: off
ISO_4217 = frozenset((
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
    "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC",
    "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS",
    "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD",
    "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL",
    "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
    "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
))
MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW",
                     "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}
# fmt: on


def validate_currency(value: str) -> None:
    """A 3-letter ISO 4217 code in capitals ("USD", "EUR", "INR")."""
    if value not in ISO_4217:
        raise ValidationError(
            "%(value)s is not an ISO 4217 currency code (three capital letters, e.g. USD, EUR, GBP, INR).",
            params={"value": value},
            code="invalid_currency",
        )


def money(amount, currency: str | None) -> str:
    """Decimal("12500"), "USD" → "USD 12,500.00"; None → "—"."""
    if amount is None:
        return DASH
    code = currency or DEFAULT_CURRENCY
    return f"{code} {_fixed(Decimal(str(amount)), MINOR_UNITS.get(code, 2))}"


# --- exports ----------------------------------------------------------------------------------------

XLSX_PERCENT = "0.0%"
XLSX_PP = '+0.0" pp";"−"0.0" pp";0.0" pp"'
XLSX_SCORE = "0.0"
XLSX_MEAN = "0.00"
XLSX_COUNT = "#,##0"
XLSX_DECIMAL = "#,##0.00"
# Excel cannot display a negative time, so a gap of a duration is signed whole seconds.
XLSX_SIGNED_SECONDS = '+#,##0" s";"−"#,##0" s";0" s"'
XLSX_SCORE_GAP = '+0.0" pts";"−"0.0" pts";0.0" pts"'


def xlsx_duration_format(seconds) -> str:
    """m:ss below an hour, h:mm:ss from an hour up (elapsed, so 25 h stays 25:00:00)."""
    if seconds is not None and round(abs(float(seconds))) >= 3600:
        return "[h]:mm:ss"
    return "[m]:ss"


def xlsx_cell(value, unit: str) -> tuple[float | None, str]:
    """(cell value, number format) of a figure: durations as Excel durations (days), percentages
    as Excel percentages (fractions), scores and counts as they are."""
    if unit == PERCENT:
        return (None if value is None else float(value) / 100), XLSX_PERCENT
    if unit == DURATION:
        return (None if value is None else float(value) / 86400), xlsx_duration_format(value)
    if unit == SCORE:
        return (None if value is None else float(value)), XLSX_SCORE
    if unit == MEAN:
        return (None if value is None else float(value)), XLSX_MEAN
    return value, XLSX_COUNT


def xlsx_gap_cell(value, unit: str) -> tuple[float | None, str]:
    """(cell value, number format) of a gap: points for percentages and scores, seconds for durations."""
    number = None if value is None else round(float(value), 2)
    if unit == PERCENT:
        return number, XLSX_PP
    if unit == DURATION:
        return number, XLSX_SIGNED_SECONDS
    if unit in (SCORE, MEAN):
        return number, XLSX_SCORE_GAP
    return number, XLSX_COUNT


def xlsx_money_format(currency: str | None) -> str:
    code = currency or DEFAULT_CURRENCY
    digits = MINOR_UNITS.get(code, 2)
    return f'"{code} "#,##0' + ("." + "0" * digits if digits else "")


def csv_number(value):
    """A plain number for CSV (seconds and percents as numbers, two decimals); "" when undefined."""
    if value is None:
        return ""
    rounded = round(float(value), 2)
    return int(rounded) if rounded.is_integer() else rounded


CSV_UNITS = {PERCENT: "%", DURATION: "s", SCORE: "", MEAN: "", COUNT: ""}
