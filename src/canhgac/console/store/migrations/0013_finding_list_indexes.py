"""Indexes for the console at a province's scale (docs/benchmarks.md, Console): the findings
lists' keys (lifecycle, the orders' tie-breakers, the check) read from one covering index rather
than from the table's rows, and the newest finding write that the dashboard's state stamp reads."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0012_scan_launches'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['lifecycle', 'agency_code', 'check_id', 'target_key', 'fingerprint'],
                               name='store_finding_list_keys_idx'),
        ),
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['updated_at'], name='store_finding_updated_idx'),
        ),
    ]
