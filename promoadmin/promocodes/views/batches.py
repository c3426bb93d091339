"""What the three batches share (bulk create, bulk expire, selection actions): which errors stop a
batch, and the run of a whole batch in one request, for a browser without JavaScript (with it, the
page's script sends the items one request each, and stops the same way: app.js)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core import signing

from promoadmin.impact.errors import ImpactForbidden, ImpactPageDeadline, ImpactRateLimited, ImpactUnauthorized

# Errors that will fail every following request too: stop the batch.
STOPPING_ERRORS = (ImpactRateLimited, ImpactUnauthorized, ImpactForbidden, ImpactPageDeadline)
NOT_SENT = "Not sent: the batch stopped at an earlier error."
READ_AFRESH = "Start again from the list, so the codes are read afresh."

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


class BadBatch(Exception):
    """A signed batch that will not be run; the message says why. Nothing of it was sent."""


def load_signed(request, token: str, *, salt: str, name: str, start_again: str) -> dict:
    """What promoadmin signed for this person at most BULK_TOKEN_MAX_AGE ago: a batch's confirmation
    or review (`name`), sent back with the form. Anything else raises BadBatch."""
    try:
        payload = signing.loads(token, salt=salt, max_age=settings.BULK_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise BadBatch(f"This {name} is more than an hour old. {start_again}") from None
    except signing.BadSignature:
        raise BadBatch(f"This {name} was changed or is incomplete, so nothing was sent.") from None
    if not isinstance(payload, dict) or payload.get("u") != request.user.get_username():
        raise BadBatch(f"This {name} was made for someone else, so nothing was sent.")
    return payload


def overlaps_confirmed(request, payload: dict) -> bool:
    """A batch signed with overlap warnings (its "c") sends nothing until the user ticked confirm_overlap."""
    return not payload.get("c") or request.POST.get("confirm_overlap") in ("on", "1", "true")


def run_until_stopped(items: Iterable[Item], send: Callable[[Item], Outcome], not_sent: Callable[[Item], Outcome]) -> list[Outcome]:
    """Send each item in turn; once an outcome says `stop`, the rest are `not_sent` (never sent)."""
    outcomes, stopped = [], False
    for item in items:
        outcome = not_sent(item) if stopped else send(item)
        stopped = stopped or outcome.stop
        outcomes.append(outcome)
    return outcomes


def label_counts(outcomes) -> list[tuple[str, int]]:
    """How many outcomes of each label, in the order they first appear: the summary line."""
    return list(Counter(outcome.label for outcome in outcomes).items())
