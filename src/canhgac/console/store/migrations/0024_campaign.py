# The account-hygiene campaign (issue 16, item 4): each leaked account's steps, and the letters.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0023_credential_leaks'),
    ]

    operations = [
        migrations.CreateModel(
            name='CampaignLetter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('agency_code', models.CharField(max_length=64)),
                ('kind', models.CharField(max_length=8)),
                ('address', models.CharField(blank=True, max_length=320)),
                ('language', models.CharField(default='vi', max_length=8)),
                ('channel', models.CharField(max_length=8)),
                ('recipient', models.CharField(blank=True, max_length=320)),
                ('actor', models.CharField(max_length=150)),
                ('at', models.DateTimeField()),
                ('sent', models.BooleanField(default=False)),
                ('error', models.CharField(blank=True, max_length=500)),
            ],
            options={
                'indexes': [models.Index(fields=['agency_code', 'at'], name='store_campaign_letter_idx')],
            },
        ),
        migrations.CreateModel(
            name='CampaignRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('agency_code', models.CharField(max_length=64)),
                ('address', models.CharField(max_length=320)),
                ('step', models.CharField(max_length=16)),
                ('how', models.CharField(max_length=16)),
                ('note', models.TextField(blank=True)),
                ('statement', models.TextField(blank=True)),
                ('file_name', models.CharField(blank=True, max_length=255)),
                ('file_sha256', models.CharField(blank=True, max_length=64)),
                ('stored_as', models.CharField(blank=True, max_length=300)),
                ('actor', models.CharField(max_length=150)),
                ('at', models.DateTimeField()),
            ],
            options={
                'indexes': [models.Index(fields=['agency_code', 'address', 'step'], name='store_campaign_rec_idx')],
            },
        ),
    ]
