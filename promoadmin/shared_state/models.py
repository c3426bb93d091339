"""Rows every worker and every instance sees, because they live in the one database.

No promo code data: claims ("this form was submitted", "this bulk row was sent"), small shared
values (impact.com's last rate-limit headers) and token buckets (each user's share of the hourly
budget). See `promoadmin.shared_state.store` for the API; nothing else touches these tables.
"""

from django.db import models


class Claim(models.Model):
    """A key that one request took first; `value` says what became of it (JSON), until `expires_at`."""

    key = models.CharField(max_length=255, unique=True)
    value = models.JSONField(null=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key


class TokenBucket(models.Model):
    """`tokens` as of `updated_at` (seconds since the epoch); it refills at the rate its caller gives."""

    key = models.CharField(max_length=255, unique=True)
    tokens = models.FloatField()
    updated_at = models.FloatField()

    def __str__(self) -> str:
        return self.key
