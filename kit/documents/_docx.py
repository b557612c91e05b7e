"""Écriture des documents Word (python-docx) : un seul endroit où le texte entre dans le fichier.

Chaque valeur venue des données ou de la configuration passe par `clean` : caractères
interdits en XML retirés, e-mails, téléphones, NIR et IBAN masqués (`kit.quality`). python-docx
échappe lui-même le XML (« < », « & ») : le texte reste du texte, jamais du balisage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from docx import Document
from docx.shared import Pt

from kit.quality import mask_personal_fragments

#: Caractères refusés par XML 1.0 (python-docx lève une erreur) : retirés.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Mention portée en tête des documents à faire valider.
DRAFT = "Projet à délibérer — document de travail généré par le kit, à relire et compléter."


def clean(value: Any) -> str:
    """Texte sûr pour un document : vide pour une valeur manquante, données personnelles masquées.

    Examples
    --------
    >>> clean(None), clean("Contact : eau@clairval.fr\\x07")
    ('', 'Contact : [donnée personnelle masquée]')
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return mask_personal_fragments(_XML_ILLEGAL.sub("", str(value))).strip()


class Writer:
    """Un document Word en cours d'écriture, avec des méthodes qui nettoient chaque texte."""

    def __init__(self, title: str, subtitle: str = "", draft: bool = True) -> None:
        self.doc = Document()
        style = self.doc.styles["Normal"]
        style.font.name = "Calibri"
        style.font.size = Pt(11)
        props = self.doc.core_properties
        props.title = clean(title)
        props.author = "kit-territoires"
        props.language = "fr-FR"
        self.doc.add_heading(clean(title), level=0)
        if subtitle:
            self.paragraph(subtitle, italic=True)
        if draft:
            self.paragraph(DRAFT, bold=True)

    def heading(self, text: str, level: int = 1) -> None:
        self.doc.add_heading(clean(text), level=level)

    def paragraph(self, text: str, bold: bool = False, italic: bool = False) -> None:
        run = self.doc.add_paragraph().add_run(clean(text))
        run.bold, run.italic = bold or None, italic or None

    def bullets(self, items: Iterable[str]) -> None:
        for item in items:
            self.doc.add_paragraph(clean(item), style="List Bullet")

    def numbered(self, items: Iterable[str]) -> None:
        for item in items:
            self.doc.add_paragraph(clean(item), style="List Number")

    def table(self, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        rows = [list(r) for r in rows]
        table = self.doc.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        for c, text in enumerate(header):
            cell = table.cell(0, c)
            cell.text = clean(text)
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                table.cell(r, c).text = clean(value)
        self.doc.add_paragraph()

    def quote(self, text: str) -> None:
        """Texte à recopier tel quel (clause type) : style « Intense Quote »."""
        for part in text.split("\n"):
            self.doc.add_paragraph(clean(part), style="Intense Quote")

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.doc.save(str(path))
        return path
