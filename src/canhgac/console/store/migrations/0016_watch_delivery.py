"""The holiday watch's delivery outbox and duty roster (issue 14)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0015_watch_console_edits'),
    ]

    operations = [
        migrations.CreateModel(
            name='DutyShift',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('person', models.CharField(max_length=150)),
                ('role', models.CharField(max_length=16)),
                ('start', models.DateTimeField()),
                ('end', models.DateTimeField()),
                ('email', models.CharField(blank=True, max_length=300)),
                ('telegram', models.CharField(blank=True, max_length=64)),
                ('webhook', models.CharField(blank=True, max_length=600)),
                ('phone', models.CharField(blank=True, max_length=32)),
                ('language', models.CharField(default='vi', max_length=8)),
                ('source', models.CharField(blank=True, max_length=300)),
                ('imported_at', models.DateTimeField()),
                ('imported_by', models.CharField(blank=True, max_length=150)),
            ],
            options={
                'indexes': [models.Index(fields=['start', 'end'], name='store_dutyshift_span_idx')],
            },
        ),
        migrations.CreateModel(
            name='WatchDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=64)),
                ('channel', models.CharField(max_length=16)),
                ('recipient', models.CharField(max_length=150)),
                ('address', models.CharField(max_length=600)),
                ('language', models.CharField(default='vi', max_length=8)),
                ('subject', models.CharField(max_length=300)),
                ('body', models.TextField()),
                ('data', models.JSONField(default=dict)),
                ('token', models.CharField(max_length=32, unique=True)),
                ('status', models.CharField(default='pending', max_length=16)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('uncertain', models.PositiveIntegerField(default=0)),
                ('created_at', models.DateTimeField()),
                ('next_attempt_at', models.DateTimeField()),
                ('lease_owner', models.CharField(blank=True, max_length=64)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.CharField(blank=True, max_length=500)),
                ('link_used_at', models.DateTimeField(blank=True, null=True)),
                ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='store.watchalert')),
                ('event', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='store.event')),
            ],
            options={
                'indexes': [models.Index(fields=['status', 'id'], name='store_delivery_status_idx')],
                'constraints': [models.UniqueConstraint(fields=('event', 'channel', 'address'), name='store_delivery_once_uniq')],
            },
        ),
    ]
