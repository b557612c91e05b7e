"""Écriture minimale de classeurs OpenDocument (.ods), sans dépendance.

Prend en charge plusieurs feuilles, les textes, nombres, booléens, dates
(``office:value-type="date"``), les cellules vides et les cellules fusionnées
(``table:number-columns-spanned`` / ``table:number-rows-spanned`` suivies de
``table:covered-table-cell``). Le fichier produit est déterministe : mêmes entrées, mêmes octets.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["OdsSheet", "write_ods", "parse_range"]

#: Horodatage fixe des entrées du zip (le format zip ne remonte pas avant 1980).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'office:version="1.2"'
)

_MANIFEST = f"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" \
manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" \
manifest:media-type="{_MIMETYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""

_STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {_NS}><office:styles/></office:document-styles>
"""

# Styles automatiques : date jj/mm/aaaa (ce1) et date-heure (ce2).
_AUTO_STYLES = """<office:automatic-styles>
<number:date-style style:name="N1"><number:day number:style="long"/><number:text>/</number:text>\
<number:month number:style="long"/><number:text>/</number:text>\
<number:year number:style="long"/></number:date-style>
<number:date-style style:name="N2"><number:day number:style="long"/><number:text>/</number:text>\
<number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/>\
<number:text> </number:text><number:hours number:style="long"/><number:text>:</number:text>\
<number:minutes number:style="long"/></number:date-style>
<style:style style:name="ce1" style:family="table-cell" style:data-style-name="N1"/>
<style:style style:name="ce2" style:family="table-cell" style:data-style-name="N2"/>
</office:automatic-styles>"""

_RANGE = re.compile(r"^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$")


@dataclass
class OdsSheet:
    """Une feuille : lignes de valeurs (``None`` = vide) et plages fusionnées (« A1:C1 »)."""

    name: str
    rows: list[list[Any]]
    merges: list[str] = field(default_factory=list)


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """« B2:D3 » → (ligne, colonne, nb_lignes, nb_colonnes), indices à partir de 0.

    Examples
    --------
    >>> parse_range("B2:D3")
    (1, 1, 2, 3)
    """
    m = _RANGE.match(ref.strip().upper())
    if not m:
        raise ValueError(f"Plage de cellules invalide : {ref!r} (attendu par exemple « A1:C2 »).")
    c1, r1 = _col_index(m.group(1)), int(m.group(2)) - 1
    c2 = _col_index(m.group(3)) if m.group(3) else c1
    r2 = int(m.group(4)) - 1 if m.group(4) else r1
    return r1, c1, r2 - r1 + 1, c2 - c1 + 1


def _text(value: str) -> str:
    """Paragraphes ODF : sauts de ligne → ``text:p``, espaces multiples → ``text:s``."""
    paras = []
    for line in value.split("\n"):
        out = escape(line)
        out = re.sub(r"  +", lambda m: " " + f'<text:s text:c="{len(m.group()) - 1}"/>', out)
        if out.startswith(" "):
            out = "<text:s/>" + out[1:]
        paras.append(f"<text:p>{out}</text:p>")
    return "".join(paras)


def _cell(value: Any, span: str) -> str:
    if value is None:
        return f"<table:table-cell{span}/>"
    if isinstance(value, bool):
        v = "true" if value else "false"
        return (f'<table:table-cell{span} office:value-type="boolean" office:boolean-value="{v}">'
                f"<text:p>{'VRAI' if value else 'FAUX'}</text:p></table:table-cell>")
    if isinstance(value, (int, float)):
        shown = repr(value) if isinstance(value, float) else str(value)
        return (f'<table:table-cell{span} office:value-type="float" office:value="{shown}">'
                f"<text:p>{shown.replace('.', ',')}</text:p></table:table-cell>")
    if isinstance(value, dt.datetime):
        return (f'<table:table-cell{span} table:style-name="ce2" office:value-type="date" '
                f'office:date-value="{value.strftime("%Y-%m-%dT%H:%M:%S")}">'
                f"<text:p>{value.strftime('%d/%m/%Y %H:%M')}</text:p></table:table-cell>")
    if isinstance(value, dt.date):
        return (f'<table:table-cell{span} table:style-name="ce1" office:value-type="date" '
                f'office:date-value="{value.isoformat()}">'
                f"<text:p>{value.strftime('%d/%m/%Y')}</text:p></table:table-cell>")
    return (f'<table:table-cell{span} office:value-type="string">{_text(str(value))}'
            f"</table:table-cell>")


def _sheet_xml(sheet: OdsSheet) -> str:
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for ref in sheet.merges:
        r, c, nr, nc = parse_range(ref)
        spans[(r, c)] = (nr, nc)
        covered |= {(r + i, c + j) for i in range(nr) for j in range(nc)} - {(r, c)}
    n_rows = max([len(sheet.rows)] + [r + 1 for r, _ in covered])
    n_cols = max([len(row) for row in sheet.rows] + [c + 1 for _, c in covered] + [1])
    parts = [f'<table:table table:name="{escape(sheet.name, {chr(34): "&quot;"})}">',
             f'<table:table-column table:number-columns-repeated="{n_cols}"/>']
    for r in range(n_rows):
        row = sheet.rows[r] if r < len(sheet.rows) else []
        last = max([len(row)] + [c + 1 for (rr, c) in covered if rr == r])
        cells = []
        for c in range(last):
            if (r, c) in covered:
                cells.append("<table:covered-table-cell/>")
                continue
            span = ""
            if (r, c) in spans:
                nr, nc = spans[(r, c)]
                span = (f' table:number-columns-spanned="{nc}"'
                        f' table:number-rows-spanned="{nr}"')
            cells.append(_cell(row[c] if c < len(row) else None, span))
        parts.append("<table:table-row>" + "".join(cells or ["<table:table-cell/>"])
                     + "</table:table-row>")
    parts.append("</table:table>")
    return "".join(parts)


def write_ods(path: str | Path, sheets: Sequence[OdsSheet]) -> Path:
    """Écrit un classeur ODS de plusieurs feuilles.

    Parameters
    ----------
    path
        Fichier à écrire (écrasé s'il existe).
    sheets
        Feuilles dans l'ordre ; valeurs admises : ``None``, ``str``, ``int``, ``float``, ``bool``,
        ``datetime.date`` et ``datetime.datetime``.

    Returns
    -------
    Path
        Le chemin écrit.

    Raises
    ------
    ValueError
        Si aucune feuille n'est donnée ou si une plage fusionnée est mal écrite.
    """
    if not sheets:
        raise ValueError("Un classeur ODS doit contenir au moins une feuille.")
    path = Path(path)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_NS}>'
        f"{_AUTO_STYLES}<office:body><office:spreadsheet>"
        + "".join(_sheet_xml(s) for s in sheets)
        + "</office:spreadsheet></office:body></office:document-content>\n"
    )
    entries = [
        ("mimetype", _MIMETYPE, zipfile.ZIP_STORED),
        ("META-INF/manifest.xml", _MANIFEST, zipfile.ZIP_DEFLATED),
        ("styles.xml", _STYLES, zipfile.ZIP_DEFLATED),
        ("content.xml", content, zipfile.ZIP_DEFLATED),
    ]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, method in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            zf.writestr(info, data.encode("utf-8"))
    return path
