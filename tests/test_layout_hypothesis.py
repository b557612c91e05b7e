"""Propriété : un petit tableau connu, habillé d'une mise en page tirée au hasard (bloc de
titre, notes, lignes vides, sous-totaux avec ou sans libellé et en-têtes répétés entre les
blocs, total général, colonne de total, codes enregistrés comme nombres, CSV en ; , ou
tabulation, en UTF-8 ou Windows-1252), revient exactement — ou la lecture exprime un doute.
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
import warnings
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kit

SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
_TMP = Path(tempfile.mkdtemp(prefix="kit_layout_"))
_COUNTER = itertools.count()

#: le tableau connu : code commune, nom (accents), trois mois
CODES = ["01053", "01004", "13055", "2A004", "75056", "97411", "69123", "06088"]
NAMES = ["Bourg-en-Bresse", "Ambérieu-en-Bugey", "Marseille", "Ajaccio", "Paris",
         "Saint-Denis", "Lyon", "Nice"]
HEADER = ["Code commune", "Commune", "Janvier", "Février", "Mars"]


@st.composite
def layouts(draw):
    n = draw(st.integers(4, 8))
    months = [[draw(st.integers(0, 5000)) * draw(st.sampled_from([1, 0.01])) for _ in range(3)]
              for _ in range(n)]
    months = [[round(v, 2) for v in row] for row in months]
    # blocs d'au moins deux lignes (un sous-total d'une seule ligne vaut cette ligne : ambigu)
    cuts = draw(st.lists(st.integers(2, n - 2), max_size=2, unique=True)) if n >= 4 else []
    cuts = sorted(c for c in cuts if all(abs(c - d) >= 2 for d in cuts if d != c))
    return {
        "n": n, "months": months, "blocks": [0, *cuts, n],
        "fmt": draw(st.sampled_from(["xlsx", "csv"])),
        "sep": draw(st.sampled_from([";", ",", "\t"])),
        "encoding": draw(st.sampled_from(["utf-8", "cp1252"])),
        "titles": draw(st.integers(0, 2)),
        "blank_after_title": draw(st.integers(0, 2)) ,
        "subtotal": draw(st.sampled_from([None, "Sous-total", ""])),
        "repeat_header": draw(st.booleans()),
        "blank_between": draw(st.booleans()),
        "grand_total": draw(st.sampled_from([None, "Total", "TOTAL GÉNÉRAL", ""])),
        "total_column": draw(st.booleans()),
        "codes_as_numbers": draw(st.booleans()),
        "notes": draw(st.integers(0, 2)),
    }


def _grid(layout: dict) -> tuple[list[list], int]:
    """Cellules de la feuille (valeurs Python) et numéro de la ligne d'en-tête."""
    total_col = layout["total_column"]
    header = HEADER + (["Total"] if total_col else [])

    def numbers(row):
        return list(row) + ([round(sum(row), 2)] if total_col else [])

    def code(i):
        c = CODES[i]
        return int(c) if layout["codes_as_numbers"] and c.isdigit() else c

    grid: list[list] = []
    for t in range(layout["titles"]):
        grid.append([f"Titre du tableau n° {t + 1} : dépenses par commune"])
    grid += [[] for _ in range(layout["blank_after_title"] if layout["titles"] else 0)]
    grid.append(header)
    header_row = len(grid)
    blocks = layout["blocks"]
    for b, (lo, hi) in enumerate(zip(blocks, blocks[1:])):
        if b and layout["repeat_header"]:
            grid.append(header)
        for i in range(lo, hi):
            grid.append([code(i), NAMES[i], *numbers(layout["months"][i])])
        if layout["subtotal"] is not None and len(blocks) > 2:
            sums = [round(sum(layout["months"][i][k] for i in range(lo, hi)), 2)
                    for k in range(3)]
            grid.append([layout["subtotal"] or None, None, *numbers(sums)])
        if layout["blank_between"] and hi < layout["n"]:
            grid.append([])
    if layout["grand_total"] is not None:
        sums = [round(sum(r[k] for r in layout["months"]), 2) for k in range(3)]
        grid.append([layout["grand_total"] or None, None, *numbers(sums)])
    for k in range(layout["notes"]):
        grid.append([["Source : services municipaux", "(1) montants en euros"][k]])
    return grid, header_row


def _write(layout: dict) -> Path:
    grid, _ = _grid(layout)
    path = _TMP / f"t{next(_COUNTER)}.{layout['fmt']}"
    if layout["fmt"] == "xlsx":
        wb = openpyxl.Workbook()
        ws = wb.active
        for row in grid:
            ws.append(row)
        wb.save(path)
        return path
    sep = layout["sep"]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n")

    def text(v):
        if v is None:
            return ""
        if isinstance(v, float):
            s = f"{v:.2f}"
            return s if sep == "," else s.replace(".", ",")
        return str(v)

    for row in grid:
        writer.writerow([text(v) for v in row])
    path.write_bytes(buf.getvalue().encode(layout["encoding"]))
    return path


@SETTINGS
@given(layouts())
def test_known_table_comes_back_or_doubt(layout):
    path = _write(layout)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = kit.load_table(path)
    doubts = kit.describe_reading(df).doubts
    assert len(doubts) == sum(issubclass(w.category, kit.ReadingDoubtWarning) for w in caught)
    n = layout["n"]
    try:
        assert len(df) == n
        assert df.iloc[:, 0].tolist() == CODES[:n]
        assert df.iloc[:, 1].tolist() == NAMES[:n]
        for k, label in enumerate(HEADER[2:]):
            assert df[label].sum() == pytest.approx(sum(r[k] for r in layout["months"]),
                                                    abs=0.001)
    except AssertionError:
        if doubts:
            return
        raise
    _, header_row = _grid(layout)
    assert df.attrs["source"]["header_row"] == header_row
    # toute ligne de total écartée a été vérifiée par le calcul
    assert all(t["verifie"] for t in df.attrs["source"]["totals"])
    if layout["total_column"]:
        checked = df.attrs["source"]["total_columns"]
        assert [c["colonne"] for c in checked] == ["Total"] and checked[0]["verifie"]
