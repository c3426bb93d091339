"""/activity/: the write ledger (see views/activity.py); the URL scheme is public (see the README)."""

from django.urls import path

from .views import activity

app_name = "activity"

urlpatterns = [
    path("", activity.activity_list, name="list"),
    path("export.csv", activity.activity_export, name="export"),
    path("<int:entry_id>/", activity.activity_entry, name="entry"),
    path("<int:entry_id>/check/", activity.activity_check, name="check"),
]
