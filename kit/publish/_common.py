"""Outils partagés des publications : réglages de la section ``publication``, textes sûrs."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pandas as pd

from kit._gate import escape_html, mask_personal
from kit.errors import ConfigError

#: Seuil du secret statistique par défaut : un effectif inférieur n'est pas publié.
SECRET_THRESHOLD = 11
#: Fonction à contacter quand la configuration n'en donne pas.
DEFAULT_CONTACT = "le service de la donnée de la collectivité (accueil de la mairie)"
#: Mode d'accès de l'inventaire qui veut dire « ouvert ».
OPEN_MODE = "Open data publié"

# Feuille de style commune aux pages écrites (aucune ressource extérieure, lisible sur
# téléphone : largeur fluide, tableaux qui défilent seuls).
CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;
 color:#1e1e1e;background:#fafafa;line-height:1.5;font-size:1.05rem}
header,main,footer{max-width:52rem;margin:0 auto;padding:1rem}
header{background:#000091;color:#fff;max-width:none}
header h1{max-width:52rem;margin:0 auto;font-size:1.6rem}
header p{max-width:52rem;margin:.3rem auto 0}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
h2{font-size:1.3rem;margin-top:0;color:#000091}
.table{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
th{background:#f0f0f7}
.ok{color:#18753c}.late{color:#b34000}.none{color:#666}
footer{font-size:.85rem;color:#555}
@media (max-width:600px){body{font-size:1rem}header h1{font-size:1.3rem}
 th,td{padding:.3rem}}
"""


def settings(config: dict[str, Any] | None) -> dict[str, Any]:
    """Section ``publication`` de la configuration (vide si absente).

    Raises
    ------
    ConfigError
        La section n'est pas un dictionnaire, ou ``seuil_secret`` n'est pas un entier positif.
    """
    section = (config or {}).get("publication") or {}
    if not isinstance(section, dict):
        raise ConfigError("La section « publication » de la configuration doit être un "
                          "dictionnaire, par exemple « publication: {seuil_secret: 11} ».")
    seuil = section.get("seuil_secret", SECRET_THRESHOLD)
    if isinstance(seuil, bool) or not isinstance(seuil, int) or seuil < 1:
        raise ConfigError(f"« publication.seuil_secret » doit être un entier positif, reçu "
                          f"{seuil!r}. Exemple : « publication: {{seuil_secret: 11}} ».")
    return {**section, "seuil_secret": seuil}


def safe_text(value: Any) -> str:
    """Texte à publier : données personnelles masquées (e-mail, téléphone, NIR, IBAN)."""
    if value is None or (not isinstance(value, str) and _missing(value)):
        return ""
    return mask_personal(str(value))[0]


def html_text(value: Any) -> str:
    """Texte à placer dans du HTML : masqué puis échappé."""
    return escape_html(safe_text(value))


def _missing(value: Any) -> bool:
    return pd.api.types.is_scalar(value) and bool(pd.isna(value))


def slug(text: str) -> str:
    """Identifiant en minuscules sans accent ni espace (« slug »).

    >>> slug("Subventions versées aux associations")
    'subventions-versees-aux-associations'
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def page(title: str, subtitle: str, sections: list[str], footer: str) -> str:
    """Page HTML complète, hors ligne (une seule feuille de style, dans la page)."""
    body = "\n".join(sections)
    return (f'<!DOCTYPE html>\n<html lang="fr">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            f"<header><h1>{title}</h1><p>{subtitle}</p></header>\n<main>\n{body}\n</main>\n"
            f"<footer><p>{footer}</p></footer>\n</body>\n</html>\n")


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Tableau HTML ; les cellules sont déjà sûres (passées par `html_text`)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<div class="table"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")
