"""Webhook signing secrets are stored encrypted: `secret` (plain text) becomes `versleuteld_geheim`
(Fernet, with the key of CASEREGIE_WEBHOOK_SECRET_KEY or the development key under the data dir,
read from this process's environment like the service's own settings). Existing secrets are
encrypted here. The old values may linger in dead row versions until `VACUUM FULL webhooks`."""
import sqlalchemy as sa
from alembic import op

from runtime.ports import DEFAULT_PORTS
from services.caseregie.adapters.webhook_client import SecretBox, secret_box
from services.caseregie.settings import CaseregieSettings

revision = "0006"
down_revision = "0005"


def _box() -> SecretBox:
    return secret_box(CaseregieSettings.for_service("caseregie", DEFAULT_PORTS["caseregie"]))


def _rewrite(source: str, target: str, convert) -> None:
    rows = op.get_bind().execute(sa.text(f"SELECT id, {source} FROM webhooks")).all()
    for webhook_id, value in rows:
        op.get_bind().execute(sa.text(f"UPDATE webhooks SET {target} = :value WHERE id = :id"),
                              {"value": convert(value), "id": webhook_id})


def upgrade() -> None:
    op.add_column("webhooks", sa.Column("versleuteld_geheim", sa.Text))
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM webhooks")):
        _rewrite("secret", "versleuteld_geheim", _box().encrypt)
    op.alter_column("webhooks", "versleuteld_geheim", nullable=False)
    op.drop_column("webhooks", "secret")


def downgrade() -> None:
    op.add_column("webhooks", sa.Column("secret", sa.String(100)))
    if op.get_bind().scalar(sa.text("SELECT count(*) FROM webhooks")):
        box = _box()

        def decrypt(token: str) -> str:
            if (secret := box.decrypt(token)) is None:
                raise RuntimeError("a webhook secret cannot be decrypted with the configured key")
            return secret
        _rewrite("versleuteld_geheim", "secret", decrypt)
    op.alter_column("webhooks", "secret", nullable=False)
    op.drop_column("webhooks", "versleuteld_geheim")
