"""Privacy by design in intake: the retention term, and no free text of other services in the path.

- `meldingen.gewist_op`: when a report's personal data were erased (20 years after its family's
  file closed, service_layer/bewaartermijn.py); the search for files past the term goes by family.
- Steps recorded from events that still carried free text lose it: the RvdK's override reason
  (`afwijking_reden`, and the part of `reden` after the generated explanation) and a transfer's
  reason as the requesting GI typed it. That text stays in triage and caseregie, which own it."""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

STEPS_WITHOUT_FREE_TEXT = """
UPDATE meldingen SET stappen = (
    SELECT jsonb_agg(CASE
        WHEN s->>'stap' = 'advised' AND s->'details' ? 'afwijking_reden' THEN jsonb_set(s, '{details}',
            CASE WHEN (s->'details'->>'afwijking')::boolean
                 THEN jsonb_set((s->'details') - 'afwijking_reden', '{reden}',
                                to_jsonb(rtrim(split_part(s->'details'->>'reden', ':', 1), '.') || '.'))
                 ELSE (s->'details') - 'afwijking_reden' END)
        WHEN s->>'stap' = 'transferred' THEN jsonb_set(s, '{details}', (s->'details') - 'reden')
        ELSE s END ORDER BY n)
    FROM jsonb_array_elements(stappen) WITH ORDINALITY AS t(s, n))
WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(stappen) s
              WHERE (s->>'stap' = 'advised' AND s->'details' ? 'afwijking_reden')
                 OR (s->>'stap' = 'transferred' AND s->'details' ? 'reden'))
"""


def upgrade() -> None:
    op.add_column("meldingen", sa.Column("gewist_op", sa.DateTime(timezone=True)))
    op.create_index("ix_meldingen_gezin_id", "meldingen", ["gezin_id"])
    op.execute(STEPS_WITHOUT_FREE_TEXT)


def downgrade() -> None:
    op.drop_index("ix_meldingen_gezin_id", "meldingen")
    op.drop_column("meldingen", "gewist_op")
