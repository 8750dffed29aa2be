from django.db import migrations

from chinhquyen.core.migration_ops import DropLikeIndex


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        # Hashes are only ever looked up exactly; every audit record wrote the LIKE copy too.
        DropLikeIndex("audit_auditrecord", "hash"),
    ]
