"""The promo code screens; the URL scheme is public (see the README), the view modules are the map."""

from django.urls import path, register_converter

from .lookups import parse_id
from .views import bulk_change, bulk_create, bulk_expire, create, detail, expire, export, listing, pickers, receipts

app_name = "promocodes"


class PromoCodeIdConverter:
    """An impact.com promo code id in a path: anything that cannot be one (0, 30 digits) is a 404
    before any view runs, so no view checks it and impact.com is never asked."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        promo_code_id = parse_id(value)
        if promo_code_id is None:
            raise ValueError(value)  # the resolver takes this as "no match": a 404
        return promo_code_id

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(PromoCodeIdConverter, "promo_code_id")

urlpatterns = [
    path("", listing.promo_code_list, name="list"),
    path("new/", create.promo_code_create, name="create"),
    path("new/partners/", pickers.promo_code_partner_search, name="partner_search"),
    path("new/check/", create.promo_code_create_check, name="create_check"),
    path("<promo_code_id:promo_code_id>/", detail.promo_code_detail, name="detail"),
    path("<promo_code_id:promo_code_id>/expire/", expire.promo_code_expire, name="expire"),
    path("<promo_code_id:promo_code_id>/receipt/", receipts.promo_code_receipt, name="receipt"),
    path("export.csv", export.promo_code_export, name="export"),
    path("bulk-change/", bulk_change.promo_code_bulk_change, name="bulk_change"),
    path("bulk-change/<promo_code_id:promo_code_id>/", bulk_change.promo_code_bulk_change_one, name="bulk_change_one"),
    path("bulk-expire/", bulk_expire.promo_code_bulk_expire, name="bulk_expire"),
    path("bulk-expire/<promo_code_id:promo_code_id>/", bulk_expire.promo_code_bulk_expire_one, name="bulk_expire_one"),
    path("bulk-create/", bulk_create.promo_code_bulk_create, name="bulk_create"),
    path("bulk-create/row/", bulk_create.promo_code_bulk_create_row, name="bulk_create_row"),
    path("bulk-create/template-<str:columns>.csv", bulk_create.promo_code_bulk_create_template, name="bulk_create_template"),
]
