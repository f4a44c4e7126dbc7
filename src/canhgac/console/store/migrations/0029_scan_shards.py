# The shards of runs executed by Celery workers (issue 19).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0028_watch_leases'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScanShard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('index', models.PositiveIntegerField()),
                ('state', models.CharField(choices=[('queued', 'queued'), ('running', 'running'), ('done', 'done'), ('cancelled', 'cancelled'), ('failed', 'failed')], default='queued', max_length=16)),
                ('target_count', models.PositiveIntegerField(default=0)),
                ('done_keys', models.JSONField(default=list)),
                ('result_count', models.PositiveIntegerField(default=0)),
                ('warnings', models.JSONField(default=list)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('worker', models.CharField(blank=True, max_length=255)),
                ('task_id', models.CharField(blank=True, max_length=64)),
                ('cancelled', models.BooleanField(default=False)),
                ('error', models.CharField(blank=True, max_length=500)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='shards', to='store.scanrun')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('run', 'index'), name='store_shard_run_index_uniq')],
            },
        ),
    ]
