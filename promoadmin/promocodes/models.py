"""No promo code data lives here: promo codes are only ever read from and written to impact.com.

This unmanaged model has no table. It exists so that Django's admin can grant the two write
permissions (to users or to the "Promo code editors" group).
"""

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
