"""Écriture déterministe des classeurs xlsx : mêmes octets à chaque génération.

Les modèles à remplir (`kit.templates`) et les exemples (`tools/samples`) sont régénérés puis
comparés à l'octet près : les dates du classeur et celles de l'archive zip sont donc fixes.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

__all__ = ["FIXED_TIME", "save_workbook"]

#: Date fixe des métadonnées des classeurs (générateur déterministe).
FIXED_TIME = dt.datetime(2026, 1, 15, 9, 0, 0)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _deterministic_zip(path: Path) -> None:
    """Réécrit un zip avec des dates fixes pour obtenir les mêmes octets à chaque génération."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w") as zout:
        for info, data in items:
            new = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            new.compress_type = zipfile.ZIP_DEFLATED
            new.external_attr = 0o644 << 16
            zout.writestr(new, data)


def save_workbook(wb: Workbook, path: Path, deterministic: bool = True,
                  creator: str = "kit-territoires (données fictives)") -> Path:
    """Enregistre un classeur openpyxl avec des dates de création et de modification fixes.

    Parameters
    ----------
    wb
        Classeur openpyxl (normal ou en écriture seule).
    path
        Fichier à écrire ; son dossier est créé au besoin.
    deterministic
        Réécrit l'archive avec des dates fixes (mêmes octets à chaque appel).
    creator
        Auteur inscrit dans les propriétés du classeur.
    """
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = creator
    path.parent.mkdir(parents=True, exist_ok=True)
    # ExcelWriter directement : openpyxl.save() remplacerait la date de modification.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    if deterministic:
        _deterministic_zip(path)
    return path
