"""The promo code screens; the URL scheme is public (see the README), the view modules are the map."""

from django.urls import path

from .views import bulk_change, bulk_create, bulk_expire, create, detail, expire, export, listing, pickers, receipts

app_name = "promocodes"

urlpatterns = [
    path("", listing.promo_code_list, name="list"),
    path("new/", create.promo_code_create, name="create"),
    path("new/partners/", pickers.promo_code_partner_search, name="partner_search"),
    path("new/check/", create.promo_code_create_check, name="create_check"),
    path("<int:promo_code_id>/", detail.promo_code_detail, name="detail"),
    path("<int:promo_code_id>/expire/", expire.promo_code_expire, name="expire"),
    path("<int:promo_code_id>/receipt/", receipts.promo_code_receipt, name="receipt"),
    path("export.csv", export.promo_code_export, name="export"),
    path("bulk-change/", bulk_change.promo_code_bulk_change, name="bulk_change"),
    path("bulk-change/<int:promo_code_id>/", bulk_change.promo_code_bulk_change_one, name="bulk_change_one"),
    path("bulk-expire/", bulk_expire.promo_code_bulk_expire, name="bulk_expire"),
    path("bulk-expire/<int:promo_code_id>/", bulk_expire.promo_code_bulk_expire_one, name="bulk_expire_one"),
    path("bulk-create/", bulk_create.promo_code_bulk_create, name="bulk_create"),
    path("bulk-create/row/", bulk_create.promo_code_bulk_create_row, name="bulk_create_row"),
    path("bulk-create/template-<str:columns>.csv", bulk_create.promo_code_bulk_create_template, name="bulk_create_template"),
]
