"""Floor-plan figures (advances, interest, payoffs, curtailments) exactly as the contract has them.

Everything is an integer in the smallest currency unit (fen, cents); rates and shares are basis
points. Interest is simple interest on the outstanding principal, rounded down once per accrual
period: ``principal * rate_bps * seconds // (10_000 * 365 days)``. A lien's first period starts
at disbursement; each curtailment payment ends one and starts the next. These functions use no
chain and no clock, so a dealer can check every charge from the terms and the event history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ledger.errors import LedgerError

BPS = 10_000
"""Basis points in one: rates and shares are in 1/10,000."""

DAY = 86_400
"""Seconds in a day: curtailment steps count whole days after disbursement."""

YEAR = 365 * DAY
"""Seconds in the interest year: 365 days, leap years included (the contract's `YEAR`)."""

MAX_AMOUNT = 2**80 - 1
"""Largest per-vehicle value or advance: the contract packs them into 80 bits."""

MAX_LIMIT = 2**96 - 1
"""Largest line limit: the contract packs line totals into 96 bits."""

MAX_CURTAILMENT_STEPS = 8
"""Most steps in a curtailment schedule: the contract packs the schedule into one storage word."""

MAX_RATE_BPS = 2**16 - 1
"""Largest interest rate the contract stores (uint16 basis points, 655.35 % a year)."""


class InvalidTerms(LedgerError):
    """Line terms or figures' inputs the contract would reject; the message names the field."""


@dataclass(frozen=True, kw_only=True)
class CurtailmentStep:
    """`bps` of the advance falls due `day` days after disbursement while the vehicle is unsold."""

    day: int
    bps: int


@dataclass(frozen=True, kw_only=True)
class LineTerms:
    """The terms a credit line advances on (the contract's `LineTerms`).

    `payoff_window` and `confirm_window` are seconds: how long the dealer has to pay off a sold
    vehicle, and to confirm receipt of a financed one. `fee_per_vehicle` is added to each payoff.
    """

    advance_rate_bps: int
    interest_rate_bps: int
    payoff_window: int
    confirm_window: int
    fee_per_vehicle: int = 0
    curtailments: tuple[CurtailmentStep, ...] = field(default=())

    def validate(self) -> LineTerms:
        """Return self if the contract would accept these terms; else raise `InvalidTerms`.

        Mirrors the contract's checks and their order: advance rate 1..10,000; both windows at
        least 1 second; at most `MAX_CURTAILMENT_STEPS` steps, days strictly increasing from 1,
        each share at least 1 bps and all shares together at most 10,000 bps.
        """
        if not 1 <= self.advance_rate_bps <= BPS:
            raise InvalidTerms(f"advance rate must be 1..{BPS} bps, got {self.advance_rate_bps}")
        if not 0 <= self.interest_rate_bps <= MAX_RATE_BPS:
            raise InvalidTerms(
                f"interest rate must be 0..{MAX_RATE_BPS} bps, got {self.interest_rate_bps}"
            )
        for name in ("payoff_window", "confirm_window"):
            value = getattr(self, name)
            if not 1 <= value < 2**32:
                raise InvalidTerms(f"{name} must be 1..{2**32 - 1} seconds, got {value}")
        if not 0 <= self.fee_per_vehicle <= MAX_AMOUNT:
            raise InvalidTerms(f"fee must be 0..{MAX_AMOUNT}, got {self.fee_per_vehicle}")
        if len(self.curtailments) > MAX_CURTAILMENT_STEPS:
            raise InvalidTerms(
                f"at most {MAX_CURTAILMENT_STEPS} curtailment steps, got {len(self.curtailments)}"
            )
        last_day, share = 0, 0
        for index, step in enumerate(self.curtailments):
            share += step.bps
            if step.day <= last_day or step.day >= 2**16 or not 1 <= step.bps or share > BPS:
                raise InvalidTerms(
                    f"curtailment step {index} (day {step.day}, {step.bps} bps): days must rise"
                    f" from 1, each share be at least 1 bps and all shares at most {BPS} bps"
                )
            last_day = step.day
        return self


@dataclass(frozen=True, kw_only=True)
class Payment:
    """A curtailment (principal) payment of `amount`, recorded at block time `at`."""

    at: int
    amount: int


@dataclass(frozen=True, kw_only=True)
class Payoff:
    """What paying a lien off costs at a given time."""

    principal: int
    interest: int
    fee: int

    @property
    def total(self) -> int:
        """Principal, interest and fee together."""
        return self.principal + self.interest + self.fee


@dataclass(frozen=True, kw_only=True)
class Curtailments:
    """A lien's curtailments at a given time: `due` in total from the `steps_due` steps passed,
    `paid` so far, and when the next step falls due (None when none is left)."""

    due: int
    steps_due: int
    paid: int
    next_due_at: int | None

    @property
    def overdue(self) -> int:
        """What is due and not paid (0 when payments are ahead of the schedule)."""
        return max(self.due - self.paid, 0)


def interest(principal: int, rate_bps: int, seconds: int) -> int:
    """Simple interest on `principal` at `rate_bps` a year over `seconds`, rounded down.

    The contract's `interest(principal, rateBps, elapsed)`. Raises `InvalidTerms` for a negative
    argument.
    """
    if principal < 0 or rate_bps < 0 or seconds < 0:
        raise InvalidTerms(
            f"interest needs non-negative figures, got principal {principal},"
            f" rate {rate_bps} bps, {seconds} s"
        )
    return principal * rate_bps * seconds // (BPS * YEAR)


def advance_for(value: int, advance_rate_bps: int) -> int:
    """The advance on a vehicle worth `value`: `value * advance_rate_bps // 10_000`.

    Raises `InvalidTerms` for a value outside 0..`MAX_AMOUNT` (the contract reverts
    ``FloorPlanAmountTooLarge``) or a rate outside 1..10,000.
    """
    if not 0 <= value <= MAX_AMOUNT:
        raise InvalidTerms(f"vehicle value must be 0..{MAX_AMOUNT}, got {value}")
    if not 1 <= advance_rate_bps <= BPS:
        raise InvalidTerms(f"advance rate must be 1..{BPS} bps, got {advance_rate_bps}")
    return value * advance_rate_bps // BPS


def payoff(
    *,
    advance: int,
    interest_rate_bps: int,
    fee: int,
    disbursed_at: int,
    at: int,
    payments: Sequence[Payment] = (),
) -> Payoff:
    """The payoff at time `at` of a lien of `advance` disbursed at `disbursed_at`.

    `payments` are the lien's curtailment payments in the order recorded; each closes an
    accrual period (interest on the principal before it, rounded down) and lowers the
    principal. Raises `InvalidTerms` when a payment or `at` comes before the period it would
    close, or a payment exceeds the principal: the contract never records such histories.
    """
    principal, accrued, start = advance, 0, disbursed_at
    for payment in payments:
        if payment.at < start:
            raise InvalidTerms(f"payment at {payment.at} is before the accrual start {start}")
        if not 0 < payment.amount <= principal:
            raise InvalidTerms(f"payment of {payment.amount} on a principal of {principal}")
        accrued += interest(principal, interest_rate_bps, payment.at - start)
        principal -= payment.amount
        start = payment.at
    if at < start:
        raise InvalidTerms(f"payoff time {at} is before the accrual start {start}")
    return Payoff(
        principal=principal,
        interest=accrued + interest(principal, interest_rate_bps, at - start),
        fee=fee,
    )


def curtailments(
    *,
    advance: int,
    schedule: Sequence[CurtailmentStep],
    disbursed_at: int,
    at: int,
    paid: int = 0,
) -> Curtailments:
    """The curtailments of a lien of `advance` disbursed at `disbursed_at`, at time `at`.

    Step k falls due at `disbursed_at + day * DAY`, for ``advance * bps // 10_000`` (each step
    rounded down on its own); `paid` is the principal paid so far.
    """
    due = 0
    for index, step in enumerate(schedule):
        due_at = disbursed_at + step.day * DAY
        if at < due_at:
            return Curtailments(due=due, steps_due=index, paid=paid, next_due_at=due_at)
        due += advance * step.bps // BPS
    return Curtailments(due=due, steps_due=len(schedule), paid=paid, next_due_at=None)
