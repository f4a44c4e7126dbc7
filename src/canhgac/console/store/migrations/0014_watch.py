"""The holiday watch (issue 14): monitors with state and baseline, alerts with members and timeline, maintenance windows."""


import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0013_finding_list_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='WatchMaintenance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('agency_code', models.CharField(blank=True, max_length=64)),
                ('monitor', models.CharField(blank=True, max_length=700)),
                ('start', models.DateTimeField()),
                ('end', models.DateTimeField()),
                ('reason', models.CharField(blank=True, max_length=300)),
                ('created_by', models.CharField(blank=True, max_length=150)),
                ('created_at', models.DateTimeField()),
            ],
        ),
        migrations.CreateModel(
            name='WatchAlert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=800, unique=True)),
                ('problem', models.CharField(max_length=32)),
                ('severity', models.CharField(max_length=16)),
                ('monitor_key', models.CharField(max_length=700)),
                ('agency_code', models.CharField(blank=True, max_length=64)),
                ('cause', models.CharField(blank=True, max_length=100)),
                ('values', models.JSONField(default=dict)),
                ('status', models.CharField(default='open', max_length=16)),
                ('opened_at', models.DateTimeField()),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                ('acknowledged_by', models.CharField(blank=True, max_length=150)),
                ('recovered_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['status', 'id'], name='store_watchalert_status_idx')],
            },
        ),
        migrations.CreateModel(
            name='WatchAlertEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=32)),
                ('at', models.DateTimeField()),
                ('actor', models.CharField(blank=True, max_length=150)),
                ('detail', models.JSONField(default=dict)),
                ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='timeline', to='store.watchalert')),
            ],
            options={
                'ordering': ('at', 'id'),
            },
        ),
        migrations.CreateModel(
            name='WatchMonitor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=700, unique=True)),
                ('kind', models.CharField(max_length=32)),
                ('target', models.CharField(max_length=600)),
                ('port', models.PositiveIntegerField(blank=True, null=True)),
                ('agency_code', models.CharField(blank=True, max_length=64)),
                ('interval', models.FloatField(default=60.0)),
                ('holiday_interval', models.FloatField(blank=True, null=True)),
                ('holiday_start', models.DateTimeField(blank=True, null=True)),
                ('holiday_end', models.DateTimeField(blank=True, null=True)),
                ('enabled', models.BooleanField(default=True)),
                ('watched', models.BooleanField(default=True)),
                ('health', models.CharField(default='unknown', max_length=16)),
                ('failures', models.PositiveIntegerField(default=0)),
                ('successes', models.PositiveIntegerField(default=0)),
                ('last_ok', models.BooleanField(blank=True, null=True)),
                ('since', models.DateTimeField(blank=True, null=True)),
                ('down_since', models.DateTimeField(blank=True, null=True)),
                ('checked_at', models.DateTimeField(blank=True, null=True)),
                ('problem', models.CharField(blank=True, max_length=32)),
                ('values', models.JSONField(default=dict)),
                ('cause', models.CharField(blank=True, max_length=100)),
                ('flips', models.JSONField(default=list)),
                ('alert_key', models.CharField(blank=True, max_length=800)),
                ('checks', models.PositiveBigIntegerField(default=0)),
                ('latency', models.FloatField(blank=True, null=True)),
                ('baseline', models.JSONField(blank=True, null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['agency_code', 'key'], name='store_watchmon_agency_idx')],
            },
        ),
        migrations.CreateModel(
            name='WatchAlertMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('monitor_key', models.CharField(max_length=700)),
                ('agency_code', models.CharField(blank=True, max_length=64)),
                ('down', models.BooleanField(default=True)),
                ('joined_at', models.DateTimeField()),
                ('recovered_at', models.DateTimeField(blank=True, null=True)),
                ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='store.watchalert')),
            ],
            options={
                'indexes': [models.Index(fields=['agency_code', 'alert'], name='store_watchmember_agency_idx')],
                'constraints': [models.UniqueConstraint(fields=('alert', 'monitor_key'), name='store_watchmember_uniq')],
            },
        ),
    ]
