"""The watch's scheduled scans: one row per agency and night (launched or skipped), unique, so a
restarted daemon never launches a night twice (docs/watch.md, "Scheduled scans")."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0018_finding_order_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='WatchScanSlot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('agency_code', models.CharField(max_length=64)),
                ('day', models.DateField()),
                ('due', models.DateTimeField()),
                ('recorded_at', models.DateTimeField()),
                ('skipped', models.BooleanField(default=False)),
                ('launch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='store.scanlaunch')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('agency_code', 'day'), name='store_watchscan_once_uniq')],
            },
        ),
    ]
