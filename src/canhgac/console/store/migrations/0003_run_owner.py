"""Record the process that owns a run, so a run left ``running`` by a killed process is found."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0002_host_targets'),
    ]

    operations = [
        migrations.AddField(
            model_name='scanrun',
            name='owner_host',
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name='scanrun',
            name='owner_pid',
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='scanrun',
            name='owner_started',
            field=models.CharField(blank=True, max_length=80),
        ),
    ]
