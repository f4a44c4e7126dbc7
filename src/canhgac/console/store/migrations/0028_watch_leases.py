# The watch's lease table (issue 19): monitors partitioned across watch processes.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0025_sweep_results'),
    ]

    operations = [
        migrations.CreateModel(
            name='WatchHolder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('holder', models.CharField(max_length=200, unique=True)),
                ('host', models.CharField(max_length=100)),
                ('pid', models.PositiveIntegerField()),
                ('started_at', models.DateTimeField()),
                ('seen_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('partitions', models.PositiveIntegerField()),
                ('held', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='WatchLease',
            fields=[
                ('partition', models.PositiveIntegerField(primary_key=True, serialize=False)),
                ('holder', models.CharField(blank=True, max_length=200)),
                ('token', models.PositiveBigIntegerField(default=0)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('taken_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
    ]
