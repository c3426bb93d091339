from django.apps import AppConfig


class PromoCodesConfig(AppConfig):
    name = "promoadmin.promocodes"
    label = "promocodes"
    verbose_name = "Promo codes"
