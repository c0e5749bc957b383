"""Bulk evidence routes: up to 1,000 digests or files a request, each item judged alone."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

from notary.receipts import Receipt, verify_receipt


def _digest(n: int) -> str:
    return hashlib.sha256(f"document {n}".encode()).hexdigest()


def _item(n: int, **extra) -> dict:
    return {
        "document_digest": _digest(n),
        "evidence_type": "call_recording",
        "case_reference": "CASE-B",
        **extra,
    }


def test_bulk_digests_answer_each_item(client, runtime, demo, anvil):
    collector = demo["collector"].headers
    known = client.post("/v1/evidence/digests", headers=collector, json=_item(0))
    assert known.status_code == 201
    items = [
        _item(1),
        _item(2, document_digest="zz"),  # not a digest
        _item(0),  # already stored
        _item(3, status="final"),  # a field of its own making
        _item(4, channel="pigeon"),
        _item(5, metadata={"borrower_name": "Zhang San"}),  # personal data in clear
        _item(6),
    ]
    response = client.post("/v1/evidence/digests/bulk", headers=collector, json={"items": items})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["refused"]) == (3, 4)
    results = body["results"]
    assert [r["index"] for r in results] == list(range(7))
    assert [r["status_code"] for r in results] == [201, 422, 200, 422, 422, 422, 201]
    assert results[2]["id"] == known.json()["id"] and results[2]["created"] is False
    assert "document_digest" in results[1]["error"]
    assert "status" in results[3]["error"]
    assert results[4]["error"].startswith("channel:"), "a channel outside the known ones"
    assert "personal data" in results[5]["error"]
    listed = client.get("/v1/evidence?case=CASE-B", headers=collector).json()
    assert listed["total"] == 3

    runtime.anchorer.anchor_all()
    got = client.get(f"/v1/evidence/{results[6]['id']}/receipt", headers=collector).json()
    assert got["final"] is True
    report = verify_receipt(Receipt.from_json(got["receipt"]), rpc_url=anvil.url)
    assert report.ok and report.failed == ()


def test_bulk_limits_are_checked_before_any_work(client, runtime, demo):
    collector = demo["collector"].headers
    too_many = client.post(
        "/v1/evidence/digests/bulk",
        headers=collector,
        json={"items": [_item(n) for n in range(1001)]},
    )
    assert too_many.status_code == 422
    assert too_many.headers["content-type"] == "application/problem+json"
    assert "items" in too_many.json()["detail"]
    empty = client.post("/v1/evidence/digests/bulk", headers=collector, json={"items": []})
    assert empty.status_code == 422
    regulator = client.post(
        "/v1/evidence/digests/bulk",
        headers=demo["regulator"].headers,
        json={"items": [_item(1)]},
    )
    assert regulator.status_code == 403
    assert client.get("/v1/evidence", headers=collector).json()["total"] == 0
    full = client.post(
        "/v1/evidence/digests/bulk",
        headers=collector,
        json={"items": [_item(n) for n in range(1000)]},
    )
    assert full.status_code == 200 and full.json()["accepted"] == 1000
    assert client.get("/v1/evidence", headers=collector).json()["total"] == 1000


def test_bulk_files(client, runtime, demo):
    collector = demo["collector"]
    documents = [f"photo {i}".encode() * 50 for i in range(4)]
    files = [("files", (f"photo-{i}.jpg", d, "image/jpeg")) for i, d in enumerate(documents)]
    response = client.post(
        "/v1/evidence/bulk",
        headers=collector.headers,
        data={"evidence_type": "visit_photo", "case_reference": "CASE-P"},
        files=files,
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status_code"] for r in results] == [201] * 4
    assert [r["document_digest"] for r in results] == [
        hashlib.sha256(d).hexdigest() for d in documents
    ]
    content = client.get(f"/v1/evidence/{results[2]['id']}/content", headers=collector.headers)
    assert content.content == documents[2] and content.headers["content-type"] == "image/jpeg"
    no_case = client.post(
        "/v1/evidence/bulk",
        headers=collector.headers,
        data={"evidence_type": "visit_photo"},
        files=files[:1],
    )
    assert no_case.status_code == 200
    assert no_case.json()["results"][0]["status_code"] == 422


def test_concurrent_single_submissions_share_commits(client, runtime, demo):
    collector = demo["collector"].headers
    before = runtime.intake.group.groups

    def submit(n: int) -> int:
        return client.post("/v1/evidence/digests", headers=collector, json=_item(n)).status_code

    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(submit, range(64)))
    assert codes == [201] * 64
    assert client.get("/v1/evidence", headers=collector).json()["total"] == 64
    groups = runtime.intake.group.groups - before
    assert groups < 64, "every request committed alone"
    metrics = client.get("/metrics").text
    assert "autoledger_intake_submissions 64.0" in metrics
