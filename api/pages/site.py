"""What every page shares: the visitor (session, member, language), page access policies,
rendering with Jinja2, and the error pages.

Every page route declares one policy with `public_page()`, `member_page()` or
`role_page(...)`; `require_page_policies` refuses a router where one does not. POST requests
are refused with 403 unless they carry the session's CSRF token, whatever the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

import jinja2
from fastapi import APIRouter, Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from sqlmodel import Session, select

from api.auth import Principal
from api.models import ApiKey
from api.pages.i18n import Translator, negotiate, translator
from api.pages.sessions import (
    CSRF_FIELD,
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    PageSession,
    SessionSigner,
)
from api.runtime import Runtime
from api.version import VERSION
from ledger.consortium import MemberStatus, Role
from ledger.errors import LedgerError, TransactionReverted

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
STATIC = Path(__file__).resolve().parents[1] / "static"

SECURITY_HEADERS = {
    # No inline script or style anywhere: the pages load /static only.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


# ------------------------------------------------------------------ errors


class PageError(Exception):
    """Base of the errors page routes raise; each becomes an HTML page (or a redirect) saying
    the catalog string `message`."""

    status = 500
    message = "error.internal"


class SignInRequired(PageError):
    """No signed-in member: redirect to the sign-in page, then back."""

    status = 303


class PageForbidden(PageError):
    """The member's roles do not open this page."""

    status = 403
    message = "error.forbidden"


class PageNotFound(PageError):
    """No such thing, or one the member may not see."""

    status = 404
    message = "error.not_found"


class CsrfRejected(PageError):
    """A POST without the session's CSRF token."""

    status = 403
    message = "error.csrf"


# ------------------------------------------------------------------ the visitor


@dataclass(frozen=True, kw_only=True)
class NavItem:
    """A link of the navigation bar."""

    href: str
    label: str


@dataclass(kw_only=True)
class Visitor:
    """The browser behind a page request: its session, the member when signed in, its
    language, and (for POST) the submitted form."""

    request: Request
    signer: SessionSigner
    session: PageSession
    principal: Principal | None
    language: str
    form: Mapping[str, str] = field(default_factory=dict)
    write_cookie: bool = False
    notice: str | None = None

    @property
    def runtime(self) -> Runtime:
        """The service's runtime."""
        runtime: Runtime = self.request.app.state.runtime
        return runtime

    @property
    def zone(self) -> ZoneInfo:
        """The time zone the pages show times in (the `time_zone` setting)."""
        return ZoneInfo(self.runtime.settings.time_zone)

    @property
    def t(self) -> Translator:
        """UI strings in the visitor's language."""
        return translator(self.language)

    @property
    def member(self) -> Principal:
        """The signed-in member (page routes behind `member_page` or `role_page` only)."""
        if self.principal is None:
            raise SignInRequired("not signed in")
        return self.principal

    def holds(self, *roles: Role) -> bool:
        """Whether the signed-in member holds any of `roles`."""
        return self.principal is not None and bool(self.principal.roles & set(roles))

    def start(self, session: PageSession) -> None:
        """Replace the session (sign-in, sign-out); the new cookie goes out with the answer."""
        self.session = session
        self.write_cookie = True

    def page(self, template: str, *, status: int = 200, **context: Any) -> Response:
        """Render `template` for this visitor."""
        html = _environment.get_template(template).render(
            t=self.t,
            lang=self.language,
            principal=self.principal,
            csrf_field=CSRF_FIELD,
            csrf_token=self.signer.csrf_token(self.session),
            nav=navigation(self),
            current_path=self.request.url.path,
            current_url=_local_url(self.request),
            static=_static_url,
            notice=self.notice,
            fmt_time=partial(format_time, zone=self.zone),
            time_zone=self.runtime.settings.time_zone,
            currency=self.runtime.settings.currency,
            time_zone_offset=zone_label(datetime.now(self.zone)),
            as_of_block=self.runtime.known_block(),
            **context,
        )
        return self.send(HTMLResponse(html, status_code=status))

    def redirect(self, url: str) -> Response:
        """See-other to the local `url`."""
        return self.send(RedirectResponse(url, status_code=303))

    def send(self, response: Response) -> Response:
        """`response` with the session cookie (when it changed) and the security headers."""
        if self.write_cookie:
            secure = self.request.url.scheme == "https"
            max_age = max(0, self.session.expires - int(datetime.now(UTC).timestamp()))
            response.set_cookie(
                SESSION_COOKIE,
                self.signer.encode(self.session),
                max_age=max_age,
                path="/",
                httponly=True,
                samesite="lax",
                secure=secure,
            )
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def navigation(visitor: Visitor) -> list[NavItem]:
    """The links the visitor's roles open (pages that exist only)."""
    from notary.queries import READERS

    if visitor.principal is None:
        return []
    items = [NavItem(href="/", label="nav.home")]
    if visitor.holds(*READERS):
        items.append(NavItem(href="/evidence", label="nav.evidence"))
    if visitor.holds(Role.REGULATOR):
        items.append(NavItem(href="/oversight", label="nav.oversight"))
    if visitor.holds(Role.DEALER):
        items.append(NavItem(href="/dealer", label="nav.dealer"))
    if visitor.holds(Role.LENDER):
        items.append(NavItem(href="/lender", label="nav.lender"))
    if visitor.holds(Role.COLLECTOR):
        items.append(NavItem(href="/collections", label="nav.collections"))
    if visitor.holds(Role.COLLECTOR, Role.LENDER):
        items.append(NavItem(href="/cases", label="nav.cases"))
    items.append(NavItem(href="/members", label="nav.members"))
    return items


def format_time(value: datetime | str | None, zone: tzinfo = UTC) -> str:
    """A time as shown on the pages: in `zone` (the `time_zone` setting), to the second, with
    its offset from UTC (``2026-12-07 20:36:03 UTC+08:00``; ``UTC`` itself in UTC). A naive
    value is UTC."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
    return moment.strftime("%Y-%m-%d %H:%M:%S ") + zone_label(moment)


def zone_label(moment: datetime) -> str:
    """``UTC`` or ``UTC+08:00``: the offset of `moment` (an aware time)."""
    offset = moment.utcoffset()
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _static_url(path: str) -> str:
    return f"/static/{path}?v={VERSION}"


def _local_url(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site, else the home page (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


async def _form(request: Request) -> dict[str, str]:
    """The submitted form of a POST (text fields only); empty for other methods."""
    if request.method != "POST":
        return {}
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _visitor(request: Request, form: Annotated[dict[str, str], Depends(_form)]) -> Visitor:
    """Who is asking: read and check the session; for a POST, check its CSRF token."""
    visitor = _new_visitor(request, form)
    request.state.visitor = visitor
    if request.method == "POST" and not visitor.signer.csrf_ok(
        visitor.session, form.get(CSRF_FIELD)
    ):
        raise CsrfRejected("the form's CSRF token is missing or does not match the session")
    _sign_in_member(visitor)
    return visitor


def _new_visitor(request: Request, form: Mapping[str, str]) -> Visitor:
    """The visitor of `request` from its cookies, not yet signed in as its member."""
    signer: SessionSigner = request.app.state.page_sessions
    session = signer.decode(request.cookies.get(SESSION_COOKIE))
    language = request.cookies.get(LANGUAGE_COOKIE) or ""
    return Visitor(
        request=request,
        signer=signer,
        session=session or signer.new(),
        principal=None,
        language=negotiate(language or request.headers.get("accept-language")),
        form=form,
        write_cookie=session is None,
    )


def _sign_in_member(visitor: Visitor) -> None:
    """Set the visitor's member from its session, or end a session whose member is gone."""
    signer, runtime = visitor.signer, visitor.runtime
    if visitor.session.signed_in:
        principal = _member_of(runtime, visitor.session)
        if principal is None:
            signer.end(visitor.session)
            visitor.start(signer.new())
            visitor.notice = "sign_in.ended"
        visitor.principal = principal


def _member_of(runtime: Runtime, session: PageSession) -> Principal | None:
    """The session's member, if its API key is still valid and it is still active."""
    assert session.member_id is not None
    with Session(runtime.engine) as db:
        key = db.exec(select(ApiKey).where(ApiKey.key_id == session.key_id)).first()
    if key is None or key.revoked_at is not None or key.member_id != session.member_id:
        return None
    try:
        member = runtime.member_now(session.member_id)
    except TransactionReverted:
        return None
    if member.status != MemberStatus.ACTIVE:
        return None
    return Principal(
        member_id=member.id,
        address=member.address,
        name=member.name,
        roles=frozenset(member.roles),
        via="session",
    )


# ------------------------------------------------------------------ policies


@dataclass(frozen=True, kw_only=True)
class PagePolicy:
    """Who may open a page: anyone (`public`), any signed-in member (`allowed` None), or
    members holding one of `allowed`."""

    public: bool = False
    allowed: frozenset[Role] | None = None


VisitorDependency = Callable[..., Visitor]
_Current = Annotated[Visitor, Depends(_visitor)]


def public_page() -> VisitorDependency:
    """Page policy: anyone, signed in or not (the sign-in page, the language switch)."""

    def anyone(visitor: _Current) -> Visitor:
        return visitor

    return _with_policy(anyone, PagePolicy(public=True))


def member_page() -> VisitorDependency:
    """Page policy: any signed-in member."""

    def member(visitor: _Current) -> Visitor:
        if visitor.principal is None:
            raise SignInRequired("sign in first")
        return visitor

    return _with_policy(member, PagePolicy())


def role_page(*allowed: Role) -> VisitorDependency:
    """Page policy: signed-in members holding one of `allowed`."""
    policy = PagePolicy(allowed=frozenset(allowed))

    def holder(visitor: _Current) -> Visitor:
        if visitor.principal is None:
            raise SignInRequired("sign in first")
        if not visitor.holds(*allowed):
            raise PageForbidden("your roles do not open this page")
        return visitor

    return _with_policy(holder, policy)


def page_policy_of(dependency: object) -> PagePolicy | None:
    """The page policy a dependency declares, if it is one of ours."""
    found = getattr(dependency, "__page_policy__", None)
    return found if isinstance(found, PagePolicy) else None


def _with_policy(function: VisitorDependency, policy: PagePolicy) -> VisitorDependency:
    function.__page_policy__ = policy  # type: ignore[attr-defined]
    return function


def page_policies(routers: Iterable[APIRouter]) -> dict[tuple[str, str], PagePolicy | None]:
    """The declared page policy of every route and method (None where not exactly one)."""
    found: dict[tuple[str, str], PagePolicy | None] = {}
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            declared = [
                p for d in _walk(route.dependant) if (p := page_policy_of(d.call)) is not None
            ]
            for method in route.methods or ():
                found[(method, route.path)] = declared[0] if len(declared) == 1 else None
    return found


def require_page_policies(routers: Iterable[APIRouter]) -> None:
    """Refuse page routers in which a route lacks exactly one declared page policy."""
    missing = [f"{m} {p}" for (m, p), policy in page_policies(routers).items() if policy is None]
    if missing:
        raise RuntimeError(f"pages without exactly one access policy: {', '.join(missing)}")


def _walk(dependant: Dependant) -> list[Dependant]:
    return [dependant, *(d for sub in dependant.dependencies for d in _walk(sub))]


# ------------------------------------------------------------------ error pages


def wants_html(request: Request) -> bool:
    """Whether `request` is a browser's outside the API: not under `/v1`, and its Accept names
    HTML. Programs (and the API's own clients) keep their problem+json."""
    if request.url.path.startswith("/v1/") or request.url.path == "/v1":
        return False
    return "text/html" in request.headers.get("accept", "")


BROWSER_ERRORS: dict[int, str] = {
    400: "error.bad_request",
    403: "error.forbidden",
    404: "error.not_found",
    405: "error.method",
    422: "error.bad_request",
}
"""The catalog string of each HTTP status a browser may meet outside a page route's own
errors (an unknown path, a form's address reloaded, a malformed path parameter); any other
status reads as `error.internal`."""


def browser_error(request: Request, status: int) -> Response:
    """The site's error page for a browser's request that failed with `status` before (or
    outside) a page route: the visitor is read from the cookies, without a CSRF check, so
    the navigation and language are the member's own."""
    visitor: Visitor | None = getattr(request.state, "visitor", None)
    if visitor is None:
        visitor = _new_visitor(request, {})
        try:
            _sign_in_member(visitor)
        except LedgerError:  # the error page renders even when the chain is down
            visitor.principal = None
    message = BROWSER_ERRORS.get(status, "error.internal")
    return visitor.page("error.html", status=status, message=message)


def error_response(request: Request, exc: PageError) -> Response:
    """The page (or redirect) for a `PageError` raised while serving `request`."""
    visitor: Visitor | None = getattr(request.state, "visitor", None)
    if visitor is None:  # raised before the visitor was read: start a fresh session
        signer: SessionSigner = request.app.state.page_sessions
        visitor = Visitor(
            request=request,
            signer=signer,
            session=signer.new(),
            principal=None,
            language=negotiate(request.headers.get("accept-language")),
            write_cookie=True,
        )
    if isinstance(exc, SignInRequired):
        ended = "ended=true&" if visitor.notice == "sign_in.ended" else ""
        if request.method != "GET":  # back to a GET page only; a form is not re-sent
            return visitor.redirect(f"/sign-in?{ended}")
        return visitor.redirect(f"/sign-in?{ended}next=" + quote(_local_url(request), safe="/"))
    return visitor.page("error.html", status=exc.status, message=exc.message)
