"""An accepted risk's last day (``RiskAcceptance``, one per finding, beside the findings table
so that table is unchanged), audited as its own triage field; after that day the acceptance
counts as untriaged (``findings.triage.effective_triage``)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('store', '0008_console_accounts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='triagechange',
            name='field',
            field=models.CharField(choices=[('triage', 'triage'), ('assignee', 'assignee'), ('note', 'note'), ('accepted_until', 'accepted until')], max_length=16),
        ),
        migrations.CreateModel(
            name='RiskAcceptance',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('until', models.DateField()),
                ('finding', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='acceptance', to='store.finding')),
            ],
        ),
    ]
