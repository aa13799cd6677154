"""The reason a measure's children joined the family's case at another GI, in Dutch like every other
reason users read: rows written before this revision get the Dutch text of the same reason."""
from alembic import op

revision = "0004"
down_revision = "0003"

ENGLISH = r"^one family, one plan: the family already has an open case at (\w+); the measure named (\w+)$"
DUTCH = r"^Eén gezin, één plan: het gezin heeft al een open casus bij (\w+); de maatregel noemde (\w+)\.$"
TO_DUTCH = r"Eén gezin, één plan: het gezin heeft al een open casus bij \1; de maatregel noemde \2."
TO_ENGLISH = r"one family, one plan: the family already has an open case at \1; the measure named \2"


def _rewrite(pattern: str, replacement: str) -> None:
    op.execute(
        "UPDATE casus_maatregelen SET gi_reden = regexp_replace(gi_reden, "
        f"'{pattern}', '{replacement}') WHERE gi_reden ~ '{pattern}'")


def upgrade() -> None:
    _rewrite(ENGLISH, TO_DUTCH)


def downgrade() -> None:
    _rewrite(DUTCH, TO_ENGLISH)
