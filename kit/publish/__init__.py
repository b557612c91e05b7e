"""Partager les résultats (étape 5 de la méthode) : une page pour les habitants, des données
ouvertes prêtes pour un portail, une note de retour d'expérience pour les autres territoires,
et la lecture de ce que partagent les pairs.
"""

from __future__ import annotations

from kit.publish._all import publish_all
from kit.publish._catalogue import CATALOGUE_COLUMNS, CATALOGUE_SCHEMA, catalogue_rows
from kit.publish._common import SECRET_THRESHOLD, settings
from kit.publish._lessons import (
    lessons_data,
    lessons_html,
    lessons_markdown,
    read_peer_notes,
    write_lessons,
)
from kit.publish._portal import (
    check_publishable,
    count_columns,
    export_portal,
    export_tables,
    suppress_small_counts,
    table_schema,
)
from kit.publish._public import public_html, write_public_page

__all__ = [
    "CATALOGUE_COLUMNS",
    "CATALOGUE_SCHEMA",
    "SECRET_THRESHOLD",
    "catalogue_rows",
    "check_publishable",
    "count_columns",
    "export_portal",
    "export_tables",
    "lessons_data",
    "lessons_html",
    "lessons_markdown",
    "public_html",
    "publish_all",
    "read_peer_notes",
    "settings",
    "suppress_small_counts",
    "table_schema",
    "write_lessons",
    "write_public_page",
]
