"""Partager les résultats (étape 5 de la méthode) : une page pour les habitants, des données
ouvertes prêtes pour un portail, une note de retour d'expérience pour les autres territoires,
et la lecture de ce que partagent les pairs.
"""

from __future__ import annotations

from kit.publish._common import SECRET_THRESHOLD, settings
from kit.publish._public import public_html, write_public_page

__all__ = ["SECRET_THRESHOLD", "public_html", "settings", "write_public_page"]
