"""Case access links: hashed secrets, one answer for unknown and wrong, locks, expiry,
revocation, the access log and the per-address limit (`notary.case_access`)."""

from __future__ import annotations

import hashlib
import statistics
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from notary.case_access import (
    MAX_ADDRESS_ATTEMPTS,
    MAX_FAILED_ATTEMPTS,
    AccessEnded,
    AccessRateLimited,
    AccessRefused,
    CaseAccess,
    CaseAccessDesk,
    CaseLink,
    LinkInputError,
    LinkNotFound,
)

CASE = "a" * 64
OTHER = "b" * 64


@pytest.fixture
def desk(engine) -> CaseAccessDesk:
    return CaseAccessDesk(engine=engine, master_key=b"k" * 32)


def test_secrets_are_long_random_and_stored_only_hashed(desk, engine):
    issued = desk.issue(case_commitment=CASE, issued_by=7)
    assert len(issued.token) >= 43  # 32 bytes url-safe: 256 bits
    assert len(issued.code) == 8 and issued.code.isdigit()
    with Session(engine) as session:
        row = session.exec(select(CaseLink)).one()
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    stored = " ".join(str(v) for v in row.model_dump().values())
    assert issued.token not in stored and issued.code not in stored
    assert desk.issue(case_commitment=CASE, issued_by=7).token != issued.token


def test_right_code_opens_the_link_and_is_logged(desk):
    issued = desk.issue(case_commitment=CASE, issued_by=7)
    link = desk.open(token=issued.token, code=issued.code, client="10.0.0.1")
    assert link.case_commitment == CASE
    log = desk.log(link.id)
    assert [e.outcome for e in log] == ["opened"]
    assert log[0].client != "10.0.0.1" and len(log[0].client) == 16


def test_unknown_and_wrong_answer_the_same(desk):
    issued = desk.issue(case_commitment=CASE, issued_by=7)
    with pytest.raises(AccessRefused) as wrong:
        desk.open(token=issued.token, code="00000000", client="c1")
    with pytest.raises(AccessRefused) as unknown:
        desk.open(token="x" * 43, code=issued.code, client="c1")
    assert str(wrong.value) == str(unknown.value)
    assert [e.outcome for e in desk.log(issued.link.id)] == ["wrong_code"]
    with Session(desk.engine) as session:
        scans = session.exec(select(CaseAccess).where(CaseAccess.link_id == None)).all()  # noqa: E711
    assert [e.outcome for e in scans] == ["unknown_link"]


def test_unknown_and_wrong_take_about_the_same_time(desk):
    links = [desk.issue(case_commitment=CASE, issued_by=7) for _ in range(15)]

    def median_of(tokens: list[str]) -> float:
        times = []
        for i, token in enumerate(tokens):
            start = time.perf_counter()
            with pytest.raises(AccessRefused):
                desk.open(token=token, code="1", client=f"{token[:4]}{i}")
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    wrong = median_of([k.token for k in links])
    unknown = median_of([f"unknown-{i:040d}" for i in range(15)])
    # both do one look-up, one HMAC, one compare and one logged write: no fast reject
    assert unknown / 3 < wrong < unknown * 3, (wrong, unknown)


def test_a_link_locks_after_failed_attempts_even_for_the_right_code(desk):
    issued = desk.issue(case_commitment=CASE, issued_by=7)
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AccessRefused):
            desk.open(token=issued.token, code="12345678", client="c2")
    with pytest.raises(AccessRefused):
        desk.open(token=issued.token, code=issued.code, client="c2")
    assert desk.log(issued.link.id)[0].outcome == "locked"


def test_expired_and_revoked_links_say_so_only_to_the_right_code(desk, engine):
    expired = desk.issue(case_commitment=CASE, issued_by=7)
    with Session(engine) as session:
        row = session.get(CaseLink, expired.link.id)
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
        session.commit()
    with pytest.raises(AccessEnded):
        desk.open(token=expired.token, code=expired.code, client="c3")
    with pytest.raises(AccessRefused):
        desk.open(token=expired.token, code="99999999", client="c3")
    assert desk.current(expired.link.public_id) is None

    revoked = desk.issue(case_commitment=CASE, issued_by=7)
    first = desk.revoke(revoked.link.public_id, revoked_by=7).revoked_at
    assert desk.revoke(revoked.link.public_id, revoked_by=8).revoked_at == first
    with pytest.raises(AccessEnded):
        desk.open(token=revoked.token, code=revoked.code, client="c3")
    assert desk.current(revoked.link.public_id) is None


def test_per_address_limit_counts_every_attempt(desk):
    issued = desk.issue(case_commitment=CASE, issued_by=7)
    for i in range(MAX_ADDRESS_ATTEMPTS):
        with pytest.raises(AccessRefused):
            desk.open(token=f"scan{i}", code="0", client="scanner")
    with pytest.raises(AccessRateLimited) as limited:
        desk.open(token=issued.token, code=issued.code, client="scanner")
    assert limited.value.retry_after > 0
    assert desk.open(token=issued.token, code=issued.code, client="someone-else").id


def test_links_are_listed_per_case_and_bad_input_refused(desk):
    one = desk.issue(case_commitment=CASE, issued_by=7)
    desk.issue(case_commitment=OTHER, issued_by=7)
    assert [k.public_id for k in desk.links(CASE)] == [one.link.public_id]
    with pytest.raises(LinkInputError):
        desk.issue(case_commitment=CASE, issued_by=7, lifetime=timedelta(days=91))
    with pytest.raises(LinkNotFound):
        desk.revoke("cl_0000000000000000", revoked_by=7)
    assert desk.links(CASE)[0].public_id == one.link.public_id  # nothing stored altered
    with Session(desk.engine) as session:
        assert session.exec(select(CaseAccess)).all() == []
