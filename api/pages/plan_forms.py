"""Reading repayment plans from the pages' forms (the borrower's proposal, a member's
counter-proposal): amounts in main units, one row of date and amount per instalment, and the
refusals of `notary.repayment` as the field they name and a catalog key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from notary.case_status import MAX_AMOUNT
from notary.repayment import InstalmentIn, PlanInputError

_UNITS = re.compile(r"^(\d{1,13})(?:\.(\d{1,2}))?$")
_ROW = re.compile(r"^instalments\[(\d+)\]\.(amount|due_on)$")


def parse_units(text: str) -> int | None:
    """An amount typed in main units (``1,234.50``) as smallest units; None if malformed."""
    found = _UNITS.fullmatch(text.strip().replace(",", ""))
    if found is None:
        return None
    value = int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))
    return value if value <= MAX_AMOUNT else None


def instalments_of(form: Mapping[str, str], rows: int) -> tuple[list[InstalmentIn], dict[str, str]]:
    """The instalments of rows ``due_on-1``/``amount-1`` .. of `form` (empty rows skipped),
    or the errors (field id → catalog key) that stop them."""
    found: list[InstalmentIn] = []
    errors: dict[str, str] = {}
    for n in range(1, rows + 1):
        day_text = form.get(f"due_on-{n}", "").strip()
        amount_text = form.get(f"amount-{n}", "").strip()
        if not day_text and not amount_text:
            continue
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            errors[f"due_on-{n}"] = "plan.error.due_on"
            continue
        value = parse_units(amount_text)
        if not value:
            errors[f"amount-{n}"] = "plan.error.amount"
            continue
        found.append(InstalmentIn(due_on=day, amount=value))
    if not found and not errors:
        errors["due_on-1"] = "plan.error.count"
    return found, errors


def plan_error(exc: PlanInputError, filled_rows: list[int]) -> dict[str, str]:
    """`exc` as field id → catalog key; `filled_rows` maps the n-th instalment to its row."""
    row = _ROW.fullmatch(exc.field)
    if row is not None:
        n, part = int(row.group(1)), row.group(2)
        return {f"{part}-{filled_rows[n]}": f"plan.error.{part}"}
    if exc.field == "total":
        return {"amount-1": "plan.error.total"}
    if exc.field == "consent":
        return {"consent": "plan.error.consent"}
    return {"due_on-1": "plan.error.count"}


def filled_rows(form: Mapping[str, str], rows: int) -> list[int]:
    """The numbers of the rows of `form` that hold something, in order."""
    return [
        n
        for n in range(1, rows + 1)
        if form.get(f"due_on-{n}", "").strip() or form.get(f"amount-{n}", "").strip()
    ]
