"""Every write to impact.com and its outcome: creates, expires, the rows of bulk jobs, and a change
by replacement (expire and create, with compensation).

impact.com has no idempotency keys, no update call and no undo, so a code sent twice or sent wrong
stays wrong. This module is the one place that sends a write, and each write is a ledger entry
(`LedgerEntry`): who asked, from which screen, what was sent, and what came of it, decided by one
rule (`write_outcome`). The JSON audit line is written from the entry. A submission's unique key
(a form's token, a bulk row) is the entry's `key`: claiming it creates the entry, so of two copies
exactly one sends, in every worker and every instance; the other finds the entry and tells what it did.

Functions take keyword arguments and the signed-in `user`, never the request; they return facts
(`WriteResult`), which views turn into pages and presenters into words. A create is never retried.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from promoadmin.impact.errors import (
    ImpactError,
    ImpactNotFound,
    ImpactUnavailable,
    ImpactUnreachable,
    ImpactValidationError,
)
from promoadmin.impact.factory import get_impact_client
from promoadmin.impact.records import NewPromoCode, PromoCode, PromoCodeFilters

from . import audit, budget
from .checks.overlaps import find_duplicate
from .models import LedgerEntry

# --- every write and its outcome -------------------------------------------------------------------

PENDING, CREATED, EXPIRED, REJECTED, FAILED, UNKNOWN = (
    LedgerEntry.PENDING, LedgerEntry.CREATED, LedgerEntry.EXPIRED, LedgerEntry.REJECTED, LedgerEntry.FAILED,
    LedgerEntry.UNKNOWN,
)


def write_outcome(err: ImpactError, *, sent: bool = True) -> str:
    """What a write that ended in `err` did: the one rule the ledger, the audit line and every page follow.

    - failed: nothing was done. The request was never sent, or never reached impact.com (no
      connection), or impact.com refused it outright (not found, rate limit, credentials, scope);
    - rejected: impact.com refused the values it was sent (a validation error);
    - unknown: the request may have reached impact.com, which did not confirm it (a timeout, a 5xx,
      a dropped connection after sending, an answer that is not JSON). It may have been done: never
      send a create again blindly; settle it by reading impact.com (`ledger_settle`).
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
    entry: LedgerEntry | None = None  # the ledger entry of this write (None when nothing was sent)
    already_expired: bool = False  # the code was INACTIVE before: nothing was sent, nothing recorded
    earlier: LedgerEntry | None = None  # with already_expired: our entry that expired it, if any
    sent: bool = True  # False: stopped before its request (a failed read first), so nothing was done

    @property
    def done(self) -> bool:
        return self.outcome in (CREATED, EXPIRED)


# --- the ledger: claims, entries, settling -------------------------------------------------------


def _entry(*, user, action: str, screen: str, key: str | None = None, new_code: NewPromoCode | None = None,
           promo: PromoCode | None = None, promo_code_id: int | None = None, operation=None, role: str = "") -> LedgerEntry:
    signed_in = user is not None and user.is_authenticated
    subject = new_code or promo
    return LedgerEntry(
        key=key,
        operation=operation,
        role=role,
        at=timezone.now(),
        user=user if signed_in else None,
        username=user.get_username() if signed_in else "",
        screen=screen,
        action=action,
        campaign_id=subject.campaign_id if subject else None,
        code=subject.code if subject else "",
        sent=new_code.to_form() if new_code else {},
        promo_code_id=promo.id if promo else promo_code_id,
    )


def ledger_claim(*, key: str, user, action: str, screen: str, new_code: NewPromoCode | None = None,
                 promo_code_id: int | None = None) -> tuple[LedgerEntry, bool]:
    """Claim a submission's one send, like `get_or_create`: (the new pending entry, True) for exactly
    one caller in every process; (the first copy's entry, False) for every other."""
    entry = _entry(user=user, action=action, screen=screen, key=key, new_code=new_code, promo_code_id=promo_code_id)
    try:
        with transaction.atomic():  # a savepoint, so a clash leaves an outer transaction usable
            entry.save()
        return entry, True
    except IntegrityError:
        return LedgerEntry.objects.get(key=key), False


def ledger_release(entry: LedgerEntry | None) -> None:
    """Nothing was sent (a check said no): the claim goes, so the same form may be submitted again."""
    if entry is not None and entry.pk and entry.outcome == PENDING:
        entry.delete()


def ledger_free_key(entry: LedgerEntry) -> None:
    """Let the same submission be sent again while its outcome stays unknown: only when impact.com
    answered (a 5xx, not a time-out that may still land), since the duplicate check before a second
    send finds a code the first one made."""
    if entry.key is not None:
        entry.key = None
        entry.save(update_fields=["key"])


def _finish(entry: LedgerEntry, outcome: str, *, promo_code_id: int | None = None, error: ImpactError | None = None,
            promo: PromoCode | NewPromoCode | None = None) -> LedgerEntry:
    """Record what a write came to, and write its audit line."""
    entry.outcome = outcome
    if promo_code_id is not None:
        entry.promo_code_id = promo_code_id
    if promo is not None:
        entry.code, entry.campaign_id = promo.code, promo.campaign_id
    entry.upstream_status = error.upstream_status if error else 200
    entry.error_name = type(error).__name__ if error else ""
    entry.message = error.message if error else ""
    if outcome in (REJECTED, FAILED):
        entry.key = None  # nothing was done: the same submission may be sent again
    entry.save()
    audit.log_entry(entry)
    return entry


def last_expired(promo_code_id: int) -> LedgerEntry | None:
    """Our entry that expired this code, if promoadmin did."""
    return LedgerEntry.objects.filter(promo_code_id=promo_code_id, action="expire", outcome=EXPIRED).order_by("-at").first()


def ledger_settle(*, entry: LedgerEntry) -> LedgerEntry:
    """Settle an unknown outcome by reading impact.com (one call): created (with its id) or not, expired
    or not. Raises ImpactError when impact.com cannot be read; the entry then stays unknown."""
    if entry.outcome != UNKNOWN:
        return entry
    client = get_impact_client()
    if entry.action == "create":
        page = client.list_promo_codes(PromoCodeFilters(campaign_id=entry.campaign_id, code=entry.code), page_size=25, fresh=True)
        sent = NewPromoCode(0, entry.campaign_id or 0, "", entry.code, entry.sent.get("Type", "LI"))
        found = find_duplicate(sent, [promo for promo in page.items if promo.is_active])
        if found:
            entry.outcome, entry.promo_code_id = CREATED, found.id
            entry.message = f"Settled: impact.com has it (id {found.id})."
        else:
            entry.outcome, entry.key = FAILED, None
            entry.message = "Settled: impact.com has no such active code, so it was not created."
    else:
        try:
            promo = client.get_promo_code(entry.promo_code_id, fresh=True)
        except ImpactNotFound:
            promo = None
        if promo is not None and not promo.is_active:
            entry.outcome, entry.message = EXPIRED, "Settled: impact.com shows it INACTIVE."
        else:
            entry.outcome, entry.key = FAILED, None
            entry.message = "Settled: impact.com shows it still ACTIVE, so it was not expired." if promo else \
                "Settled: impact.com has no such code."
    entry.settled_at = timezone.now()
    entry.save()
    audit.log_entry(entry)
    return entry


def ledger_prune(*, now=None) -> int:
    """Delete entries older than LEDGER_RETENTION_DAYS. Returns how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.LEDGER_RETENTION_DAYS)
    deleted, _ = LedgerEntry.objects.filter(at__lt=cutoff).delete()
    return deleted


# --- creates and expires -----------------------------------------------------------------------


def promo_code_create(*, user, new_code: NewPromoCode, entry: LedgerEntry | None = None, screen: str = "create",
                      operation=None, role: str = "") -> WriteResult:
    """Send one create (never retried), record it, and say what it did. Never raises ImpactError.

    `entry` is the submission's claimed entry, if it has one; else a new entry is made."""
    if entry is None:
        entry = _entry(user=user, action="create", screen=screen, new_code=new_code, operation=operation, role=role)
    else:
        entry.sent, entry.operation, entry.role = new_code.to_form(), operation or entry.operation, role or entry.role
    entry.save()  # pending while it is in flight: a crash leaves it visible, not forgotten
    try:
        promo_code_id = get_impact_client().create_promo_code(new_code)
    except ImpactError as err:
        outcome = write_outcome(err)
        return WriteResult(outcome, error=err, entry=_finish(entry, outcome, error=err, promo=new_code))
    return WriteResult(CREATED, promo_code_id, entry=_finish(entry, CREATED, promo_code_id=promo_code_id, promo=new_code))


def promo_code_create_not_sent(*, user, new_code: NewPromoCode, error: ImpactError, entry: LedgerEntry | None = None,
                               screen: str = "create") -> WriteResult:
    """A create stopped before it was sent, by an upstream error in the checks: recorded as failed."""
    if entry is None:
        entry = _entry(user=user, action="create", screen=screen, new_code=new_code)
    entry.sent = new_code.to_form()
    return WriteResult(FAILED, error=error, entry=_finish(entry, FAILED, error=error, promo=new_code))


def promo_code_expire(*, user, promo_code_id: int, code: str = "", read_back: bool = False, check_first: bool = False,
                      before: PromoCode | None = None, screen: str = "detail", operation=None, role: str = "") -> WriteResult:
    """Send one DELETE (retried by the client: expiring twice is harmless), record it, say what it did.

    A code promoadmin already expired is read once: still INACTIVE, nothing is sent and no second
    entry is made, and the answer says who expired it (from the ledger). `check_first` spends one read to find a code
    expired elsewhere (INACTIVE: nothing is sent, nothing recorded). When that read fails, the
    DELETE is not sent either: it would meet the same fault, and a timed-out read followed by a
    timed-out DELETE would turn a plain "not expired" into an unknown outcome and double the wait.
    The failure is recorded as a failed expire that was not sent. `read_back` reads the code
    afterwards (one more call) for the page; a failed read still counts as expired. `code` names the
    code in the ledger when it is not read. `before`: the code as the caller has just read it afresh,
    which then decides instead of another read. Never raises ImpactError.
    """
    client = get_impact_client()
    earlier = last_expired(promo_code_id)
    if before is None and (earlier or check_first):
        try:
            before = _read_for_write(client, promo_code_id)
        except ImpactError as err:
            if earlier:  # impact.com cannot be asked, and our ledger says we expired it: send nothing
                return WriteResult(EXPIRED, promo_code_id, already_expired=True, earlier=earlier)
            return _expire_not_sent(user=user, promo_code_id=promo_code_id, code=code, error=err, screen=screen,
                                    operation=operation, role=role)
    # impact.com's state decides, not the ledger alone: an id the ledger saw expired can be ACTIVE
    # again (the sandbox reuses ids after a restart), and then it is expired like any other code.
    if before is not None and not before.is_active:
        return WriteResult(EXPIRED, promo_code_id, promo=before, already_expired=True, earlier=earlier)
    entry = _entry(user=user, action="expire", screen=screen, promo=before, promo_code_id=promo_code_id,
                   operation=operation, role=role)
    entry.code = entry.code or code  # the code as the caller knew it (a confirmed batch), until read back
    entry.save()
    try:
        client.expire_promo_code(promo_code_id)
    except ImpactError as err:
        outcome = write_outcome(err)
        return WriteResult(outcome, promo_code_id, error=err, entry=_finish(entry, outcome, error=err))
    promo = None
    if read_back:
        try:
            promo = _read_for_write(client, promo_code_id)
        except ImpactError:
            promo = None
    return WriteResult(EXPIRED, promo_code_id, promo=promo, entry=_finish(entry, EXPIRED, promo=promo or before))


def _read_for_write(client, promo_code_id: int) -> PromoCode:
    """A fresh read that is part of a write, so it may use the account's write reserve."""
    with budget.for_write():
        return client.get_promo_code(promo_code_id, fresh=True)


def _expire_not_sent(*, user, promo_code_id: int, code: str, error: ImpactError, screen: str, operation,
                     role: str) -> WriteResult:
    """An expire stopped before its DELETE, by a failed read of the code: recorded as failed, not sent."""
    entry = _entry(user=user, action="expire", screen=screen, promo_code_id=promo_code_id, operation=operation, role=role)
    entry.code = code
    outcome = write_outcome(error, sent=False)
    return WriteResult(outcome, promo_code_id, error=error, entry=_finish(entry, outcome, error=error), sent=False)


def endpoint_missing(err: ImpactError) -> ImpactError:
    """A 404 from an endpoint that always exists means a wrong base URL or account: a bad gateway, not a 404."""
    return ImpactError(
        "impact.com answered \"not found\" for an endpoint that always exists. An administrator should "
        "check IMPACT_API_BASE_URL and IMPACT_ACCOUNT_SID.",
        upstream_status=err.upstream_status,
    )


# --- change by replacement -----------------------------------------------------------------------


def remaining_window(old: PromoCode, *, now=None) -> NewPromoCode:
    """The old code as a create, for what is left of its window: it starts now (or at its own later
    start) and ends when it did."""
    now = now or timezone.now()
    start = old.start_date if old.start_date and old.start_date > now else None
    return NewPromoCode(
        assigned_partner_id=old.assigned_partner_id, campaign_id=old.campaign_id, credit_policy=old.credit_policy,
        code=old.code, type=old.type, start_date=start, end_date=old.end_date,
        deal_id=old.deal.id if old.deal and old.deal.id else None, deal_name=old.deal.name if old.deal else "",
    )


def same_code_text(old: PromoCode, new_code: NewPromoCode) -> bool:
    """Whether the new code is the old one as impact.com compares codes (exact codes ignore case)."""
    return find_duplicate(new_code, [old]) is not None


@dataclass(frozen=True)
class ReplaceResult:
    """What a change by replacement did: each step's write (None: not sent), in the order sent."""

    same_text: bool
    old: WriteResult | None  # the expire of the old code (never sent for an INACTIVE one)
    new: WriteResult | None  # the create of the new one
    compensation: WriteResult | None = None  # the old code's remaining window, created again

    @property
    def done(self) -> bool:
        return bool(self.old and self.old.done and self.new and self.new.done)


def promo_code_replace(*, user, old: PromoCode, new_fields: NewPromoCode, entry: LedgerEntry | None = None,
                       screen: str = "change") -> ReplaceResult:
    """Change a code the only way impact.com allows: expire it and create its replacement, as one
    ledger operation (linked entries: old, new, compensation). Usable per code by a batch.

    Same code text: the old one must go first (impact.com refuses two active copies), so shoppers
    may see it refused between the two calls; if the create then fails or is refused, the old
    code's remaining window is created again (compensation). An unknown create is not compensated:
    the new code may exist. Different text: the new code is created first, the old one expired only
    once that succeeded. An INACTIVE old code (a reactivation) is never expired: impact.com keeps it
    as it is, and a DELETE would only spend a request and record an expire that changed nothing.
    `entry` is the form's claimed entry, used for the create. Never raises ImpactError.
    """
    operation = uuid.uuid4()
    same = same_code_text(old, new_fields)

    def expire_old() -> WriteResult:
        return promo_code_expire(user=user, promo_code_id=old.id, code=old.code, before=old, screen=screen, operation=operation,
                                 role="old")

    def create_new() -> WriteResult:
        return promo_code_create(user=user, new_code=new_fields, entry=entry, screen=screen, operation=operation, role="new")

    if not old.is_active:
        return ReplaceResult(same, None, create_new())
    if not same:
        new = create_new()
        return ReplaceResult(False, expire_old() if new.done else None, new)
    old_result = expire_old()
    if not old_result.done:
        ledger_release(entry)  # nothing was created: the form may be sent again
        return ReplaceResult(True, old_result, None)
    new = create_new()
    compensation = None
    if new.outcome in (REJECTED, FAILED):
        compensation = promo_code_create(user=user, new_code=remaining_window(old), screen=screen, operation=operation,
                                         role="compensation")
    return ReplaceResult(True, old_result, new, compensation)


# --- one submission per form -------------------------------------------------------------------


def new_form_token() -> str:
    return secrets.token_urlsafe(18)


def form_key(token: str) -> str:
    return f"create-form:{token}"


def claim_form_token(*, user, token: str, new_code: NewPromoCode, screen: str = "create") -> tuple[LedgerEntry | None, LedgerEntry | None]:
    """Claim the form's one submission: (this request's pending entry, None) when it may send, else
    (None, the first submission's entry). Without a token (a hand-made POST) nothing is claimed, and
    the duplicate check is the only guard."""
    if not token:
        return None, None
    entry, claimed = ledger_claim(key=form_key(token), user=user, action="create", screen=screen, new_code=new_code)
    return (entry, None) if claimed else (None, entry)


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


# --- a confirmed batch: each item is sent at most once ---------------------------------------------


def claim_batch_item(*, user, screen: str, nonce: str, item: int, new_code: NewPromoCode) -> tuple[LedgerEntry, bool]:
    """Claim the one send of a batch's item (a bulk create's row index, a selection action's code
    id): (its pending entry, True), or (the first send's entry, False). The nonce names the batch."""
    key = f"{screen}:{user.get_username()}:{nonce}:{item}"
    return ledger_claim(key=key, user=user, action="create", screen=screen, new_code=new_code)
