""""Log in with <institution>": OpenID Connect authorization-code flow with PKCE (Authlib).

GET /login/oidc sends the browser to the identity provider with a fresh state, nonce and
PKCE challenge (kept in the signed session); GET /login/oidc/callback exchanges the code,
checks the ID token's signature against the provider's JWKS, its issuer, audience and nonce,
then lets `onconode.access.oidc.identify` pick the account by verified email. Accounts with
MFA continue with the node's own code page, exactly as after a password.

Without configuration (onconode.access.oidc.OidcSettings) the login page shows no button
and both routes answer 404 saying how to configure it.
"""

from __future__ import annotations

from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from joserfc.errors import JoseError

from onconode.access.identity import AuthenticationError, needs_mfa
from onconode.access.oidc import CONFIGURE_HINT, UnknownEmail, identify
from onconode.settings import OidcSettings, Settings
from onconode.interfaces.http.auth import _safe_next
from onconode.interfaces.http.session import node_of, start_session
from onconode.interfaces.http.templating import TEMPLATES, render

router = APIRouter()
CLIENT_NAME = "institution"


def settings_of(request: Request) -> OidcSettings:
    """The app's OIDC settings, read once per app from ONCONODE_OIDC_* or [oidc] of onconode.toml."""
    state = request.app.state
    if not hasattr(state, "oidc_settings"):
        state.oidc_settings = Settings.load(node_of(request).home).oidc
    return state.oidc_settings


def _client(request: Request) -> StarletteOAuth2App:
    settings = settings_of(request)
    if not settings.configured:
        raise HTTPException(404, f"login with an institution (OpenID Connect) is not configured on this node: "
                                 f"{', '.join(settings.missing())} missing; {CONFIGURE_HINT}")
    state = request.app.state
    if not hasattr(state, "oidc_client"):
        oauth = OAuth()
        oauth.register(CLIENT_NAME, client_id=settings.client_id, client_secret=settings.client_secret,
                       server_metadata_url=settings.discovery_url,
                       client_kwargs={"scope": settings.scope, "code_challenge_method": "S256"})
        state.oidc_client = oauth.create_client(CLIENT_NAME)
    return state.oidc_client


def login_button(request: Request) -> str | None:
    """For login.html: the institution's name when OIDC login is configured, else None."""
    settings = settings_of(request)
    return settings.display_name if settings.configured else None


TEMPLATES.env.globals["oidc_login_name"] = login_button


def _refused(request: Request, status: int, problem: str, **ctx: Any) -> Response:
    return render(request, "oidc/refused.html", status_code=status, problem=problem,
                  institution=settings_of(request).display_name, **ctx)


async def _metadata(request: Request, client: StarletteOAuth2App) -> dict:
    settings = settings_of(request)
    try:
        metadata = await client.load_server_metadata()
    except Exception as exc:  # network errors, non-JSON answers: the operator must see which
        raise HTTPException(502, f"could not read the identity provider's discovery document at "
                                 f"{settings.discovery_url}: {exc}; check ONCONODE_OIDC_ISSUER and that the provider is up") from exc
    if str(metadata.get("issuer", "")).rstrip("/") != str(settings.issuer).rstrip("/"):
        raise HTTPException(502, f"the discovery document at {settings.discovery_url} names issuer "
                                 f"{metadata.get('issuer')!r}, not the configured {settings.issuer!r}; fix ONCONODE_OIDC_ISSUER")
    return metadata


async def _with_userinfo_email(client: StarletteOAuth2App, token: dict, claims: dict) -> dict | None:
    """Providers that follow the spec strictly put `email` in the userinfo answer, not in the
    ID token; take it (and `email_verified`) from there, but only for the same subject."""
    try:
        info = await client.userinfo(token=token)
    except Exception as exc:  # an unreachable or failing userinfo endpoint: say which
        raise HTTPException(502, f"could not read the identity provider's userinfo endpoint: {exc}") from exc
    if info.get("sub") != claims.get("sub"):
        return None
    return {**claims, "email": info.get("email"), "email_verified": info.get("email_verified")}


@router.get("/login/oidc", include_in_schema=False)
async def oidc_start(request: Request, next: str | None = None) -> Response:
    client = _client(request)
    await _metadata(request, client)
    request.session["oidc_next"] = _safe_next(next)
    redirect_uri = settings_of(request).redirect_uri or str(request.url_for("oidc_callback"))
    return await client.authorize_redirect(request, redirect_uri)


@router.get("/login/oidc/callback", include_in_schema=False, name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    client = _client(request)
    await _metadata(request, client)
    next_page = _safe_next(request.session.pop("oidc_next", None))
    try:
        token = await client.authorize_access_token(request)
    except (AuthlibBaseError, JoseError) as exc:
        return _refused(request, 400, f"the answer from the identity provider was not accepted ({exc}). "
                                      "Nothing was logged in; start again from the login page.")
    claims = token.get("userinfo")
    if not claims:
        return _refused(request, 400, "the identity provider sent no ID token; ask your node operator to request the 'openid' scope.")
    if "email" not in claims:
        claims = await _with_userinfo_email(client, token, dict(claims))
        if claims is None:
            return _refused(request, 400, "the identity provider's userinfo answer is about another subject than its ID token.")
    node = node_of(request)
    try:
        who = await run_in_threadpool(identify, node.gov.engine, claims, trust_idp_mfa=settings_of(request).trust_idp_mfa, at=node.now())
    except UnknownEmail as exc:
        return _refused(request, 403, f"{exc}.", unknown_email=exc.email)
    except AuthenticationError as exc:
        return _refused(request, 403, f"{exc}.")
    if who.needs_node_code:
        csrf = request.session.get("csrf")
        request.session.clear()
        request.session.update({"pending_account_id": who.account.id, **({"csrf": csrf} if csrf else {})})
        return render(request, "login_code.html", next=next_page)
    start_session(request, who.account, mfa=who.mfa_by_idp)
    if needs_mfa(who.account) and not who.mfa_by_idp:
        return RedirectResponse("/account/mfa", 303)
    return RedirectResponse(next_page, 303)
