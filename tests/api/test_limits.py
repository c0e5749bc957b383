"""Bounded requests are refused before the work they bound; lists page on with cursors."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from api.cli import app
from notary.issuance import ReceiptIssuer

runner = CliRunner()


def _items(count: int, case: str) -> list[dict]:
    return [
        {
            "document_digest": hashlib.sha256(f"{case} {n}".encode()).hexdigest(),
            "evidence_type": "other",
            "case_reference": case,
        }
        for n in range(count)
    ]


def test_case_certificate_over_200_items_is_refused_before_any_receipt(
    client, runtime, demo, monkeypatch
):
    collector, legal = demo["collector"].headers, demo["legal"].headers
    done = client.post(
        "/v1/evidence/digests/bulk", headers=collector, json={"items": _items(201, "BIG")}
    )
    assert done.json()["accepted"] == 201
    runtime.anchorer.anchor_all()
    signed: list[str] = []
    original = ReceiptIssuer.for_item

    def spy(self, item):
        signed.append(item.public_id)
        return original(self, item)

    monkeypatch.setattr(ReceiptIssuer, "for_item", spy)
    refused = client.get("/v1/cases/certificate", params={"case": "BIG"}, headers=legal)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert "201 anchored items" in refused.json()["detail"] and "200" in refused.json()["detail"]
    assert signed == [], "receipts were built before the limit was checked"
    client.post("/v1/evidence/digests/bulk", headers=collector, json={"items": _items(3, "OK")})
    runtime.anchorer.anchor_all()
    fine = client.get("/v1/cases/certificate", params={"case": "OK"}, headers=legal)
    assert fine.status_code == 200 and fine.content.startswith(b"%PDF")
    assert len(signed) == 3


def test_export_of_more_than_a_year_is_refused(client, demo):
    today = datetime.now(UTC).date()
    regulator = demo["regulator"].headers
    long = client.get(
        "/v1/audit/export",
        params={"from": (today - timedelta(days=366)).isoformat(), "to": today.isoformat()},
        headers=regulator,
    )
    assert long.status_code == 422 and "367 days" in long.json()["detail"]
    backwards = client.get(
        "/v1/audit/export",
        params={"from": today.isoformat(), "to": (today - timedelta(days=1)).isoformat()},
        headers=regulator,
    )
    assert backwards.status_code == 422
    year = client.get(
        "/v1/audit/export",
        params={"from": (today - timedelta(days=365)).isoformat(), "to": today.isoformat()},
        headers=regulator,
    )
    assert year.status_code == 200 and year.content[:2] == b"PK"


def test_cli_export_and_import_limits_refuse_before_starting(tmp_path, monkeypatch):
    # No chain and no database at all: the limits are checked before either is reached.
    monkeypatch.setenv("AUTOLEDGER_RPC_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AUTOLEDGER_DEV", "1")
    monkeypatch.setenv("AUTOLEDGER_VAR_DIR", str(tmp_path / "var"))
    export = runner.invoke(
        app,
        [
            "audit",
            "export",
            "--from",
            "2024-01-01",
            "--to",
            "2025-12-31",
            "-o",
            str(tmp_path / "b"),
        ],
    )
    assert export.exit_code == 2 and "at most 366" in export.output
    assert not (tmp_path / "b").exists()
    rows = tmp_path / "stock.csv"
    rows.write_text(
        "vin,certificate,engine,value\n"
        + "".join(f"LFV2A21K0N{n:07d},C{n},E{n},100\n" for n in range(10_001))
    )
    refused = runner.invoke(app, ["inventory", "import", str(rows), "--line", "1"])
    assert refused.exit_code == 2 and "at most 10000" in refused.output


def _follow(client, path: str, headers: dict, **params) -> tuple[list[dict], int]:
    seen: list[dict] = []
    total = None
    cursor = None
    for _ in range(50):
        page = client.get(
            path, params={**params, **({"cursor": cursor} if cursor else {})}, headers=headers
        ).json()
        total = page["total"]
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert total is not None
    return seen, total


def test_evidence_search_pages_on_with_a_cursor(client, demo):
    collector = demo["collector"].headers
    client.post("/v1/evidence/digests/bulk", headers=collector, json={"items": _items(7, "P")})
    seen, total = _follow(client, "/v1/evidence", collector, limit=3)
    assert total == 7 and len(seen) == 7 and len({i["id"] for i in seen}) == 7
    assert [i["id"] for i in seen] == [
        i["id"] for i in client.get("/v1/evidence?limit=7", headers=collector).json()["items"]
    ]
    bad = client.get("/v1/evidence", params={"cursor": "not-a-cursor"}, headers=collector)
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    alien = client.get(
        "/v1/views/members/1/timeline",
        params={
            "cursor": client.get("/v1/evidence?limit=1", headers=collector).json()["next_cursor"]
        },
        headers=demo["regulator"].headers,
    )
    assert alien.status_code == 422, "a cursor of another list is refused"


@pytest.mark.parametrize("member", [1])
def test_member_timeline_pages_through_everything(client, runtime, demo, member):
    runtime.indexer.run_once()
    regulator = demo["regulator"].headers
    seen, total = _follow(client, f"/v1/views/members/{member}/timeline", regulator, limit=4)
    assert total > 8, "the demo consortium gives the operator many events"
    assert len(seen) == total
    keys = [(e["block_number"], e["log_index"]) for e in seen]
    assert len(set(keys)) == total and keys == sorted(keys)
