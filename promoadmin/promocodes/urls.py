from django.urls import path

from . import views

app_name = "promocodes"

urlpatterns = [
    path("", views.promo_code_list, name="list"),
    path("new/", views.promo_code_create, name="create"),
    path("<int:promo_code_id>/", views.promo_code_detail, name="detail"),
    path("<int:promo_code_id>/expire/", views.promo_code_expire, name="expire"),
]
