"""Every write to impact.com and its outcome: creates, expires, and the rows of bulk jobs.

impact.com has no idempotency keys and no update call, so a code sent twice or sent wrong stays
wrong. This module is the one place that sends a write, writes its audit line and says what it
did (`write_outcome`: one rule for every write), and that guards a submission against being sent
twice (a form's token, a bulk row's marker: each a claim with a unique key in the shared store,
promoadmin.shared_state, so every worker and instance agrees whatever the cache is).

Functions take keyword arguments and the signed-in `user`, never the request; they return facts
(`WriteResult`), which views turn into pages and presenters into words. A create is never retried.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

from promoadmin.impact.errors import ImpactError, ImpactUnavailable, ImpactUnreachable, ImpactValidationError
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode, PromoCode
from promoadmin.shared_state import store

from . import audit, budget

TOKEN_SECONDS = 24 * 3600
SESSION_KEY = "promocodes_created_by_form"
SESSION_KEEP = 50



# --- every write and its outcome -------------------------------------------------------------------

CREATED, EXPIRED, REJECTED, FAILED, UNKNOWN = "created", "expired", "rejected", "failed", "unknown"


def write_outcome(err: ImpactError, *, sent: bool = True) -> str:
    """What a write that ended in `err` did: the one rule the audit line and every page follow.

    - failed: nothing was done. The request was never sent, or never reached impact.com (no
      connection), or impact.com refused it outright (not found, rate limit, credentials, scope);
    - rejected: impact.com refused the values it was sent (a validation error);
    - unknown: the request may have reached impact.com, which did not confirm it (a timeout, a 5xx,
      an answer that is not JSON). It may have been done: never send a create again blindly.
    """
    if not sent or isinstance(err, ImpactUnreachable):
        return FAILED
    if isinstance(err, ImpactValidationError):
        return REJECTED
    if isinstance(err, ImpactUnavailable):
        return UNKNOWN
    return FAILED


@dataclass(frozen=True)
class WriteResult:
    outcome: str  # CREATED, EXPIRED, REJECTED, FAILED or UNKNOWN
    promo_code_id: int | None = None
    error: ImpactError | None = None
    promo: PromoCode | None = None  # after an expire read back: the code as impact.com now has it

    @property
    def done(self) -> bool:
        return self.outcome in (CREATED, EXPIRED)


def promo_code_create(*, user, new_code: NewPromoCode) -> WriteResult:
    """Send one create (never retried), audit it, and say what it did. Never raises ImpactError."""
    try:
        promo_code_id = get_impact_client().create_promo_code(new_code)
    except ImpactError as err:
        outcome = write_outcome(err)
        audit.log_write(user, "create", new_code, outcome=outcome, error=err)
        return WriteResult(outcome, error=err)
    audit.log_write(user, "create", new_code, outcome=CREATED, promo_code_id=promo_code_id)
    return WriteResult(CREATED, promo_code_id)


def promo_code_create_not_sent(*, user, new_code: NewPromoCode, error: ImpactError) -> WriteResult:
    """A create stopped before it was sent, by an upstream error in the checks: audited as failed."""
    audit.log_write(user, "create", new_code, outcome=FAILED, error=error)
    return WriteResult(FAILED, error=error)


def promo_code_expire(*, user, promo_code_id: int, read_back: bool = False) -> WriteResult:
    """Send one DELETE (retried by the client: expiring twice is harmless), audit it, say what it did.

    `read_back` reads the code afterwards (one more call) for the page and the audit line's code and
    campaign; a failed read still counts as expired. Never raises ImpactError.
    """
    client = get_impact_client()
    try:
        client.expire_promo_code(promo_code_id)
    except ImpactError as err:
        outcome = write_outcome(err)
        audit.log_write(user, "expire", None, promo_code_id=promo_code_id, outcome=outcome, error=err)
        return WriteResult(outcome, promo_code_id, error=err)
    promo = None
    if read_back:
        try:
            with budget.for_write():  # part of the write: it may use the account's write reserve
                promo = client.get_promo_code(promo_code_id, fresh=True)
        except ImpactError:
            promo = None
    audit.log_write(user, "expire", promo, promo_code_id=promo_code_id, outcome=EXPIRED)
    return WriteResult(EXPIRED, promo_code_id, promo=promo)


def endpoint_missing(err: ImpactError) -> ImpactError:
    """A 404 from an endpoint that always exists means a wrong base URL or account: a bad gateway, not a 404."""
    return ImpactError(
        "impact.com answered \"not found\" for an endpoint that always exists. An administrator should "
        "check IMPACT_API_BASE_URL and IMPACT_ACCOUNT_SID.",
        upstream_status=err.upstream_status,
    )


# --- one submission per form -------------------------------------------------------------------


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


def _token_key(token: str) -> str:
    return f"promoadmin:create-form:{token}"


@dataclass(frozen=True)
class EarlierSubmission:
    """What a form's first submission did, told to its second one."""

    state: str  # "created", "pending" (still running) or "unknown" (impact.com never confirmed)
    promo_code_id: int | None = None
    code: str = ""


def claim_form_token(request, token: str) -> EarlierSubmission | None:
    """Claim the form's one submission: None when this request may send, else what happened before.

    The claim is a row with a unique key in the shared store (the database), so of simultaneous
    submissions exactly one wins, in every worker and every instance. Without a token (a hand-made
    POST) nothing is claimed, and the duplicate check is the only guard.
    """
    if not token:
        return None
    created = request.session.get(SESSION_KEY, {}).get(token)
    if created:
        return EarlierSubmission("created", created.get("id"), created.get("code", ""))
    key = _token_key(token)
    if store.claim(key, TOKEN_SECONDS):
        return None
    state = store.read_claim(key)
    if isinstance(state, int):
        return EarlierSubmission("created", state)
    return EarlierSubmission("unknown" if state == "unknown" else "pending")


def release_form_token(token: str | None) -> None:
    """Nothing was created: the same form may be submitted again (after fixing what was wrong)."""
    if token:
        store.release(_token_key(token))


def remember_created(request, token: str, promo_code_id: int, code: str) -> None:
    if not token:
        return
    store.remember(_token_key(token), promo_code_id, TOKEN_SECONDS)
    created = dict(request.session.get(SESSION_KEY, {}))
    created[token] = {"id": promo_code_id, "code": code}
    request.session[SESSION_KEY] = dict(list(created.items())[-SESSION_KEEP:])


def remember_unknown(token: str) -> None:
    """impact.com may have created the code (a timeout): this form must not send it again."""
    if token:
        store.remember(_token_key(token), "unknown", TOKEN_SECONDS)


# --- the dry run of a create ---------------------------------------------------------------------


@dataclass(frozen=True)
class RequestPreview:
    """The create request exactly as ImpactClient would send it (never with credentials)."""

    method: str
    path: str
    content_type: str
    fields: tuple[tuple[str, str], ...]
    body: str


def preview_request(new_code: NewPromoCode) -> RequestPreview:
    form = new_code.to_form()
    return RequestPreview(
        method="POST",
        path=f"/Advertisers/{get_impact_client().account_sid}/PromoCodes",
        content_type="application/x-www-form-urlencoded",
        fields=tuple(form.items()),
        body=urlencode(form),
    )


# --- bulk create: each row is sent at most once --------------------------------------------------

BULK_ROW_MARKER_SECONDS = 2 * 3600  # outlives every review token (an hour) that could claim it


def _bulk_row_marker(user_name: str, nonce: str, index: int) -> str:
    return f"promoadmin:bulk-create:{user_name}:{nonce}:{index}"


def claim_bulk_create_row(*, user_name: str, nonce: str, index: int) -> bool:
    """Claim a reviewed row's one send: False when it was already sent (a resubmitted form, say)."""
    return store.claim(_bulk_row_marker(user_name, nonce, index), BULK_ROW_MARKER_SECONDS)


def earlier_bulk_create_row(*, user_name: str, nonce: str, index: int) -> int | str | None:
    """What the row's first send came to: its new id, "unknown", or "pending" (still being sent)."""
    return store.read_claim(_bulk_row_marker(user_name, nonce, index))


def remember_bulk_create_row(*, user_name: str, nonce: str, index: int, outcome: int | str) -> None:
    """Record what the row's send came to (a new id, or "unknown"), for a second attempt to tell."""
    store.remember(_bulk_row_marker(user_name, nonce, index), outcome, BULK_ROW_MARKER_SECONDS)


def release_bulk_create_row(*, user_name: str, nonce: str, index: int) -> None:
    """Nothing reached impact.com (no connection): the row may be sent again."""
    store.release(_bulk_row_marker(user_name, nonce, index))
