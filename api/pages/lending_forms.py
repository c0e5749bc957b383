"""The lender's form fields as people write them, turned into the chain's units: amounts in the
currency's main unit (``150000.00``) into the smallest unit, per cents into basis points,
days into seconds. Each problem is a catalog string in the reader's language, kept against
its field's name so the page shows it next to the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from api.pages.i18n import Translator
from ledger.financing import (
    BPS,
    DAY,
    MAX_AMOUNT,
    MAX_CURTAILMENT_STEPS,
    MAX_LIMIT,
    MAX_RATE_BPS,
    CurtailmentStep,
    InvalidTerms,
    LineTerms,
)

CURTAILMENT_ROWS = 3
"""Empty curtailment rows the terms form offers; a line with more steps shows them all (up to
the contract's `MAX_CURTAILMENT_STEPS`)."""

MAX_WINDOW_DAYS = (2**32 - 1) // DAY
"""Longest confirm or payoff window in whole days (the contract keeps seconds in 32 bits)."""

_MONEY = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")
_PERCENT = re.compile(r"^\d+(\.\d{1,2})?$")
_WHOLE = re.compile(r"^\d+$")


@dataclass(kw_only=True)
class FormReader:
    """Reads fields of `form`, collecting each field's error in `errors`."""

    form: Mapping[str, str]
    t: Translator
    currency: str
    errors: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        """The field as typed, trimmed."""
        return self.form.get(name, "").strip()

    def money(
        self, name: str, *, minimum: int = 0, maximum: int = MAX_AMOUNT, required: bool = True
    ) -> int | None:
        """An amount in main units (two decimals at most, thousands commas allowed) as
        smallest units; None when empty and not `required`, or wrong."""
        text = self.text(name)
        if not text:
            if required:
                self.errors[name] = self.t("lending.error.required")
            return None
        if not _MONEY.fullmatch(text):
            self.errors[name] = self.t("lending.error.money", currency=self.currency)
            return None
        value = int(Decimal(text.replace(",", "")) * 100)
        if not minimum <= value <= maximum:
            self.errors[name] = self.t(
                "lending.error.money_range",
                low=_main(minimum),
                high=_main(maximum),
                currency=self.currency,
            )
            return None
        return value

    def percent(self, name: str, *, minimum: int, maximum: int) -> int | None:
        """A per cent with two decimals at most, as basis points in `minimum..maximum`."""
        text = self.text(name).removesuffix("%").strip()
        if not text:
            self.errors[name] = self.t("lending.error.required")
            return None
        if not _PERCENT.fullmatch(text):
            self.errors[name] = self.t("lending.error.percent")
            return None
        bps = int(Decimal(text) * 100)
        if not minimum <= bps <= maximum:
            self.errors[name] = self.t(
                "lending.error.percent_range", low=f"{minimum / 100:g}", high=f"{maximum / 100:g}"
            )
            return None
        return bps

    def whole(self, name: str, *, minimum: int, maximum: int, key: str) -> int | None:
        """A whole number in `minimum..maximum`; `key` is the catalog string of its error."""
        text = self.text(name)
        if not text:
            self.errors[name] = self.t("lending.error.required")
            return None
        if not _WHOLE.fullmatch(text) or not minimum <= int(text) <= maximum:
            self.errors[name] = self.t(key, low=minimum, high=maximum)
            return None
        return int(text)


def _main(value: int) -> str:
    return f"{value // 100:,}.{value % 100:02d}"


def read_terms(reader: FormReader) -> LineTerms | None:
    """The terms of a line form, checked as the contract checks them; None when a field is
    wrong (its error is in `reader.errors`)."""
    advance_rate = reader.percent("advance_rate", minimum=1, maximum=BPS)
    interest_rate = reader.percent("interest_rate", minimum=0, maximum=MAX_RATE_BPS)
    fee = reader.money("fee", required=False)
    confirm_days = reader.whole(
        "confirm_days", minimum=1, maximum=MAX_WINDOW_DAYS, key="lending.error.days"
    )
    payoff_days = reader.whole(
        "payoff_days", minimum=1, maximum=MAX_WINDOW_DAYS, key="lending.error.days"
    )
    steps = []
    for row in range(1, MAX_CURTAILMENT_STEPS + 1):
        day_name, share_name = f"step_day_{row}", f"step_percent_{row}"
        if not reader.text(day_name) and not reader.text(share_name):
            continue
        day = reader.whole(day_name, minimum=1, maximum=65_535, key="lending.error.step_day")
        share = reader.percent(share_name, minimum=1, maximum=BPS)
        if day is not None and share is not None:
            steps.append(CurtailmentStep(day=day, bps=share))
    if reader.errors:
        return None
    assert advance_rate is not None and interest_rate is not None
    assert confirm_days is not None and payoff_days is not None
    terms = LineTerms(
        advance_rate_bps=advance_rate,
        interest_rate_bps=interest_rate,
        payoff_window=payoff_days * DAY,
        confirm_window=confirm_days * DAY,
        fee_per_vehicle=fee or 0,
        curtailments=tuple(steps),
    )
    try:
        return terms.validate()
    except InvalidTerms:  # what is left: the steps' days must rise and shares add up to 100 %
        reader.errors["step_day_1"] = reader.t("lending.error.steps")
        return None


def read_limit(reader: FormReader) -> int | None:
    """The line's limit in smallest units."""
    return reader.money("limit", maximum=MAX_LIMIT)


def terms_form(terms: LineTerms) -> dict[str, str]:
    """A line's terms as the form shows them to change."""
    shown = {
        "advance_rate": f"{terms.advance_rate_bps / 100:g}",
        "interest_rate": f"{terms.interest_rate_bps / 100:g}",
        "fee": plain_amount(terms.fee_per_vehicle),
        "confirm_days": f"{terms.confirm_window // DAY}",
        "payoff_days": f"{terms.payoff_window // DAY}",
    }
    for row, step in enumerate(terms.curtailments, start=1):
        shown[f"step_day_{row}"] = str(step.day)
        shown[f"step_percent_{row}"] = f"{step.bps / 100:g}"
    return shown


def plain_amount(value: int) -> str:
    """Smallest units as the forms take them, in main units without commas (``150000.00``)."""
    return f"{value // 100}.{value % 100:02d}"


def step_rows(form: Mapping[str, str]) -> int:
    """How many curtailment rows a terms form shows: those filled in, at least
    `CURTAILMENT_ROWS`."""
    filled = [
        row
        for row in range(1, MAX_CURTAILMENT_STEPS + 1)
        if form.get(f"step_day_{row}") or form.get(f"step_percent_{row}")
    ]
    return max([CURTAILMENT_ROWS, *filled])
