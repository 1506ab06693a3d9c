"""Composite foreign keys: a mapping's instrument columns must be its provisions' instruments."""

from django.db import migrations

SQL = """
ALTER TABLE crosswalk_mapping
  ADD CONSTRAINT mapping_source_instrument_fk FOREIGN KEY (source_id, source_instrument_id)
    REFERENCES crosswalk_provision (id, instrument_id),
  ADD CONSTRAINT mapping_target_instrument_fk FOREIGN KEY (target_id, target_instrument_id)
    REFERENCES crosswalk_provision (id, instrument_id);
"""
REVERSE_SQL = """
ALTER TABLE crosswalk_mapping
  DROP CONSTRAINT mapping_source_instrument_fk,
  DROP CONSTRAINT mapping_target_instrument_fk;
"""


class Migration(migrations.Migration):
    dependencies = [("crosswalk", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE_SQL)]
