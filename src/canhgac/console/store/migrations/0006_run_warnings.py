"""Keep a run's warnings about its own set-up (a blocklist zone that failed its liveness test,
declared addresses the scope refused), so the report and a later reader see them."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0005_assets'),
    ]

    operations = [
        migrations.AddField(
            model_name='scanrun',
            name='warnings',
            field=models.JSONField(default=list),
        ),
    ]
