"""`autoledger inventory import`: bulk advances from a CSV file, each bad row rejected with its
reason while the good ones go through."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from api.runtime import Runtime
from tests.api.conftest import Caller
from tests.api.test_inventory import ADVANCE, advance, car, make_vin, open_line
from tests.conftest import BUILD_CACHE, NODE_MODULES

runner = CliRunner()


@pytest.fixture
def cli_env(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings that make the CLI start on the same chain, database, keys and deployment as
    the `runtime` fixture."""
    settings = runtime.settings
    for name, value in {
        "AUTOLEDGER_RPC_URL": runtime.chain.url,
        "AUTOLEDGER_DEV": "1",
        "AUTOLEDGER_VAR_DIR": str(settings.var_dir),
        "AUTOLEDGER_DATABASE_URL": settings.effective_database_url,
        "AUTOLEDGER_BUILD_DIR": str(BUILD_CACHE),
        "AUTOLEDGER_NODE_MODULES": str(NODE_MODULES),
        "COLUMNS": "200",
    }.items():
        monkeypatch.setenv(name, value)
    return settings.var_dir


def test_import_advances_good_rows_and_reports_each_bad_one_with_its_reason(
    cli_env: Path, client: TestClient, demo: dict[str, Caller]
):
    lender, lender2, dealer = demo["lender"], demo["lender2"], demo["dealer"]
    line = open_line(client, lender, dealer)
    elsewhere = open_line(client, lender2, dealer)
    assert advance(client, lender2, elsewhere, car(50), car(51)).status_code == 201
    bad_vin = make_vin(3)[:8] + ("0" if make_vin(3)[8] != "0" else "1") + make_vin(3)[9:]
    rows = [
        "VIN,Certificate,Engine,Value,Registration",  # row 1
        f"{make_vin(1)},WDK000000000001,EA00000001,{25_000_000},",  # 2: advanced
        f"{make_vin(2).lower()},WDK000000000002,EA00000002,25_000_000,RZ-2024-0001",  # 3: advanced
        f"{bad_vin},WDK000000000003,EA00000003,25000000,",  # 4: check digit
        f"{make_vin(4)},WDK000000000004,EA00000004,,",  # 5: missing value
        f"{make_vin(1)},WDK000000000005,EA00000005,25000000,",  # 6: duplicate VIN of row 2
        f"{make_vin(50)},WDK000000000050,EA00000050,25000000,",  # 7: VIN pledged elsewhere
        f"{make_vin(6)},WDK000000000051,EA00000006,25000000,",  # 8: certificate pledged
        "",  # blank line, skipped
        f"{make_vin(7)},WDK000000000007,EA00000007,25000000,",  # 10: advanced
    ]
    csv_file = cli_env / "stock.csv"
    csv_file.write_text("\n".join(rows) + "\n")

    result = runner.invoke(app, ["inventory", "import", str(csv_file), "--line", str(line)])
    assert result.exit_code == 1, result.output
    rejected = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(int(r[0].removeprefix("row ")), r[1]) for r in rejected] == [
        (4, bad_vin),
        (5, make_vin(4)),
        (6, make_vin(1)),
        (7, make_vin(50)),
        (8, make_vin(6)),
    ]
    reasons = {int(r[0].removeprefix("row ")): r[2] for r in rejected}
    assert reasons[4].startswith("invalid VIN: check digit (position 9)")
    assert reasons[5] == "missing value for value"
    assert reasons[6] == f"duplicate VIN {make_vin(1)!r}: row 2 has it already"
    assert reasons[7] == f"its VIN {make_vin(50)!r} is already under an active lien"
    assert reasons[8] == (
        "its certificate of conformity number 'WDK000000000051' is already under an active lien"
    )
    assert "advanced 3 vehicle(s)" in result.stderr and "rejected 5 row(s)" in result.stderr

    shown = client.get(f"/v1/lines/{line}", headers=lender.headers).json()
    assert (shown["active_liens"], shown["outstanding"]) == (3, 3 * ADVANCE)
    registered = client.get(f"/v1/vehicles/{make_vin(2)}", headers=dealer.headers).json()
    assert registered["registration"] == "RZ-2024-0001"
    assert client.get(f"/v1/vehicles/{make_vin(6)}", headers=lender.headers).status_code == 404

    # Importing the same file again: every row is now pledged or bad, nothing is advanced.
    again = runner.invoke(app, ["inventory", "import", str(csv_file), "--line", str(line)])
    assert again.exit_code == 1 and "advanced 0 vehicle(s)" in again.stderr

    # A file without a required column is refused before the chain is touched; and only the
    # line's lender may import onto it.
    no_engine = cli_env / "no-engine.csv"
    no_engine.write_text(f"vin,certificate,value\n{make_vin(1)},WDK1,100\n")
    refused = runner.invoke(app, ["inventory", "import", str(no_engine), "--line", str(line)])
    assert refused.exit_code == 2 and "missing column(s) engine" in refused.stderr

    good = cli_env / "good.csv"
    good.write_text(f"vin,certificate,engine,value\n{make_vin(9)},WDK9,EA9,25000000\n")
    as_other = ["--as", str(demo["lender2"].member.id)]
    stranger = runner.invoke(
        app, ["inventory", "import", str(good), "--line", str(line), *as_other]
    )
    assert stranger.exit_code == 1 and "is not the lender of line" in stranger.stderr
    done = runner.invoke(app, ["inventory", "import", str(good), "--line", str(line)])
    assert done.exit_code == 0, done.output
    assert done.stdout == "" and "advanced 1 vehicle(s)" in done.stderr


def test_import_fills_the_vin_directory_with_the_description_columns(
    cli_env: Path, client: TestClient, runtime: Runtime, demo: dict[str, Caller]
):
    from ledger.inventory import vin_directory
    from ledger.vin import vin_hash

    line = open_line(client, demo["lender"], demo["dealer"])
    csv_file = cli_env / "stock.csv"
    csv_file.write_text(
        "vin,certificate,engine,value,make,model,colour,stock\n"
        f"{make_vin(1)},WDK-0000-0000-0001,EA00000001,25000000,FAW-VW,Sagitar,white,S-001\n"
        f"{make_vin(2)},WDK000000000002,EA00000002,25000000,,,,\n"
    )
    result = runner.invoke(app, ["inventory", "import", str(csv_file), "--line", str(line)])
    assert result.exit_code == 0, result.output
    names = vin_directory(runtime).names(
        [vin_hash(make_vin(1)), vin_hash(make_vin(2))], lines=[line]
    )
    first = names["0x" + vin_hash(make_vin(1)).hex()]
    assert (first.vin, first.certificate, first.engine) == (
        make_vin(1),
        "WDK000000000001",
        "EA00000001",
    )
    assert first.description == "FAW-VW Sagitar white" and first.stock_number == "S-001"
    assert names["0x" + vin_hash(make_vin(2)).hex()].description == ""
