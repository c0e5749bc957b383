"""`/v1/cases/status`: a case's stage and amount due, set by its members, every setting kept;
bad input refused naming the field, with nothing stored; another member's case is 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from notary.case_status import CaseStatus
from tests.api.helpers import submit_about

CASE = "CASE-2026-081"


def _status(**change) -> dict:
    body = {
        "case_reference": CASE,
        "stage": "negotiation",
        "currency": "CNY",
        "principal": 1_000_000,
        "interest": 35_000,
        "fees": 5_000,
        "note": "overdue 60 days, 0.05 % a day",
        "max_instalments": 6,
        "latest_end": (datetime.now(UTC).date() + timedelta(days=180)).isoformat(),
    }
    return body | change


def test_members_set_the_status_and_the_history_stays(client, demo, runtime):
    collector, lender = demo["collector"], demo["lender"]
    dealer, regulator = demo["dealer"], demo["regulator"]

    assert (
        client.post("/v1/cases/status", json=_status(), headers=dealer.headers).status_code == 403
    )
    assert (
        client.post("/v1/cases/status", json=_status(), headers=regulator.headers).status_code
        == 403
    )
    # not (yet) a member of the case: as unknown
    stranger = client.post("/v1/cases/status", json=_status(), headers=collector.headers)
    assert stranger.status_code == 404
    assert stranger.headers["content-type"].startswith("application/problem+json")

    submit_about(client, collector, CASE)  # now a member of the case
    past = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    for change, field in (
        ({"stage": "closed"}, "stage"),
        ({"currency": "cny"}, "currency"),
        ({"principal": -1}, "principal"),
        ({"interest": True}, "interest"),
        ({"fees": "5000"}, "fees"),
        ({"note": "x" * 501}, "note"),
        ({"max_instalments": 0}, "max_instalments"),
        ({"max_instalments": None}, "max_instalments"),
        ({"latest_end": past}, "latest_end"),
        ({"latest_end": "2026-02-30"}, "latest_end"),
        ({"latest_end": "9999-12-31"}, "latest_end"),
        (
            {"latest_end": (datetime.now(UTC).date() + timedelta(days=5 * 366 + 1)).isoformat()},
            "latest_end",
        ),
        ({"amount_due": 1}, "amount_due"),
    ):
        bad = client.post("/v1/cases/status", json=_status(**change), headers=collector.headers)
        assert bad.status_code == 422, (change, bad.text)
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert field in bad.json()["detail"], (change, bad.json())
    with Session(runtime.engine) as db:
        assert db.exec(select(CaseStatus)).all() == []

    first = client.post(
        "/v1/cases/status", json=_status(stage="reminder"), headers=collector.headers
    )
    assert first.status_code == 201, first.text
    assert first.json()["current"]["amount_due"] == 1_040_000
    second = client.post(
        "/v1/cases/status", json=_status(interest=40_000), headers=collector.headers
    )
    answer = second.json()
    assert answer["current"]["stage"] == "negotiation"
    assert answer["current"]["amount_due"] == 1_045_000
    assert [h["stage"] for h in answer["history"]] == ["negotiation", "reminder"]
    assert answer["case_commitment"] == runtime.intake.case_commitment(CASE)

    seen = client.get("/v1/cases/status", params={"case": CASE}, headers=regulator.headers)
    assert seen.status_code == 200 and seen.json() == answer
    assert (
        client.get("/v1/cases/status", params={"case": CASE}, headers=lender.headers).status_code
        == 404
    )
    assert (
        client.get(
            "/v1/cases/status", params={"case": "CASE-NONE"}, headers=regulator.headers
        ).status_code
        == 404
    )
    assert client.get("/v1/cases/status", params={"case": CASE}).status_code == 401
