from django.db import migrations


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="PromoCodePermissions",
            fields=[],
            options={
                "managed": False,
                "default_permissions": (),
                "permissions": [
                    ("create_promo_code", "Can create promo codes on impact.com"),
                    ("expire_promo_code", "Can expire promo codes on impact.com"),
                ],
            },
        ),
    ]
