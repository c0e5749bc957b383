"""Proof-check details in the reader's language: every detail `verify_receipt` gives for a
good receipt, a tampered file and a missing node is said from the catalog."""

from __future__ import annotations

import re

from api.pages.check_details import PATTERNS, check_detail
from api.pages.i18n import CATALOGS, translator
from notary.receipts import Check, verify_receipt
from tests.notary.factories import NOTARY_ADDRESS, document, make_receipts, make_record


def test_every_pattern_has_a_string_in_both_languages():
    for catalog in CATALOGS.values():
        assert {f"check_detail.{key}" for key, _ in PATTERNS} <= catalog.keys()


def test_a_receipts_check_details_are_said_in_chinese():
    receipts = make_receipts([make_record(n) for n in range(3)])
    zh = translator("zh-CN")
    for file in (document(1), b"tampered", None):
        report = verify_receipt(receipts[1], document=file, expected_signer=NOTARY_ADDRESS)
        for check in report.checks:
            said = check_detail(zh, check)
            assert not said.english, check.detail
            assert re.search(r"[\u4e00-\u9fff]", said.text), said.text
    said = check_detail(zh, verify_receipt(receipts[1], document=document(1)).checks[2])
    assert said.text.startswith("第 1 个叶子（共 3 个）经审计路径得出根 ")


def test_an_unknown_detail_stays_as_written_and_marked_english():
    said = check_detail(translator("zh-CN"), Check(name="chain_id", ok=False, detail="odd"))
    assert said.english and said.text == "odd"


def test_breach_details_are_said_in_chinese():
    from datetime import UTC, datetime

    from api.pages.check_details import BREACH_PATTERNS, breach_detail
    from notary.compliance import Contact, check_contact
    from notary.contacts import packaged_rules

    for catalog in CATALOGS.values():
        assert {f"breach_detail.{key}" for key, _ in BREACH_PATTERNS} <= catalog.keys()
    rules = packaged_rules()
    late = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)  # 22:30 in Shanghai
    phrase = rules.phrases[0]
    contact = Contact(
        at=late,
        time_zone="Asia/Shanghai",
        debtor="d",
        collector="c",
        channel="phone",
        transcript=f"hello {phrase.text}",
    )
    others = [late.replace(hour=h) for h in (1, 2, 3, 4, 5, 6)]
    violations = check_contact(rules, contact, others)
    assert {v.rule for v in violations} >= {
        "contact_hours",
        "contacts_per_day",
        "forbidden_wording",
    }
    zh = translator("zh-CN")
    for violation in violations:
        said = breach_detail(zh, violation.detail)
        assert not said.english, violation.detail
        assert re.search(r"[\u4e00-\u9fff]", said.text), said.text
