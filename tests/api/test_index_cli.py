"""`autoledger index rebuild`: the read models projected again from the indexed events."""

from __future__ import annotations

from sqlalchemy import text
from typer.testing import CliRunner

from api.cli import app
from api.demo import run_demo
from api.runtime import Runtime
from api.settings import load_settings
from ledger.floorplan import NewVehicle
from ledger.vin import VehicleKeys
from tests.ledger.test_floorplan import TERMS, make_vin

runner = CliRunner()


def test_index_rebuild_restores_a_damaged_read_model(cli_env):
    with Runtime.start(load_settings(None)) as runtime:
        members = {m.member.name: m.member for m in run_demo(runtime)}
        lender, dealer = members["Huaxia Auto Finance"], members["Sunrise Motors"]
        plan = runtime.floorplan.as_sender(runtime.sender_for(lender.address))
        line = plan.open_line(dealer.address, 10**12, TERMS)
        keys = VehicleKeys.of(vin=make_vin(7), certificate="WDK000000000007", engine="EA7")
        plan.advance(line, [NewVehicle.of(keys, 1_000_000)])
        runtime.fresh_block()
        with runtime.engine.begin() as conn:
            assert conn.execute(text("DELETE FROM rm_floor_plan_vehicle")).rowcount == 1
            block = runtime.indexed_block()

    rebuilt = runner.invoke(app, ["index", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "read models rebuilt from" in rebuilt.output and f"as of block {block}" in rebuilt.output
    with Runtime.start(load_settings(None)) as runtime:
        with runtime.engine.connect() as conn:
            rows = conn.execute(text("SELECT vin_hash, line_id FROM rm_floor_plan_vehicle")).all()
    assert rows == [("0x" + keys.vin_hash.hex(), line)]
