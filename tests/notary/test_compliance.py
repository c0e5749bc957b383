"""Collection-compliance rules: contact hours at their edges, counts at the limit and one over,
forbidden wording with spans and near-misses, and strict reading of the rules file."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from notary.compliance import (
    CONTACT_HOURS,
    CONTACTS_PER_DAY,
    CONTACTS_PER_WEEK,
    FORBIDDEN_WORDING,
    ComplianceError,
    Contact,
    RuleSet,
    check_contact,
    forbidden_wording,
)
from notary.errors import FormatError

RULES_FILE = Path(__file__).resolve().parents[2] / "notary" / "rules" / "collection-rules-v1.json"
SHANGHAI = ZoneInfo("Asia/Shanghai")
DEBTOR = "ab" * 32


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.from_json(RULES_FILE.read_bytes())


def contact(at: datetime, *, zone: str = "Asia/Shanghai", transcript: str | None = None) -> Contact:
    return Contact(
        at=at, time_zone=zone, debtor=DEBTOR, collector="7", channel="phone", transcript=transcript
    )


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=SHANGHAI)


def test_the_default_rules_file_reads_and_has_its_version(rules):
    assert rules.version == "collection-rules-v1"
    assert (rules.max_per_day, rules.max_per_week) == (3, 7)
    assert f"{rules.contact_start:%H:%M}-{rules.contact_end:%H:%M}" == "08:00-21:00"
    assert {p.lang for p in rules.phrases} == {"zh", "en"}
    assert len(rules.digest) == 64
    # Layout does not change the digest; a rule does.
    document = json.loads(RULES_FILE.read_text())
    assert RuleSet.from_json(json.dumps(document, indent=4)).digest == rules.digest
    document["max_contacts"]["per_day"] = 4
    assert RuleSet.from_json(json.dumps(document)).digest != rules.digest


@pytest.mark.parametrize(
    ("at", "zone", "violates"),
    [
        (local(2, 7, 59, 59), "Asia/Shanghai", True),
        (local(2, 8, 0, 0), "Asia/Shanghai", False),
        (local(2, 20, 59, 59), "Asia/Shanghai", False),
        (local(2, 21, 0, 0), "Asia/Shanghai", True),
        (local(2, 22, 30), "Asia/Shanghai", True),
        (local(2, 0, 5), "Asia/Shanghai", True),
        # 13:30 UTC is 21:30 in Shanghai but 08:30 in New York (EST): the debtor's zone counts.
        (datetime(2026, 3, 2, 13, 30, tzinfo=UTC), "Asia/Shanghai", True),
        (datetime(2026, 3, 2, 13, 30, tzinfo=UTC), "America/New_York", False),
    ],
)
def test_contact_hours_at_their_edges_in_the_debtors_time_zone(rules, at, zone, violates):
    found = [v.rule for v in check_contact(rules, contact(at, zone=zone), [])]
    assert (CONTACT_HOURS in found) is violates, found


def test_a_contact_at_22_30_debtor_time_is_a_violation_naming_the_hours(rules):
    (violation,) = check_contact(rules, contact(local(2, 22, 30)), [])
    assert violation.rule == CONTACT_HOURS
    assert violation.detail == (
        "contact at 22:30:00 Asia/Shanghai (2026-03-02) is outside the allowed hours 08:00-21:00"
    )


@pytest.mark.parametrize(("earlier", "violates"), [(0, False), (2, False), (3, True), (5, True)])
def test_contacts_per_day_at_the_limit_and_over(rules, earlier, violates):
    others = [local(2, 9 + i) for i in range(earlier)]
    found = check_contact(rules, contact(local(2, 18)), others)
    per_day = [v for v in found if v.rule == CONTACTS_PER_DAY]
    assert bool(per_day) is violates
    if violates:
        assert per_day[0].detail == (
            f"contact {earlier + 1} with this debtor on 2026-03-02 (Asia/Shanghai);"
            " at most 3 a day are allowed"
        )


def test_days_are_the_debtors_calendar_days(rules):
    # 23:30 the day before in Shanghai is 15:30 UTC: it is not the same Shanghai day as 09:00.
    others = [local(1, 23, 30), local(2, 9), local(2, 10)]
    found = check_contact(rules, contact(local(2, 11)), others)
    assert CONTACTS_PER_DAY not in [v.rule for v in found]
    others.append(local(2, 8, 30))
    found = check_contact(rules, contact(local(2, 11)), others)
    assert CONTACTS_PER_DAY in [v.rule for v in found]


@pytest.mark.parametrize(("extra", "violates"), [(0, False), (1, True)])
def test_contacts_per_week_over_seven_days(rules, extra, violates):
    # One contact on each of the six days before (3rd to 8th), today's makes 7 in 7 days; one
    # more on the 3rd makes 8. A contact on the 2nd is outside the window.
    others = [local(day, 10) for day in range(3, 9)] + [local(3, 11)] * extra + [local(2, 10)]
    found = [v.rule for v in check_contact(rules, contact(local(9, 10)), others)]
    assert (CONTACTS_PER_WEEK in found) is violates
    assert CONTACTS_PER_DAY not in found


def test_contacts_older_than_the_week_do_not_count(rules):
    others = [local(1, 10) + timedelta(hours=i) for i in range(3)] * 3
    found = [v.rule for v in check_contact(rules, contact(local(9, 10)), others)]
    assert found == []


@pytest.mark.parametrize(
    ("transcript", "expected"),
    [
        ("Pay now, you deadbeat.", [("en-deadbeat", 13, 21, "deadbeat")]),
        ("YOU WILL GO TO JAIL if you do not pay", [("en-jail", 0, 19, "YOU WILL GO TO JAIL")]),
        ("you will\n go  to jail", [("en-jail", 0, 21, "you will\n go  to jail")]),
        ("再不还钱就曝光你,老赖", [("zh-expose", 5, 8, "曝光你"), ("zh-deadbeat", 9, 11, "老赖")]),
        # near-misses: inside a longer word, split differently, or a different word.
        ("your collection skills are great", []),
        ("deadbeats", []),
        ("dead beat", []),
        ("you will go to the jail museum", []),
        ("老 赖", []),
        ("", []),
    ],
)
def test_forbidden_wording_matches_with_spans_and_misses_near_misses(rules, transcript, expected):
    found = forbidden_wording(rules, transcript)
    assert [(v.phrase_id, *(v.span or ()), v.matched) for v in found] == expected
    for v in found:
        assert v.rule == FORBIDDEN_WORDING
        assert v.span is not None and transcript[v.span[0] : v.span[1]] == v.matched


def test_every_rule_of_one_contact_is_reported(rules):
    others = [local(2, 9), local(2, 10), local(2, 11)]
    found = check_contact(rules, contact(local(2, 22), transcript="idiot!"), others)
    assert [v.rule for v in found] == [CONTACT_HOURS, CONTACTS_PER_DAY, FORBIDDEN_WORDING]


def _rules(**changes: Any) -> dict[str, Any]:
    document = json.loads(RULES_FILE.read_text())
    for path, value in changes.items():
        target = document
        *parents, last = path.split("__")
        for name in parents:
            target = target[name]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return document


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": "other"}, "rules.format"),
        ({"version": "bad version!"}, "rules.version"),
        ({"default_time_zone": "Mars/Olympus"}, "time zone 'Mars/Olympus'"),
        ({"contact_hours__start": "8am"}, "rules.contact_hours.start"),
        ({"contact_hours__start": "22:00"}, "must be before end"),
        ({"max_contacts__per_day": 0}, "rules.max_contacts.per_day"),
        ({"max_contacts__per_week": None}, "member 'per_week' is missing"),
        ({"extra": 1}, "unknown member 'extra'"),
        (
            {"forbidden_phrases": [{"id": "a", "lang": "en", "text": "x"}] * 2},
            "'a' is used twice",
        ),
        ({"forbidden_phrases": [{"id": "a", "lang": "en", "text": "  "}]}, "non-blank"),
    ],
)
def test_bad_rules_files_are_refused_naming_the_member(changes, message):
    with pytest.raises(ComplianceError, match=message) as caught:
        RuleSet.from_json(json.dumps(_rules(**changes)))
    assert isinstance(caught.value, FormatError)


def test_naive_times_and_unknown_zones_are_refused(rules):
    with pytest.raises(ComplianceError, match="no time zone"):
        check_contact(rules, contact(datetime(2026, 3, 2, 10)), [])
    with pytest.raises(ComplianceError, match="IANA"):
        check_contact(rules, contact(local(2, 10), zone="Nowhere/City"), [])
