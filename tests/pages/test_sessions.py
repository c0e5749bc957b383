"""Session cookies, CSRF tokens, the language catalogs and redirects, without a browser."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from api.pages.i18n import CATALOGS, negotiate, translator
from api.pages.sessions import PageSession, SessionSigner
from api.pages.site import TEMPLATES, safe_next
from ledger.consortium import MemberStatus, Role
from notary.models import ItemStatus
from notary.receipts import CHECKS
from notary.records import EvidenceType

KEY = bytes(range(32))


def test_a_session_survives_its_cookie_and_nothing_else():
    signer = SessionSigner(KEY)
    session = signer.new(member_id=7, key_id="0123456789abcdef")
    cookie = signer.encode(session)
    assert signer.decode(cookie) == session and session.signed_in
    assert SessionSigner(KEY).decode(cookie) == session, "any replica with the key reads it"
    assert SessionSigner(bytes(32)).decode(cookie) is None, "another master key does not"
    payload, mac = cookie.split(".")
    forged = signer.encode(PageSession(sid=session.sid, member_id=1, key_id="x", expires=2**40))
    assert signer.decode(forged.split(".")[0] + "." + mac) is None
    assert signer.decode(payload + "." + mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB")) is None
    for junk in (None, "", "abc", "a.b.c", "!!.??", "x" * 5000, "é.é"):
        assert signer.decode(junk) is None
    expired = PageSession(sid="s", member_id=7, key_id="k", expires=int(time.time()) - 1)
    assert signer.decode(signer.encode(expired)) is None
    signer.end(session)
    assert signer.decode(cookie) is None, "signed out"
    fresh = signer.new()
    assert not fresh.signed_in and fresh.sid != session.sid


def test_csrf_tokens_belong_to_one_session():
    signer = SessionSigner(KEY)
    one, two = signer.new(), signer.new()
    token = signer.csrf_token(one)
    assert signer.csrf_ok(one, token)
    assert not signer.csrf_ok(two, token)
    assert not signer.csrf_ok(one, None) and not signer.csrf_ok(one, "")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("de-DE,zh;q=0.5", "zh-CN"),
        ("fr, de", "en"),
        ("en;q=0.3, zh;q=0.7", "zh-CN"),
        ("zh;q=0", "en"),
        ("zh-CN", "zh-CN"),
        ("en;q=bogus, zh", "zh-CN"),
    ],
)
def test_language_negotiation(header, language):
    assert negotiate(header) == language


def test_both_catalogs_hold_every_string_the_templates_use():
    base = {
        lang: {k for k in catalog if not k.endswith(".one")} for lang, catalog in CATALOGS.items()
    }
    assert base["en"] == base["zh-CN"]
    for catalog in CATALOGS.values():
        assert all(k.removesuffix(".one") in catalog for k in catalog if k.endswith(".one"))
    used = set()
    for template in Path(TEMPLATES).glob("*.html"):
        used |= set(
            re.findall(r"""\bt\(["']([a-z_]+(?:\.[a-z_A-Z]+)+)["']""", template.read_text())
        )
    for source in (Path(TEMPLATES).parent / "pages").glob("*.py"):
        used |= set(re.findall(r'"((?:home|nav|sign_in|error)\.[a-z_.]+)"', source.read_text()))
    used -= {"error.html", "home.html", "sign_in.html"}
    # keys the templates build from values: every value has its string
    used |= {f"role.{r.value}" for r in Role} | {f"type.{k.value}" for k in EvidenceType}
    used |= {f"status.{s.value}" for s in ItemStatus} | {f"check.{c}" for c in CHECKS}
    used |= {f"detail.explain.{s.value}" for s in ItemStatus}
    used |= {f"member_status.{m.name.lower()}" for m in MemberStatus}
    assert used and not used - base["en"], sorted(used - base["en"])
    en, zh = translator("en"), translator("zh-CN")
    assert en("search.results", count=1) == "1 item found"
    assert en("search.results", count=2) == "2 items found"
    assert zh("search.results", count=1) == "找到 1 条证据"


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/evidence?case=A", "/evidence?case=A"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("evidence", "/"),
    ],
)
def test_redirects_stay_on_this_site(target, safe):
    assert safe_next(target) == safe
