"""Floor-plan figures (`ledger.financing`): known answers, validation, and properties.

That they equal the contract's figures is proven in `test_floorplan.py` against the real chain.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.errors import LedgerError
from ledger.financing import (
    BPS,
    DAY,
    MAX_AMOUNT,
    YEAR,
    CurtailmentStep,
    InvalidTerms,
    LineTerms,
    Payment,
    Payoff,
    advance_for,
    curtailments,
    interest,
    payoff,
)

TEN_PERCENT_AT_60_90_120 = (
    CurtailmentStep(day=60, bps=1_000),
    CurtailmentStep(day=90, bps=1_000),
    CurtailmentStep(day=120, bps=1_000),
)


def terms(**changes) -> LineTerms:
    fields = {
        "advance_rate_bps": 9_000,
        "interest_rate_bps": 650,
        "payoff_window": 5 * DAY,
        "confirm_window": 3 * DAY,
        "fee_per_vehicle": 5_000,
        "curtailments": TEN_PERCENT_AT_60_90_120,
        **changes,
    }
    return LineTerms(**fields)


# -- known answers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "rate", "seconds", "expected"),
    [
        (1_000_000, 500, YEAR, 50_000),  # 5 % of a million over a 365-day year
        (10_000, BPS, YEAR, 10_000),  # 100 % a year
        (22_500_000, 650, 30 * DAY, 120_205),  # 120,205.479... rounded down
        (1_000_000, 3_650, DAY, 1_000),  # 36.5 % a year is 0.1 % a day
        (1, 1, 1, 0),
        (0, 650, YEAR, 0),
        (1_000_000, 0, YEAR, 0),
        (1_000_000, 650, 0, 0),
        (MAX_AMOUNT, 2**16 - 1, 2**40 - 1, MAX_AMOUNT * (2**16 - 1) * (2**40 - 1) // (BPS * YEAR)),
    ],
)
def test_interest_known_answers(principal, rate, seconds, expected):
    assert interest(principal, rate, seconds) == expected


def test_interest_rejects_negative_figures():
    with pytest.raises(InvalidTerms, match="non-negative"):
        interest(-1, 650, DAY)


def test_advance_is_the_rate_share_of_the_value_rounded_down():
    assert advance_for(25_000_000, 9_000) == 22_500_000
    assert advance_for(11, 9_000) == 9
    assert advance_for(1, 9_000) == 0
    assert advance_for(MAX_AMOUNT, BPS) == MAX_AMOUNT
    with pytest.raises(InvalidTerms, match="vehicle value"):
        advance_for(MAX_AMOUNT + 1, 9_000)
    with pytest.raises(InvalidTerms, match="advance rate"):
        advance_for(100, 0)


def test_payoff_accrues_per_period_between_payments():
    # 36.5 % a year = 0.1 % a day: 10 days on 1,000,000, then 10 days on 900,000.
    figures = payoff(
        advance=1_000_000,
        interest_rate_bps=3_650,
        fee=5_000,
        disbursed_at=1_000,
        at=1_000 + 20 * DAY,
        payments=[Payment(at=1_000 + 10 * DAY, amount=100_000)],
    )
    assert figures == Payoff(principal=900_000, interest=19_000, fee=5_000)
    assert figures.total == 924_000


def test_payoff_without_payments_is_advance_interest_and_fee():
    assert payoff(
        advance=22_500_000, interest_rate_bps=650, fee=5_000, disbursed_at=0, at=30 * DAY
    ) == Payoff(principal=22_500_000, interest=120_205, fee=5_000)


@pytest.mark.parametrize(
    ("payments", "at", "words"),
    [
        ([Payment(at=50, amount=1)], 100, "before the accrual start 100"),
        ([Payment(at=200, amount=0)], 300, "payment of 0"),
        ([Payment(at=200, amount=1_000_001)], 300, "payment of 1000001"),
        ([Payment(at=200, amount=1)], 150, "payoff time 150 is before"),
    ],
)
def test_payoff_rejects_histories_the_contract_never_records(payments, at, words):
    with pytest.raises(InvalidTerms, match=words):
        payoff(
            advance=1_000_000,
            interest_rate_bps=650,
            fee=0,
            disbursed_at=100,
            at=at,
            payments=payments,
        )


def test_curtailments_fall_due_step_by_step():
    schedule, start = TEN_PERCENT_AT_60_90_120, 5_000

    def at_day(days: float):
        return curtailments(
            advance=999_999, schedule=schedule, disbursed_at=start, at=start + int(days * DAY)
        )

    before = at_day(59.99)
    assert (before.due, before.steps_due, before.next_due_at) == (0, 0, start + 60 * DAY)
    first = at_day(60)
    assert (first.due, first.steps_due, first.next_due_at) == (99_999, 1, start + 90 * DAY)
    assert first.overdue == 99_999
    all_due = at_day(400)
    assert (all_due.due, all_due.steps_due, all_due.next_due_at) == (299_997, 3, None)
    paid = curtailments(
        advance=999_999, schedule=schedule, disbursed_at=start, at=start + 91 * DAY, paid=250_000
    )
    assert paid.due == 199_998 and paid.overdue == 0


# -- terms validation ----------------------------------------------------------------------------


def test_valid_terms_validate_to_themselves():
    assert terms().validate() == terms()
    assert terms(curtailments=()).validate().curtailments == ()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"advance_rate_bps": 0}, "advance rate must be 1..10000 bps, got 0"),
        ({"advance_rate_bps": 10_001}, "got 10001"),
        ({"interest_rate_bps": 2**16}, "interest rate must be 0..65535"),
        ({"payoff_window": 0}, "payoff_window must be 1.."),
        ({"confirm_window": 0}, "confirm_window must be 1.."),
        ({"fee_per_vehicle": -1}, "fee must be"),
        ({"curtailments": tuple(CurtailmentStep(day=d, bps=1) for d in range(1, 10))}, "at most 8"),
        ({"curtailments": (CurtailmentStep(day=0, bps=100),)}, "step 0 (day 0, 100 bps)"),
        (
            {"curtailments": (CurtailmentStep(day=60, bps=1), CurtailmentStep(day=60, bps=1))},
            "step 1 (day 60",
        ),
        ({"curtailments": (CurtailmentStep(day=60, bps=0),)}, "step 0 (day 60, 0 bps)"),
        (
            {"curtailments": (CurtailmentStep(day=1, bps=9_999), CurtailmentStep(day=2, bps=2))},
            "step 1 (day 2, 2 bps)",
        ),
    ],
)
def test_invalid_terms_name_the_field(changes, words):
    with pytest.raises(InvalidTerms) as caught:
        terms(**changes).validate()
    assert words in str(caught.value)
    assert isinstance(caught.value, LedgerError)


# -- properties ---------------------------------------------------------------------------------

amounts = st.integers(0, MAX_AMOUNT)
rates = st.integers(0, 2**16 - 1)
spans = st.integers(0, 30 * YEAR)


@given(amounts, rates, spans, spans)
def test_interest_grows_with_time_and_is_superadditive_at_most_by_rounding(p, r, t1, t2):
    whole = interest(p, r, t1 + t2)
    parts = interest(p, r, t1) + interest(p, r, t2)
    assert parts <= whole <= parts + 1
    assert interest(p, r, t1) == p * r * t1 // (BPS * YEAR)


@given(
    st.integers(1, MAX_AMOUNT),
    rates,
    st.integers(0, 2 * YEAR),
    st.integers(0, 2 * YEAR),
    st.data(),
)
def test_a_curtailment_payment_never_raises_the_interest(advance, rate, before, after, data):
    amount = data.draw(st.integers(1, advance))
    paid = payoff(
        advance=advance,
        interest_rate_bps=rate,
        fee=0,
        disbursed_at=0,
        at=before + after,
        payments=[Payment(at=before, amount=amount)],
    )
    unpaid = payoff(
        advance=advance, interest_rate_bps=rate, fee=0, disbursed_at=0, at=before + after
    )
    assert paid.principal == advance - amount
    assert paid.interest <= unpaid.interest
