"""The inventory documents the store was given (issue 13): the applied one is what the console scans."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0010_api_tokens'),
    ]

    operations = [
        migrations.CreateModel(
            name='InventoryDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content', models.TextField()),
                ('sha256', models.CharField(max_length=64)),
                ('name', models.CharField(max_length=200)),
                ('province_code', models.CharField(blank=True, max_length=64)),
                ('province_name', models.CharField(blank=True, max_length=300)),
                ('agency_count', models.PositiveIntegerField(default=0)),
                ('source', models.CharField(choices=[('cli', 'canhgac scan'), ('console', 'the console'), ('api', 'the REST API')], max_length=16)),
                ('checked_by', models.CharField(blank=True, max_length=150)),
                ('checked_at', models.DateTimeField()),
                ('base_sha256', models.CharField(blank=True, max_length=64)),
                ('applied_by', models.CharField(blank=True, max_length=150)),
                ('applied_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'indexes': [models.Index(fields=['applied_at'], name='store_invdoc_applied_idx')],
            },
        ),
    ]
