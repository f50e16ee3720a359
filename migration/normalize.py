"""How values are made comparable (MIGRATION_SPEC.md "Normalization"), as ibis expressions.

Text is trimmed, inner white space collapsed and lower-cased, and a blank string counts as null;
phone numbers compare by their digits; dates, timestamps, integers and money (2 places in the
warehouse) compare as they are. Key order (KPI_SPEC.md): keys compared as numbers when both are all
digits, else as text; that comparison is done in Python on the few keys that need it, so it does not
depend on a database's collation.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

import ibis
import ibis.expr.types as ir

CENT = Decimal("0.01")
# Compared fields per table and how each is normalized: text, phone, ref:<table>, or as-is (value).
COMPARED_FIELDS: dict[str, dict[str, str]] = {
    "patients": {"first_name": "text", "last_name": "text", "birth_date": "value", "sex": "text",
                 "phone": "phone", "email": "text", "address_line": "text", "city": "text", "state": "text",
                 "postal_code": "text"},
    "coverages": {"patient_id": "ref:patients", "payer_id": "ref:payers", "member_id": "text",
                  "priority": "value", "start_date": "value", "end_date": "value"},
    "authorizations": {"patient_id": "ref:patients", "payer_id": "ref:payers", "visits_authorized": "value",
                       "start_date": "value", "end_date": "value"},
    "appointments": {"patient_id": "ref:patients", "provider_id": "ref:providers", "location_id": "ref:locations",
                     "scheduled_start": "value", "duration_minutes": "value", "status": "text"},
    "claims": {"patient_id": "ref:patients", "payer_id": "ref:payers", "total_charge": "value",
               "service_date_from": "value"},
    "providers": {"name": "text", "discipline": "text", "credential": "text", "npi": "text"},
    "payers": {"name": "text", "payer_class": "text"},
    "locations": {"name": "text"},
}
BLOCKER_FIELDS = {("patients", "birth_date"), ("coverages", "member_id")}


WHITESPACE = ("\t", "\n", "\r", "\x0b", "\x0c")


def text(value: ir.StringValue) -> ir.StringValue:
    """Trimmed, inner white space collapsed, lower-cased; blank is null.

    The regular expression runs only on values holding a run of spaces or another white-space
    character; for the rest, collapsing changes nothing (a cheap test keeps a million rows fast).
    """
    needs = value.contains("  ")
    for ch in WHITESPACE:
        needs = needs | value.contains(ch)
    collapsed = ibis.ifelse(needs, value.re_replace(r"\s+", " "), value)
    return collapsed.strip().lower().nullif("")


def blocking_text(value: ir.StringValue) -> ir.StringValue:
    """Lower case with every white-space character removed: two texts equal after ``text`` always share
    it, so it is a cheap join key to find candidates before normalizing them. The replacements run
    only on values holding white space (a cheap test first, as in ``text``)."""
    lowered = value.lower()
    has_space = value.contains(" ")
    removed = lowered.replace(" ", "")
    for ch in WHITESPACE:
        has_space = has_space | value.contains(ch)
        removed = removed.replace(ch, "")
    return ibis.ifelse(has_space, removed, lowered)


PHONE_PUNCTUATION = ("-", " ", "(", ")", ".", "+")


def may_differ(legacy: ir.Value, new: ir.Value, kind: str) -> ir.BooleanValue:
    """A cheap test that is false only when the normalized values are surely equal.

    Used to pick the pairs worth normalizing (e.g. a new system that stores names in title case and
    phones as "(512) 555-0100" would otherwise send every record to the regular expressions):
    texts equal ignoring case normalize alike, and so do phones equal once common punctuation is
    removed (removing non-digits keeps the digits).
    """
    if kind == "text":
        return ~legacy.lower().identical_to(new.lower())
    if kind == "phone":
        punctuation = "".join(PHONE_PUNCTUATION)  # deleted in one pass (no counterpart in the "to" text)
        bare_new = new.translate(punctuation, "")
        # Most often one side is stored as bare digits already: then one translation settles it.
        return ~legacy.identical_to(bare_new) & ~legacy.translate(punctuation, "").identical_to(bare_new)
    return ibis.literal(True)


def blank(value: ir.StringValue) -> ir.BooleanValue:
    """Null, empty or only white space (what normalization turns into null).

    Only an empty value or one that starts with white space (or another control character) can be all
    white space, so the strip runs on those alone: the code of the first character is one cheap
    number (0 for an empty text), the same in DuckDB and PostgreSQL."""
    return value.isnull() | ((value.ascii_str() <= 32) & (value.strip() == ""))


def no_digits(value: ir.StringValue) -> ir.BooleanValue:
    """A phone number without a single digit (null counts). A leading digit settles it; otherwise a
    regular-expression search, which stops at the first digit and builds no new text."""
    leading_digit = value.ascii_str().between(48, 57)
    return value.isnull() | ibis.ifelse(leading_digit, False, ~value.re_search("[0-9]"))


def digits(value: ir.StringValue) -> ir.StringValue:
    """The digits of a phone number; none is null."""
    return value.re_replace(r"[^0-9]", "").nullif("")


def normalized(value: ir.Value, kind: str) -> ir.Value:
    if kind == "text":
        return text(value)
    if kind == "phone":
        return digits(value)
    return value


def differs(legacy: ir.Value, new: ir.Value) -> ir.BooleanValue:
    """Null on one side only, or both present and unequal. Null on both is agreement."""
    return (legacy.isnull() != new.isnull()) | (legacy.notnull() & new.notnull() & (legacy != new)).fill_null(False)


def key_sort(key: str) -> tuple:
    """A sort key for listing findings: all-digit keys first, as numbers, then the others as text."""
    return (0, int(key), key) if key.isdigit() else (1, 0, key)


def key_less(a: str, b: str) -> bool:
    """True when key ``a`` comes before key ``b`` (KPI_SPEC.md "Key order")."""
    if a.isdigit() and b.isdigit() and int(a) != int(b):
        return int(a) < int(b)
    return a < b


def lowest_key(keys) -> str:
    best = None
    for k in keys:
        if best is None or key_less(k, best):
            best = k
    return best


def highest_key(keys) -> str:
    best = None
    for k in keys:
        if best is None or key_less(best, k):
            best = k
    return best


def is_digits(value: ir.StringValue) -> ir.BooleanValue:
    return value.re_search(r"^[0-9]+$")


def key_order_expr(value: ir.StringValue) -> ir.StringValue:
    """A text that sorts like key order for all-digit keys (zero-padded) and as itself otherwise."""
    return ibis.ifelse(is_digits(value), value.lpad(40, "0"), value)


def money(value) -> float | None:
    """A decimal rounded to cents for reports (the JSON shows 175.0, 174.99)."""
    if value is None:
        return None
    return float(Decimal(value).quantize(CENT, rounding=decimal.ROUND_HALF_UP))


def to_decimal(value) -> Decimal:
    if value is None:
        return Decimal(0)
    try:
        import pandas as pd

        if pd.isna(value):
            return Decimal(0)
    except (TypeError, ValueError):
        pass
    return value if isinstance(value, Decimal) else Decimal(str(value))


def raw(value, kind: str | None = None):
    """A raw canonical value as JSON: text as is, dates ISO, timestamps ISO, integers, money as numbers.

    ``kind`` is the canonical column type when known: a ``date`` read back through pandas arrives as
    a midnight timestamp and is reported as the date.
    """
    import numpy as np
    import pandas as pd

    if value is None:
        return None
    if not isinstance(value, str | bytes | list | dict | tuple) and pd.isna(value) is True:
        return None
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if kind == "date" and isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):  # dates and timestamps
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value
