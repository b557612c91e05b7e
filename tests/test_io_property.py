"""Propriétés : quel que soit le contenu, load_table renvoie un DataFrame ou lève une KitError,
et ne modifie jamais le fichier source."""

from __future__ import annotations

import hashlib
import tempfile
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kit
from kit.errors import KitError

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
_TMP = Path(tempfile.mkdtemp(prefix="kit_prop_"))


def _small_xlsx() -> bytes:
    p = _TMP / "petit_modele.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Code INSEE", "Commune", "Montant", "Date"])
    for i in range(30):
        ws.append([1000 + i, f"Commune {i}", i * 10.5, f"0{1 + i % 9}/03/2024"])
    wb.save(p)
    return p.read_bytes()


XLSX = _small_xlsx()
_ODS_FILES = sorted(SAMPLES.glob("*/*.ods"))
ODS = _ODS_FILES[0].read_bytes() if _ODS_FILES else None


def _check(data: bytes, suffix: str) -> None:
    """Charge les octets : seul KitError est admis ; le fichier reste intact."""
    p = _TMP / f"essai{suffix}"
    p.write_bytes(data)
    before = hashlib.sha256(data).hexdigest()
    try:
        df = kit.load_table(p)
    except KitError as err:
        assert str(err)
    else:
        assert isinstance(df, pd.DataFrame)
        assert "source" in df.attrs
    assert hashlib.sha256(p.read_bytes()).hexdigest() == before


@SETTINGS
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".xlsx", ".xls", ".ods", ".csv"]))
def test_random_bytes(data, suffix):
    _check(data, suffix)


@SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(XLSX) - 1))
def test_truncated_xlsx(cut):
    _check(XLSX[:cut], ".xlsx")


@pytest.mark.skipif(ODS is None, reason="aucun échantillon .ods dans data/samples")
@SETTINGS
@given(frac=st.floats(min_value=0.0, max_value=0.999))
def test_truncated_ods(frac):
    _check(ODS[: int(len(ODS) * frac)], ".ods")


@SETTINGS
@given(flips=st.lists(st.tuples(st.integers(min_value=0, max_value=len(XLSX) - 1),
                                st.integers(min_value=1, max_value=255)),
                      min_size=1, max_size=8))
def test_byte_flips_xlsx(flips):
    data = bytearray(XLSX)
    for pos, mask in flips:
        data[pos] ^= mask
    _check(bytes(data), ".xlsx")


_cell = st.text(alphabet=st.sampled_from(list("ab é1 2,;.\t|\"'-%()€\u00a0\n\r0")), max_size=12)


@SETTINGS
@given(rows=st.lists(st.lists(_cell, min_size=1, max_size=6), min_size=1, max_size=12),
       sep=st.sampled_from([";", ",", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_random_csv_text(rows, sep, encoding, newline):
    text = newline.join(sep.join(r) for r in rows)
    _check(text.encode(encoding, errors="replace"), ".csv")


@SETTINGS
@given(text=st.text(max_size=300), encoding=st.sampled_from(["utf-8", "cp1252"]))
def test_random_unicode_csv(text, encoding):
    _check(text.encode(encoding, errors="replace"), ".csv")


_WORDS = ["aide", "fonctionnement", "de la", "Vendée", "festival", "2018", "bio", "collège",
          "acompte 50 %", "solde", "Saint-Gilles", "l'association"]


def _free_text(draw, commas: bool, least: int = 1) -> str:
    parts = draw(st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4)
                          .map(" ".join), min_size=least if commas else 1,
                          max_size=3 if commas else 1))
    return ", ".join(parts)


@st.composite
def _ragged_table(draw):
    """Tableau à virgules : identifiant à 14 chiffres, nom et objet en texte libre (avec ou
    sans virgules), montant à virgule décimale jamais protégé, nature en liste fermée,
    période de forme fixe, pourcentage. Les lignes sont écrites sans guillemets. Deux régimes
    tirés pour tout le tableau : montants tous sous 1 000 (chaque ligne a alors un champ de plus
    que l'en-tête) et virgules fréquentes dans les deux textes (lignes bien plus larges)."""
    n = draw(st.integers(20, 45))
    top = draw(st.sampled_from([999, 2_000_000]))
    wide = draw(st.booleans())
    rows = []
    for i in range(n):
        cents = draw(st.integers(0, 99))
        euros = draw(st.integers(0, top))
        rows.append([
            f"{draw(st.integers(10**13, 10**14 - 1))}",
            _free_text(draw, (wide or draw(st.booleans())) and i % 3 == 0, 2 if wide else 1),
            _free_text(draw, (wide and i % 3 == 0) or draw(st.booleans()), 2 if wide else 1),
            f"{euros:,}".replace(",", " ") + f",{cents:02d}",
            draw(st.sampled_from(["aide en numéraire", "aide en nature", "prêt"])),
            f"2018-0{draw(st.integers(1, 9))}-01_2019-12-31",
            str(draw(st.integers(1, 100))),
        ])
    return rows


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_ragged_table())
def test_unprotected_separators_repaired_exactly_or_reported(rows):
    """Séparateurs non protégés (montants « 1 234,56 », virgules dans un texte libre) : chaque
    ligne gardée est exactement la ligne écrite, ou signalée comme recollée d'après le type des
    colonnes (doute) ; les autres sont signalées comme rejetées, aucune ne disparaît en
    silence."""
    header = ["idBeneficiaire", "nomBeneficiaire", "objet", "montant", "nature",
              "datesPeriodeVersement", "pourcentage"]
    path = _TMP / "virgules.csv"
    path.write_text("\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n",
                    encoding="utf-8")
    with warnings.catch_warnings():  # lignes rejetées : doute attendu
        warnings.simplefilter("ignore", kit.ReadingDoubtWarning)
        df = kit.load_table(path)
    src = df.attrs["source"]
    lines = {i + 2: r for i, r in enumerate(rows)}  # ligne 1 : en-tête
    assert set(df.index) | set(src["rejected_lines"]) == set(lines)
    assert not set(df.index) & set(src["rejected_lines"])
    glued = set(src["glued_lines"])
    assert glued <= set(src["repaired_lines"])
    if glued:
        assert any("non protégé dans un texte" in d for d in src["doubts"])
    for line in df.index:
        if line in glued:  # texte recollé d'après le type des colonnes : montré comme doute
            continue
        r = lines[line]
        assert df.loc[line, "idBeneficiaire"] == r[0]
        assert df.loc[line, "nomBeneficiaire"] == r[1]
        assert df.loc[line, "objet"] == r[2]
        assert df.loc[line, "montant"] == pytest.approx(
            float(r[3].replace(" ", "").replace(",", ".")))
        assert df.loc[line, "nature"] == r[4]
        assert df.loc[line, "datesPeriodeVersement"] == r[5]

