"""No promo code data lives here: promo codes are only ever read from and written to impact.com.

PromoCodePermissions is unmanaged and has no table: it lets Django's admin grant the two write
permissions. LedgerEntry records our own writes (who sent what, and what came of it).
"""

from django.conf import settings
from django.db import models


class PromoCodePermissions(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("create_promo_code", "Can create promo codes on impact.com"),
            ("expire_promo_code", "Can expire promo codes on impact.com"),
        ]

    def __str__(self) -> str:
        return "promo code permissions"


CREATE_PERMISSION = "promocodes.create_promo_code"
EXPIRE_PERMISSION = "promocodes.expire_promo_code"
EDITORS_GROUP = "Promo code editors"


class LedgerEntry(models.Model):
    """One write promoadmin sent (or meant to send) to impact.com: who, when, from where, what, and
    what came of it. Like Django admin's LogEntry, a record of our own writes, never a copy of a
    promo code: pages still read impact.com for a code's current state.

    `key` is the submission's claim (a form's token, a bulk row): unique, so of two copies of one
    submission exactly one creates the entry and sends; the other finds it and answers with what
    it did. A key is cleared once nothing reached impact.com, so the same form may be sent again.
    Entries of one change by replacement share an `operation` and say their `role` in it.
    """

    PENDING, CREATED, EXPIRED, REJECTED, FAILED, UNKNOWN = "pending", "created", "expired", "rejected", "failed", "unknown"
    OUTCOMES = [(value, value) for value in (PENDING, CREATED, EXPIRED, REJECTED, FAILED, UNKNOWN)]
    ACTIONS = [("create", "create"), ("expire", "expire")]

    key = models.CharField(max_length=255, unique=True, null=True, blank=True)
    operation = models.UUIDField(null=True, blank=True, db_index=True)
    role = models.CharField(max_length=20, blank=True)  # in a replacement: old, new or compensation
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True)  # kept when the user is deleted
    screen = models.CharField(max_length=40)  # where it was asked for: create, detail, list, bulk-create, ...
    action = models.CharField(max_length=10, choices=ACTIONS)
    campaign_id = models.BigIntegerField(null=True, blank=True)
    code = models.CharField(max_length=255, blank=True)
    sent = models.JSONField(default=dict, blank=True)  # the request's fields, impact.com's names; never credentials
    promo_code_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    upstream_status = models.IntegerField(null=True, blank=True)
    error_name = models.CharField(max_length=60, blank=True)  # the kind of error (ImpactTimeout, ...), if any
    message = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=OUTCOMES, default=PENDING, db_index=True)
    settled_at = models.DateTimeField(null=True, blank=True)  # when an unknown outcome became known

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "ledger entries"

    def __str__(self) -> str:
        return f"{self.action} {self.code or self.promo_code_id} by {self.username}: {self.outcome}"
