"""An index for counting findings per check (the findings list's severity order and its
total): a filter's checks are sought in it rather than every finding of the lifecycles scanned
(docs/benchmarks.md, Console)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0016_watch_delivery'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='finding',
            index=models.Index(fields=['lifecycle', 'check_id'], name='store_finding_life_check_idx'),
        ),
    ]
