"""The URL scheme is public (wiki pages link to it): see the README before changing anything here.

/healthz is answered by promoadmin.web.health.HealthCheckMiddleware.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from promoadmin.web.accounts import LoginView

urlpatterns = [
    path("", login_not_required(RedirectView.as_view(pattern_name="promocodes:list", permanent=False))),
    path("promo-codes/", include("promoadmin.promocodes.urls")),
    path("activity/", include("promoadmin.promocodes.activity_urls")),
    path("accounts/login/", login_not_required(LoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
