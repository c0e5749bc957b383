"""`autoledger clearing run | claims | report | file-overdue` on the same chain and database as
the API: a sold vehicle's payoff claim settles in a cycle run from the command line, its lien
is released, the report comes out as JSON and CSV, and overdue curtailments are claimed once."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from api.runtime import Runtime
from clearing.reports import CSV_COLUMNS
from tests.api import test_inventory_cli
from tests.api.conftest import Caller
from tests.api.test_clearing_api import fund, pass_time, past_dispute_window
from tests.api.test_inventory import ADVANCE, DAY, advance, car, make_vin, open_line

runner = CliRunner()
cli_env = test_inventory_cli.cli_env


def rows(output: str) -> list[list[str]]:
    return [line.split("\t") for line in output.splitlines()]


def test_run_settles_a_sold_vehicles_payoff_releases_the_lien_and_reports(
    cli_env: Path, client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(1)).status_code == 201
    sold = client.post(
        f"/v1/lines/{line}/payoff-claims", json={"vehicles": [make_vin(1)]}, headers=dealer.headers
    )
    assert sold.status_code == 200, sold.text
    payoff = sold.json()["claims"][0]
    other = client.post(
        "/v1/claims",
        json={
            "debtor_id": demo["dealer2"].member.id,
            "amount": 5_00,
            "kind": "fee",
            "reference": "X",
        },
        headers=lender.headers,
    )
    assert other.status_code == 201, other.text

    confirmed = runner.invoke(app, ["clearing", "claims", "--state", "confirmed"])
    assert confirmed.exit_code == 0, confirmed.output
    header, *found = rows(confirmed.stdout)
    assert header == [
        "id",
        "kind",
        "state",
        "creditor",
        "debtor",
        "amount",
        "due_date",
        "reference",
    ]
    assert [(r[0], r[1], r[2], r[5], r[7]) for r in found] == [
        (str(payoff["claim_id"]), "payoff", "confirmed", str(payoff["amount"]), payoff["vin_hash"])
    ]
    everything = runner.invoke(app, ["clearing", "claims"])
    assert [r[2] for r in rows(everything.stdout)[1:]] == ["confirmed", "filed"]
    bad = runner.invoke(app, ["clearing", "claims", "--state", "paid"])
    assert bad.exit_code == 2 and "--state must be one of" in bad.stderr

    early = runner.invoke(app, ["clearing", "run"])
    assert early.exit_code == 0, early.output
    assert "nothing to settle" in early.stderr
    waiting = rows(early.stdout)
    assert [r[:3] for r in waiting] == [
        ["waiting", f"claim {payoff['claim_id']}", "dispute_window"],
        ["waiting", f"claim {other.json()['id']}", "awaiting_confirmation"],
    ]
    assert waiting[0][3].startswith("dispute window ends at ")

    past_dispute_window(runtime)
    fund(client, demo, "dealer", payoff["amount"])
    ran = runner.invoke(app, ["clearing", "run"])
    assert ran.exit_code == 0, ran.output
    summary, transfer, lien = rows(ran.stdout)
    assert summary[:5] == ["cycle 1", "settled", "chain cycle 1", "1 claim(s)", "1 transfer(s)"]
    assert summary[5:7] == [f"gross {payoff['amount']}", f"net {payoff['amount']}"]
    assert transfer == [
        "transfer",
        f"member {dealer.member.id} -> member {lender.member.id}",
        str(payoff["amount"]),
    ]
    assert lien == ["lien", payoff["vin_hash"], f"claim {payoff['claim_id']}", "released"]
    pledged = client.get(f"/v1/vehicles/{make_vin(1)}/lien", headers=dealer.headers).json()
    assert pledged["pledged"] is False
    settled = runner.invoke(app, ["clearing", "claims", "--state", "settled"])
    assert [r[0] for r in rows(settled.stdout)[1:]] == [str(payoff["claim_id"])]

    report = runner.invoke(app, ["clearing", "report", "1"])
    assert report.exit_code == 0, report.output
    document = json.loads(report.stdout)
    assert document["scope"] == "all" and document["cycle"]["status"] == "settled"
    assert [c["id"] for c in document["claims"]] == [payoff["claim_id"]]
    target = cli_env / "cycle-1.csv"
    written = runner.invoke(app, ["clearing", "report", "1", "--csv", "-o", str(target)])
    assert written.exit_code == 0, written.output
    assert f"written to {target}" in written.stderr
    table = list(csv.DictReader(io.StringIO(target.read_bytes().decode(), newline="")))
    assert tuple(table[0]) == CSV_COLUMNS
    assert [r["record"] for r in table] == ["cycle", "claim", "transfer"]
    assert table[1]["reference"] == payoff["vin_hash"][2:]
    missing = runner.invoke(app, ["clearing", "report", "99"])
    assert missing.exit_code == 1 and "no cycle 99" in missing.stderr


def test_file_overdue_claims_each_unpaid_step_once(
    cli_env: Path, client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    lender, dealer = demo["lender"], demo["dealer"]
    line = open_line(client, lender, dealer)
    assert advance(client, lender, line, car(1), car(2)).status_code == 201
    # Vehicle 2's first step (10% at day 60) is paid ahead; steps are 10% at days 60 and 90.
    paid = client.post(
        f"/v1/lines/{line}/curtailment-payments",
        json={"payments": [{"vehicle": make_vin(2), "amount": ADVANCE // 10}]},
        headers=lender.headers,
    )
    assert paid.status_code == 200, paid.text
    nothing_yet = runner.invoke(app, ["clearing", "file-overdue"])
    assert nothing_yet.exit_code == 0, nothing_yet.output
    assert nothing_yet.stdout == "" and "filed 0 curtailment claim(s)" in nothing_yet.stderr

    pass_time(runtime, 91 * DAY)
    first = runner.invoke(app, ["clearing", "file-overdue"])
    assert first.exit_code == 0, first.output
    filed = rows(first.stdout)
    vin1, vin2 = (
        client.get(f"/v1/vehicles/{make_vin(n)}", headers=lender.headers).json()["vin_hash"]
        for n in (1, 2)
    )
    assert [r[1:] for r in filed] == [
        [f"line {line}", vin1, "step 1", str(ADVANCE // 10)],
        [f"line {line}", vin1, "step 2", str(ADVANCE // 10)],
        [f"line {line}", vin2, "step 2", str(ADVANCE // 10)],
    ]
    assert "filed 3 curtailment claim(s)" in first.stderr
    claims = client.get("/v1/claims?kind=curtailment", headers=dealer.headers).json()
    assert [str(c["id"]) for c in claims] == [r[0] for r in filed]
    assert {(c["state"], c["creditor_id"], c["debtor_id"]) for c in claims} == {
        ("filed", lender.member.id, dealer.member.id)
    }

    again = runner.invoke(app, ["clearing", "file-overdue"])
    assert again.exit_code == 0 and again.stdout == "", again.output
    assert "filed 0 curtailment claim(s)" in again.stderr
    other = runner.invoke(
        app, ["clearing", "file-overdue", "--lender", str(demo["lender2"].member.id)]
    )
    assert other.exit_code == 0 and other.stdout == ""
