"""Modèles Excel à plusieurs feuilles de données (usage interne de `kit.templates`).

Un classeur dont chaque feuille de données suit son propre schéma (la feuille de route : actions
et jalons, budget, risques), avec une seule feuille « Mode d'emploi » qui décrit les colonnes de
chaque feuille et la feuille cachée « Listes » partagée par les listes déroulantes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from kit.schemas import load_schema
from kit.templates import _sheet as ts

__all__ = ["WORKBOOKS", "write_workbook_template"]

#: Modèles à plusieurs feuilles : nom du modèle → (feuille, schéma) dans l'ordre du classeur.
#: Le schéma de la première feuille porte le nom du modèle.
WORKBOOKS: dict[str, list[tuple[str, str]]] = {
    "feuille_de_route": [("Actions et jalons", "feuille_de_route"),
                         ("Budget", "feuille_de_route_budget"),
                         ("Risques", "feuille_de_route_risques")],
}

Rows = Sequence[Mapping[str, Any]] | pd.DataFrame


def write_workbook_template(sheets: Sequence[tuple[str, dict[str, Any] | str | Path]],
                            path: str | Path, rows: Mapping[str, Rows] | None = None, *,
                            title: str | None = None) -> Path:
    """Écrit un modèle Excel à plusieurs feuilles de données, une par schéma.

    Chaque feuille reçoit l'en-tête, les notes, les listes déroulantes et les contrôles de
    saisie de son schéma (comme `write_template`) ; le « Mode d'emploi » décrit les colonnes
    de toutes les feuilles. Le nom et la version du modèle sont ceux du premier schéma.

    Parameters
    ----------
    sheets
        (nom de la feuille, schéma) dans l'ordre du classeur.
    path
        Fichier .xlsx à écrire.
    rows
        Lignes à écrire, par nom de feuille (écrites telles quelles, sans contrôle).
    title
        Titre du « Mode d'emploi » ; par défaut le titre du premier schéma.

    Returns
    -------
    Path
        Chemin du fichier écrit (mêmes octets à chaque exécution).

    Raises
    ------
    DataError
        Une ligne contient une colonne qui n'est pas un champ du schéma de sa feuille.

    Examples
    --------
    >>> import tempfile
    >>> chemin = write_workbook_template(WORKBOOKS["feuille_de_route"],
    ...                                  Path(tempfile.mkdtemp()) / "fdr.xlsx")
    >>> from openpyxl import load_workbook
    >>> load_workbook(chemin).sheetnames[:4]
    ['Actions et jalons', 'Budget', 'Risques', "Mode d'emploi"]
    """
    specs = [(name, load_schema(schema)) for name, schema in sheets]
    first = specs[0][1]
    name = str(first.get("name") or Path(path).stem)
    version = str(first.get("version") or "0")
    title = title or str(first.get("title") or name)
    wb = Workbook()
    lists = ts.Lists(wb)
    for index, (sheet, spec) in enumerate(specs):
        ws = wb.active if index == 0 else wb.create_sheet(sheet, index)
        ws.title = sheet
        fields = spec["fields"]
        records = ts.rows_list((rows or {}).get(sheet), fields)
        ts.write_header(ws, fields)
        ts.write_rows(ws, fields, records)
        ts.add_validations(ws, fields, 2, 1 + len(records) + ts.VALIDATED_ROWS, lists)
    guide = wb.create_sheet(ts.GUIDE_SHEET, len(specs))
    combined = {**first, "fields": [
        {**f, "description": f"Feuille « {sheet} ». {f.get('description') or ''}".strip()}
        for sheet, spec in specs for f in spec["fields"]]}
    ts.write_guide(guide, combined, title, _sections(first, [s for s, _ in specs]),
                   ts.version_line(name, version))
    ts.set_properties(wb, name, version, title)
    return ts.save(wb, Path(path))


def _sections(spec: dict[str, Any], sheets: list[str]) -> list[tuple[str, list[str]]]:
    listed = ", ".join(f"« {s} »" for s in sheets)
    how = [
        (f"Le classeur a {len(sheets)} feuilles à remplir : {listed}. Une ligne par élément, à "
        "partir de la ligne 2 ; ne modifiez ni les en-têtes ni l'ordre des feuilles."),
        ("Les colonnes à liste déroulante n'acceptent que les valeurs proposées (orthographe et "
        "accents compris). Une note sur chaque en-tête rappelle ce qu'il faut saisir."),
        ("Dates au format jj/mm/aaaa ; montants en euros hors taxes, sans unité ni espace. "
        "Pilotes : une fonction ou un service, jamais le nom d'une personne."),
        ("Une fois rempli, le fichier est vérifié par le kit au comité de pilotage, qui signale "
        "chaque cellule à corriger (par exemple « H12 » de la feuille « Actions et jalons »)."),
    ]
    return [("À quoi sert ce fichier", [str(spec.get("description") or "")]),
            ("Comment le remplir", how)]
