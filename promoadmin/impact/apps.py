from django.apps import AppConfig


class ImpactConfig(AppConfig):
    """An installed app only so that `manage.py sandbox` lives beside the simulator it serves."""

    name = "promoadmin.impact"
    label = "impact"
    verbose_name = "impact.com"
