"""`/v1/case-links`: who may issue, list, revoke and read the log; bad input refused with
nothing stored."""

from __future__ import annotations

from sqlmodel import Session, select

from notary.case_access import CaseLink
from tests.api.helpers import submit_about

CASE = "CASE-2026-077"


def test_roles_bad_input_and_visibility(client, demo, runtime):
    collector, lender = demo["collector"], demo["lender"]
    dealer, regulator = demo["dealer"], demo["regulator"]

    refused = client.post("/v1/case-links", json={"case_reference": CASE}, headers=dealer.headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    read_only = client.post(
        "/v1/case-links", json={"case_reference": CASE}, headers=regulator.headers
    )
    assert read_only.status_code == 403
    for body in (
        {"case_reference": CASE, "lifetime_hours": 0},
        {"case_reference": CASE, "lifetime_hours": 91 * 24},
        {"case_reference": ""},
        {"case_reference": CASE, "case_commitment": "0" * 64},
    ):
        bad = client.post("/v1/case-links", json=body, headers=collector.headers)
        assert bad.status_code == 422, (body, bad.text)
    assert client.post("/v1/case-links", json={"case_reference": CASE}).status_code == 401
    with Session(runtime.engine) as db:
        assert db.exec(select(CaseLink)).all() == []

    # Only a member of the case (one that submitted evidence about it) may issue its links:
    # anyone else gets the answer for an unknown case, and nothing is stored.
    stranger = client.post("/v1/case-links", json={"case_reference": CASE}, headers=lender.headers)
    assert stranger.status_code == 404, stranger.text
    assert stranger.headers["content-type"].startswith("application/problem+json")
    with Session(runtime.engine) as db:
        assert db.exec(select(CaseLink)).all() == []
    submit_about(client, collector, CASE)
    submit_about(client, lender, CASE)

    mine = client.post(
        "/v1/case-links",
        json={"case_reference": CASE, "lifetime_hours": 48},
        headers=collector.headers,
    ).json()
    theirs = client.post(
        "/v1/case-links", json={"case_reference": CASE}, headers=lender.headers
    ).json()
    assert len(mine["code"]) == 8 and mine["path"].startswith("/case-access/")
    assert mine["link"]["case_commitment"] == runtime.intake.case_commitment(CASE)

    def listed(caller) -> list[str]:
        answer = client.get(
            "/v1/case-links", params={"case_reference": CASE}, headers=caller.headers
        )
        assert answer.status_code == 200, answer.text
        return [k["id"] for k in answer.json()]

    assert listed(collector) == [mine["link"]["id"]]
    assert listed(lender) == [theirs["link"]["id"]]
    assert set(listed(regulator)) == {mine["link"]["id"], theirs["link"]["id"]}
    assert "code" not in str(listed(regulator)) and mine["code"] not in str(listed(regulator))

    other = client.post(f"/v1/case-links/{mine['link']['id']}/revoke", headers=lender.headers)
    assert other.status_code == 404
    assert (
        client.get(f"/v1/case-links/{mine['link']['id']}/log", headers=lender.headers).status_code
        == 404
    )
    malformed = client.post("/v1/case-links/cl_nothex/revoke", headers=collector.headers)
    assert malformed.status_code == 422
    unknown = client.post("/v1/case-links/cl_0000000000000000/revoke", headers=collector.headers)
    assert unknown.status_code == 404
    with Session(runtime.engine) as db:
        assert all(k.revoked_at is None for k in db.exec(select(CaseLink)).all())

    done = client.post(f"/v1/case-links/{mine['link']['id']}/revoke", headers=collector.headers)
    assert done.status_code == 200 and done.json()["revoked_at"]
    again = client.post(f"/v1/case-links/{mine['link']['id']}/revoke", headers=collector.headers)
    assert again.json()["revoked_at"] == done.json()["revoked_at"]
