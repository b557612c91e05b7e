"""Catalogue des jeux ouverts de l'inventaire au format national « catalogue de données »
(SCDL, schema.data.gouv.fr), dont une copie est embarquée dans ``kit/publish/catalogue/``."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from kit.publish._common import OPEN_MODE, safe_text, slug

#: Schéma national embarqué (voir ``kit/publish/catalogue/README.md``).
CATALOGUE_SCHEMA = Path(__file__).parent / "catalogue" / "schema.json"

_SCHEMA = json.loads(CATALOGUE_SCHEMA.read_text(encoding="utf-8"))
_ENUMS = {f["name"]: f["constraints"].get("enum", []) for f in _SCHEMA["fields"]}
#: Colonnes du catalogue, dans l'ordre du schéma.
CATALOGUE_COLUMNS = [f["name"] for f in _SCHEMA["fields"]]
#: Type de collectivité → maille de couverture spatiale du schéma.
_MESH = {"commune": "Communale", "epci": "Intercommunale", "departement": "Départementale",
         "région": "Régionale", "region": "Régionale", "département": "Départementale"}


def _mesh(kind: str) -> str:
    low = kind.lower()
    for key, value in _MESH.items():
        if key in low:
            return value
    if "communauté" in low or "métropole" in low or "syndicat" in low:
        return "Intercommunale"
    return "Autre"


def _formats(text: Any) -> str:
    """« Tableur (xlsx, ods) » → « xlsx;ods » ; « CSV » → « csv »."""
    text = safe_text(text)
    inside = re.search(r"\(([^)]*)\)", text)
    words = re.findall(r"[a-z0-9]+", (inside.group(1) if inside else text).lower())
    return ";".join(words) or "inconnu"


def catalogue_rows(inventory: pd.DataFrame, *, name: str, siret: str, portal: str,
                   kind: str = "Commune") -> tuple[pd.DataFrame, list[str]]:
    """Jeux ouverts de l'inventaire (mode d'accès « Open data publié ») au format du
    catalogue national, et les notes sur ce qui a été laissé de côté.

    Hypothèses : l'inventaire ne dit ni la date de première publication ni la période
    couverte ; la date de dernière mise à jour est reprise pour ``DATE_PUBL``,
    ``COUV_TEMP_DEBUT``, ``COUV_TEMP_FIN`` et ``DATE_MAJ`` (à corriger avant dépôt si besoin).
    ``URL`` est l'adresse du portail (``publication.portail``). Un jeu sans licence n'est
    pas catalogué : choisir sa licence est une décision de la collectivité.
    """
    opened = inventory[inventory["mode_acces"].astype(object) == OPEN_MODE]
    rows, notes = [], []
    for _, r in opened.iterrows():
        title = safe_text(r["titre"])
        licence = safe_text(r.get("licence"))
        if licence not in _ENUMS["LICENCE"]:
            notes.append(f"« {title} » n'est pas catalogué : sa licence "
                         f"({licence or 'absente'}) n'est pas l'une de "
                         f"{', '.join(_ENUMS['LICENCE'])} ; renseignez-la dans l'inventaire.")
            continue
        day = pd.Timestamp(r["date_derniere_maj"]) if pd.notna(r["date_derniere_maj"]) else None
        if day is None:
            notes.append(f"« {title} » n'est pas catalogué : date de dernière mise à jour "
                         "absente de l'inventaire.")
            continue
        date = day.date().isoformat()
        freq = safe_text(r.get("frequence_maj"))
        theme = safe_text(r.get("service_producteur")) or "Administration locale"
        rows.append({
            "COLL_NOM": name, "COLL_SIRET": siret, "ID": slug(title), "TITRE": title,
            "DESCRIPTION": safe_text(r.get("description")) or title, "THEME": theme,
            "PRODUCTEUR_NOM": name, "PRODUCTEUR_SIRET": siret, "COUV_SPAT_MAILLE": _mesh(kind),
            "COUV_SPAT_NOM": name, "COUV_TEMP_DEBUT": date, "COUV_TEMP_FIN": date,
            "DATE_PUBL": date, "FREQ_MAJ": freq if freq in _ENUMS["FREQ_MAJ"] else "Inconnue",
            "DATE_MAJ": date, "MOTS_CLES": slug(theme).replace("-", ";") or "donnees",
            "LICENCE": licence, "NOMBRE_RESSOURCES": 1, "FORMAT_RESSOURCES": _formats(
                r.get("format")), "URL": portal})
    return pd.DataFrame(rows, columns=CATALOGUE_COLUMNS), notes
