"""`/v1/cases/plans`: a member of the case accepts, declines or counter-proposes the
borrower's plan; bad input answers 422 naming the field with nothing stored; another case's
plan, or a case that is not the caller's, answers 404; an agreed plan is an evidence item whose
record names both acceptances."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from notary.case_access import CaseLink
from notary.intake import Submitter
from notary.models import EvidenceItem
from notary.repayment import (
    InstalmentIn,
    PlanConflict,
    PlanInputError,
    PlanInstalment,
    RepaymentPlan,
    accept_by_member,
    plan_of_case,
    propose,
)
from tests.api.helpers import submit_about

CASE, OTHER = "CASE-2026-091", "CASE-2026-092"
TODAY = datetime.now(UTC).date()
END = TODAY + timedelta(days=90)
DUE = 1_000_000 + 20_000 + 0


def _on(n: int):
    return TODAY + timedelta(days=n)


def _day(n: int) -> str:
    return _on(n).isoformat()


def _case(client, caller, runtime, case: str) -> CaseLink:
    """A case with evidence and a link (so the caller is its member) and a status with plan
    limits."""
    submit_about(client, caller, case)
    issued = client.post("/v1/case-links", json={"case_reference": case}, headers=caller.headers)
    assert issued.status_code == 201
    status = {"case_reference": case, "stage": "negotiation", "currency": "CNY",
              "principal": 1_000_000, "interest": 20_000, "fees": 0,
              "max_instalments": 3, "latest_end": END.isoformat()}  # fmt: skip
    assert client.post("/v1/cases/status", json=status, headers=caller.headers).status_code == 201
    with Session(runtime.engine) as db:
        return db.exec(
            select(CaseLink).where(CaseLink.public_id == issued.json()["link"]["id"])
        ).one()


def _stored(runtime) -> tuple[int, int]:
    with Session(runtime.engine) as db:
        return len(db.exec(select(RepaymentPlan)).all()), len(db.exec(select(PlanInstalment)).all())


def test_the_borrowers_proposal_keeps_the_limits(client, demo, runtime):
    link = _case(client, demo["collector"], runtime, CASE)
    for parts, field in (
        ([], "instalments"),
        ([InstalmentIn(_on(n), 250_000) for n in (10, 20, 30, 40)], "instalments"),
        ([InstalmentIn(TODAY, DUE)], "instalments[0].due_on"),
        ([InstalmentIn(END + timedelta(days=1), DUE)], "instalments[0].due_on"),
        ([InstalmentIn(_on(20), 1), InstalmentIn(_on(10), DUE)], "instalments[1].due_on"),
        ([InstalmentIn(TODAY + timedelta(days=10), 0)], "instalments[0].amount"),
        ([InstalmentIn(TODAY + timedelta(days=10), DUE - 1)], "total"),
    ):  # fmt: skip
        with pytest.raises(PlanInputError) as refused:
            propose(runtime.engine, link=link, instalments=parts, consent=True)
        assert refused.value.field == field
    with pytest.raises(PlanInputError) as refused:
        propose(runtime.engine, link=link, instalments=[InstalmentIn(END, DUE)], consent=False)
    assert refused.value.field == "consent"
    assert _stored(runtime) == (0, 0)
    first = propose(runtime.engine, link=link, instalments=[InstalmentIn(END, DUE)], consent=True)
    with pytest.raises(PlanConflict):
        propose(runtime.engine, link=link, instalments=[InstalmentIn(END, DUE)], consent=True)
    assert first.state == "open" and first.total == DUE and first.borrower_consent_at
    # the database itself holds one open plan a case, whatever a concurrent check saw
    with Session(runtime.engine) as db, pytest.raises(IntegrityError, match="open_key"):
        twin = first.model_copy(update={"id": None, "public_id": "rp_" + "1" * 16})
        db.add(RepaymentPlan.model_validate(twin.model_dump()))
        db.commit()


def test_members_answer_plans_through_the_api(client, demo, runtime):
    collector, lender = demo["collector"], demo["lender"]
    dealer, regulator = demo["dealer"], demo["regulator"]
    link = _case(client, collector, runtime, CASE)
    other_link = _case(client, collector, runtime, OTHER)
    plan = propose(runtime.engine, link=link, consent=True,
                   instalments=[InstalmentIn(TODAY + timedelta(days=30), DUE)])  # fmt: skip
    other = propose(runtime.engine, link=other_link, consent=True,
                    instalments=[InstalmentIn(TODAY + timedelta(days=30), DUE)])  # fmt: skip
    url = f"/v1/cases/plans/{plan.public_id}"
    answer = {"case_reference": CASE}

    assert client.post(f"{url}/accept", json=answer, headers=dealer.headers).status_code == 403
    assert client.post(f"{url}/accept", json=answer, headers=regulator.headers).status_code == 403
    assert client.post(f"{url}/accept", json=answer).status_code == 401
    # not a member of the case; another case's plan under this case; an unknown plan
    assert client.post(f"{url}/accept", json=answer, headers=lender.headers).status_code == 404
    crossed = client.post(
        f"/v1/cases/plans/{other.public_id}/accept", json=answer, headers=collector.headers
    )
    assert crossed.status_code == 404
    assert crossed.headers["content-type"].startswith("application/problem+json")
    unknown = client.post(
        "/v1/cases/plans/rp_0000000000000000/decline", json=answer, headers=collector.headers
    )
    assert unknown.status_code == 404
    malformed = client.post("/v1/cases/plans/rp_x/accept", json=answer, headers=collector.headers)
    assert malformed.status_code == 422

    good = [{"due_on": _day(20), "amount": 600_000}, {"due_on": _day(50), "amount": 420_000}]
    for instalments, field in (
        ([], "instalments"),
        ([{"due_on": _day(20), "amount": 0}], "amount"),
        ([{"due_on": _day(20), "amount": "600000"}], "amount"),
        ([{"due_on": "2027-02-30", "amount": DUE}], "due_on"),
        ([{"due_on": _day(91), "amount": DUE}], "instalments[0].due_on"),
        ([{"due_on": _day(50), "amount": 600_000}, {"due_on": _day(20), "amount": 420_000}],
         "instalments[1].due_on"),
        ([{"due_on": _day(20), "amount": DUE - 1}], "total"),
        ([{"due_on": _day(n), "amount": 300_000} for n in (10, 20, 30, 40)], "instalments"),
    ):  # fmt: skip
        bad = client.post(
            f"{url}/counter",
            json={"case_reference": CASE, "instalments": instalments},
            headers=collector.headers,
        )
        assert bad.status_code == 422, (instalments, bad.text)
        assert field in bad.text, (field, bad.json())
    extra = client.post(
        f"{url}/counter",
        json={"case_reference": CASE, "instalments": good, "state": "agreed"},
        headers=collector.headers,
    )
    assert extra.status_code == 422
    assert _stored(runtime) == (2, 2)

    countered = client.post(
        f"{url}/counter",
        json={"case_reference": CASE, "instalments": good, "note": "两期"},
        headers=collector.headers,
    )
    assert countered.status_code == 201, countered.text
    counter_plan = countered.json()
    assert (
        counter_plan["state"] == "open"
        and counter_plan["proposed_by_member"] == collector.member.id
    )
    assert [i["amount"] for i in counter_plan["instalments"]] == [600_000, 420_000]
    # the borrower's plan is answered: no second answer, and a member cannot accept its own
    assert client.post(f"{url}/accept", json=answer, headers=collector.headers).status_code == 409
    own = client.post(
        f"/v1/cases/plans/{counter_plan['id']}/accept", json=answer, headers=collector.headers
    )
    assert own.status_code == 409

    listed = client.get("/v1/cases/plans", params={"case": CASE}, headers=regulator.headers)
    assert listed.status_code == 200
    assert [(p["id"], p["state"]) for p in listed.json()] == [
        (counter_plan["id"], "open"),
        (plan.public_id, "countered"),
    ]
    assert (
        client.get("/v1/cases/plans", params={"case": CASE}, headers=lender.headers).status_code
        == 404
    )

    # the other case: the member accepts the borrower's plan, and it goes on record
    accepted = client.post(
        f"/v1/cases/plans/{other.public_id}/accept",
        json={"case_reference": OTHER},
        headers=collector.headers,
    )
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["state"] == "agreed" and body["member_accepted_by"] == collector.member.id
    with Session(runtime.engine) as db:
        item = db.exec(
            select(EvidenceItem).where(EvidenceItem.public_id == body["evidence_id"])
        ).one()
    assert item.evidence_type == "signed_agreement"
    assert item.case_commitment == runtime.intake.case_commitment(OTHER)
    metadata = json.loads(item.record_json)["metadata"]
    assert metadata["acceptance.case_session"].startswith(other_link.public_id + " consent ")
    assert metadata["acceptance.member"].startswith(
        f"{collector.member.id} {collector.member.address}"
    )
    document = json.loads(runtime.blobs.read_bytes(item.document_digest))
    assert document["amount_due"]["total"] == DUE and document["plan"] == other.public_id
    again = client.post(
        f"/v1/cases/plans/{other.public_id}/decline",
        json={"case_reference": OTHER},
        headers=collector.headers,
    )
    assert again.status_code == 409


def test_a_declined_plan_lets_the_borrower_propose_again(client, demo, runtime):
    collector = demo["collector"]
    link = _case(client, collector, runtime, CASE)
    first = propose(runtime.engine, link=link, consent=True, instalments=[InstalmentIn(END, DUE)])
    too_long = client.post(
        f"/v1/cases/plans/{first.public_id}/decline",
        json={"case_reference": CASE, "note": "x" * 501},
        headers=collector.headers,
    )
    assert too_long.status_code == 422 and "note" in too_long.text
    declined = client.post(
        f"/v1/cases/plans/{first.public_id}/decline",
        json={"case_reference": CASE, "note": "金额不足以覆盖费用"},
        headers=collector.headers,
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["state"] == "declined" and declined.json()["evidence_id"] is None
    assert declined.json()["decision_note"] == "金额不足以覆盖费用"
    second = propose(runtime.engine, link=link, consent=True, instalments=[InstalmentIn(END, DUE)])
    assert second.state == "open" and second.public_id != first.public_id
    with Session(runtime.engine) as db:
        assert (
            db.exec(
                select(EvidenceItem).where(EvidenceItem.evidence_type == "signed_agreement")
            ).all()
            == []
        )


class _RefusingIntake:
    """An intake that fails, as a full disk would: the plan must not stay agreed."""

    def submit_file(self, *args, **kwargs):
        raise OSError("no space left on device")


def test_an_agreement_the_intake_refuses_leaves_the_plan_open(client, demo, runtime):
    collector = demo["collector"].member
    link = _case(client, demo["collector"], runtime, CASE)
    plan = propose(runtime.engine, link=link, consent=True, instalments=[InstalmentIn(END, DUE)])
    with pytest.raises(OSError):
        accept_by_member(
            runtime.engine,
            _RefusingIntake(),  # type: ignore[arg-type]
            case_commitment=link.case_commitment,
            public_id=plan.public_id,
            member=Submitter(member_id=collector.id, address=collector.address),
        )
    again = plan_of_case(runtime.engine, link.case_commitment, plan.public_id)
    assert again.state == "open" and again.evidence_id is None and again.borrower_consent_at
    agreed = accept_by_member(
        runtime.engine,
        runtime.intake,
        case_commitment=link.case_commitment,
        public_id=plan.public_id,
        member=Submitter(member_id=collector.id, address=collector.address),
    )
    assert agreed.state == "agreed" and agreed.evidence_id
