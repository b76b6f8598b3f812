# ZoomSession.last_reconciled_at was never written nor read (issue #16).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('zoom_xblock', '0010_zoom_failures'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='zoomsession',
            name='last_reconciled_at',
        ),
    ]
