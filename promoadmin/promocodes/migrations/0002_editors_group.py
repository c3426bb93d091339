"""Create the "Promo code editors" group holding both write permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_editors_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure ours exist now.
    app_config = apps.get_app_config("promocodes")
    app_config.models_module = True  # a migration's app stub lacks it; create_permissions checks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Promo code editors")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="promocodes",
            codename__in=["create_promo_code", "expire_promo_code"],
        )
    )


def remove_editors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Promo code editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("promocodes", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors_group, remove_editors_group)]
