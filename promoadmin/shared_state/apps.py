from django.apps import AppConfig


class SharedStateConfig(AppConfig):
    name = "promoadmin.shared_state"
    label = "shared_state"
    verbose_name = "State shared by every worker"
    default_auto_field = "django.db.models.BigAutoField"
