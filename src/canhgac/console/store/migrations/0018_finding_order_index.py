"""An index in the findings lists' agency order: a list of every lifecycle (``--all``, the API's
``all=true``) filters nothing, so its deep pages are read along this index instead of sorting
every finding (PostgreSQL, offset 45,000 of 50,000: 65 ms to 3 ms; docs/benchmarks.md, Console)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0017_finding_check_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['agency_code', 'check_id', 'target_key', 'fingerprint'],
                               name='store_finding_order_idx'),
        ),
    ]
