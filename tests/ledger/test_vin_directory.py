"""The VIN directory: identifiers behind each hash, per line; reads limited to given lines."""

from __future__ import annotations

from ledger.vin import vin_hash
from ledger.vin_directory import SEARCH_LIMIT, VinDirectory, VinEntry
from tests.api.test_inventory import make_vin


def _entry(n: int, **description: str) -> VinEntry:
    vin = make_vin(n)
    return VinEntry(
        vin=vin,
        vin_hash=vin_hash(vin),
        certificate=f"WDK{n:012d}",
        engine=f"EA{n:08d}",
        **description,
    )


def _hex(n: int) -> str:
    return "0x" + vin_hash(make_vin(n)).hex()


def test_names_come_only_from_the_lines_asked_for(engine):
    directory = VinDirectory(engine, chain_id=31337)
    directory.record(1, [_entry(1, make="FAW-VW", model="Sagitar", colour="white"), _entry(2)])
    directory.record(2, [_entry(3, stock_number="STK-0003")])
    everything = [vin_hash(make_vin(n)) for n in (1, 2, 3)]

    on_one = directory.names(everything, lines=[1])
    assert set(on_one) == {_hex(1), _hex(2)}
    assert on_one[_hex(1)].vin == make_vin(1)
    assert on_one[_hex(1)].description == "FAW-VW Sagitar white"
    assert on_one[_hex(1)].certificate == "WDK000000000001"
    assert directory.names(everything, lines=[2])[_hex(3)].stock_number == "STK-0003"
    assert set(directory.names(everything, lines=None)) == {_hex(1), _hex(2), _hex(3)}
    assert directory.names(everything, lines=[]) == {}
    assert directory.names(everything, lines=[9]) == {}
    # another chain's directory is another directory
    assert VinDirectory(engine, chain_id=1).names(everything, lines=None) == {}


def test_recording_again_updates_and_a_new_line_gets_its_own_row(engine):
    directory = VinDirectory(engine, chain_id=31337)
    directory.record(1, [_entry(1)])
    directory.record(1, [_entry(1, colour="red")])
    directory.record(5, [_entry(1, colour="blue")])  # released, financed again on line 5
    assert directory.names([vin_hash(make_vin(1))], lines=[1])[_hex(1)].description == "red"
    assert directory.names([vin_hash(make_vin(1))], lines=None)[_hex(1)].line_id == 5


def test_search_by_part_of_any_identifier_within_the_lines(engine):
    directory = VinDirectory(engine, chain_id=31337)
    directory.record(1, [_entry(n) for n in range(1, 6)])
    directory.record(2, [_entry(7, stock_number="STK-77")])
    assert [n.vin for n in directory.search(make_vin(3)[-6:], lines=[1])] == [make_vin(3)]
    assert [n.vin for n in directory.search(make_vin(3).lower(), lines=[1])] == [make_vin(3)]
    assert [n.vin for n in directory.search("wdk 0000 0000 0004", lines=[1])] == [make_vin(4)]
    assert [n.vin for n in directory.search("EA00000005", lines=[1])] == [make_vin(5)]
    assert [n.vin for n in directory.search("stk-77", lines=None)] == [make_vin(7)]
    assert directory.search("STK-77", lines=[1]) == []  # on a line not asked for
    assert directory.search("   ", lines=None) == []
    assert len(directory.search("LFV", lines=None)) == 6 <= SEARCH_LIMIT
