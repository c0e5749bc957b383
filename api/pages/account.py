"""Pages every member uses: sign-in, sign-out, the language switch, home and the member list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.apikeys import PREFIX, member_of_token
from api.pages.i18n import LANGUAGES
from api.pages.sessions import LANGUAGE_COOKIE
from api.pages.site import Visitor, member_page, public_page, safe_next
from ledger.consortium import MemberStatus, Role
from ledger.errors import TransactionReverted
from notary.queries import READERS

router = APIRouter(include_in_schema=False)

Anyone = Annotated[Visitor, Depends(public_page())]
AnyMember = Annotated[Visitor, Depends(member_page())]

LANGUAGE_COOKIE_LIFETIME = 365 * 24 * 3600
"""Seconds the language choice is remembered: it is a preference, not a credential."""


@dataclass(frozen=True, kw_only=True)
class Card:
    """One thing the member can do, on the home page."""

    href: str
    title: str
    text: str


@router.get("/sign-in")
def sign_in_form(
    visitor: Anyone,
    next_: Annotated[str | None, Query(alias="next")] = None,
    signed_out: Annotated[bool, Query(alias="signed-out")] = False,
    ended: bool = False,
) -> Response:
    """The sign-in form."""
    if visitor.principal is not None:
        return visitor.redirect(safe_next(next_))
    if signed_out:
        visitor.notice = "sign_in.signed_out"
    elif ended:
        visitor.notice = "sign_in.ended"
    return visitor.page("sign_in.html", errors={}, next=safe_next(next_))


@router.post("/sign-in")
def sign_in(visitor: Anyone) -> Response:
    """Sign in with a member's API key: the session then acts as that member."""
    t, runtime = visitor.t, visitor.runtime
    token = visitor.form.get("api_key", "").strip()
    target = safe_next(visitor.form.get("next"))
    member_id = member_of_token(runtime.engine, token) if token else None
    error = None
    if not token:
        error = t("sign_in.error.empty")
    elif member_id is None:
        error = t("sign_in.error.unknown")
    else:
        try:
            member = runtime.members.member(member_id)
        except TransactionReverted:
            error = t("sign_in.error.unknown")
        else:
            if member.status != MemberStatus.ACTIVE:
                status = t("member_status." + member.status.name.lower())
                error = t("sign_in.error.inactive", status=status)
    if error is not None or member_id is None:
        return visitor.page(
            "sign_in.html", status=400, errors={"api_key": error or ""}, next=target
        )
    # The key id is the part between the prefix and the secret (see api.apikeys).
    key_id = token[len(PREFIX) :].split("_", 1)[0]
    visitor.signer.end(visitor.session)
    visitor.start(visitor.signer.new(member_id=member_id, key_id=key_id))
    return visitor.redirect(target)


@router.post("/sign-out")
def sign_out(visitor: AnyMember) -> Response:
    """End the session."""
    visitor.signer.end(visitor.session)
    visitor.start(visitor.signer.new())
    visitor.principal = None
    return visitor.redirect("/sign-in?signed-out=true")


@router.post("/language")
def choose_language(visitor: Anyone) -> Response:
    """Remember the chosen language and go back to the page the switch was on."""
    language = visitor.form.get("language", "")
    response = visitor.redirect(safe_next(visitor.form.get("next")))
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_LIFETIME,
            path="/",
            httponly=True,
            samesite="lax",
            secure=visitor.request.url.scheme == "https",
        )
    return response


@router.get("/")
def home(visitor: AnyMember) -> Response:
    """What the signed-in member can do here, by role."""
    cards: list[Card] = []
    if visitor.holds(*READERS):
        cards.append(
            Card(href="/evidence", title="home.card.evidence", text=_evidence_text(visitor))
        )
    if visitor.holds(Role.REGULATOR):
        cards.append(
            Card(href="/oversight", title="home.card.oversight", text="home.card.oversight_text")
        )
    if visitor.holds(Role.DEALER):
        cards.append(Card(href="/dealer", title="home.card.dealer", text="home.card.dealer_text"))
    if visitor.holds(Role.LENDER):
        cards.append(Card(href="/lender", title="home.card.lender", text="home.card.lender_text"))
    cards.append(Card(href="/members", title="home.card.members", text="home.card.members_text"))
    return visitor.page("home.html", cards=cards)


def _evidence_text(visitor: Visitor) -> str:
    from notary.queries import sees_all

    return "home.card.evidence_all" if sees_all(visitor.member) else "home.card.evidence_own"


@router.get("/members")
def members(visitor: AnyMember) -> Response:
    """Every consortium member, with status and roles."""
    return visitor.page("members.html", members=visitor.runtime.members.all())
