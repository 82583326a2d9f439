"""center texts within the contract: names stored before the safe-text rule fit it

A center's names travel to the nodes (zones, desks, purposes, out-of-turn categories,
the center's own name), whose MQTT texts hold at most 200 characters; until issue 17
the configuration took 300 and any character but a control one. A stored name that
breaks today's rule would stop the hub from loading its center, so it is cleaned
once here, as the configuration now refuses it: the refused characters (bidi
controls, zero-width and other invisible ones) dropped, NFC, trimmed to the
contract's length. A name left empty falls back to its code.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 01:00:00.000000
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# The rule of hub/domain/safe_text.py and the contract's text length as they were on
# the day of this migration, copied: a migration does what it did, whatever the rules
# become later.
TEXT_MAX_LENGTH = 200
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"})
INVISIBLE = frozenset({
    0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0x17B5, *range(0x180B, 0x1810),
    *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)})


def refused(char: str) -> bool:
    return ord(char) in INVISIBLE or unicodedata.category(char) in REFUSED_CATEGORIES


# table -> (key column, the text columns)
TEXTS = {
    'center': ('id', ('name_kk', 'name_ru')),
    'zones': ('code', ('name_kk', 'name_ru')),
    'desks': ('code', ('label_kk', 'label_ru')),
    'purposes': ('code', ('name_kk', 'name_ru')),
    'out_of_turn_categories': ('code', ('name_kk', 'name_ru')),
}


def cleaned(value: str, fallback: str) -> str:
    kept = "".join(char for char in value if not refused(char))
    text = unicodedata.normalize("NFC", kept).strip()[:TEXT_MAX_LENGTH].strip()
    return text or fallback


def upgrade() -> None:
    connection = op.get_bind()
    for table, (key, columns) in TEXTS.items():
        rows = connection.execute(sa.text(
            f"SELECT {key}, {', '.join(columns)} FROM {table}")).all()
        for row in rows:
            changed = {column: cleaned(value, str(row[0]))
                       for column, value in zip(columns, row[1:], strict=True)
                       if value is not None and cleaned(value, str(row[0])) != value}
            if changed:
                connection.execute(sa.text(
                    f"UPDATE {table} SET {', '.join(f'{c} = :{c}' for c in changed)} "
                    f"WHERE {key} = :key"), {**changed, "key": row[0]})


def downgrade() -> None:
    pass  # the names were cleaned, not moved: there is nothing to put back
