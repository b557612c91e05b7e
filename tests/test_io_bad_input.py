"""Fichiers abîmés, dangereux ou piégeux, générés dans tmp_path : erreurs KitError en français."""

from __future__ import annotations

import zipfile
from datetime import datetime

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kit
import kit.io._safety
from kit.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    FileFormatError,
    KitError,
    SheetNotFoundError,
    UnsafeFileError,
)


def _xlsx(path, rows, merges=()):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Données"
    for r in rows:
        ws.append(r)
    for m in merges:
        ws.merge_cells(m)
    wb.save(path)
    return path


def _raises(path, cls, **kw):
    with pytest.raises(cls) as exc:
        kit.load_table(path, **kw)
    assert path.name in str(exc.value)
    assert isinstance(exc.value, KitError)
    return exc.value


def test_empty_file(tmp_path):
    p = tmp_path / "vide.csv"
    p.write_bytes(b"")
    _raises(p, EmptyFileError)


def test_truncated_xlsx(tmp_path):
    full = _xlsx(tmp_path / "complet.xlsx", [["a", "b"]] + [[i, i * 2] for i in range(200)])
    data = full.read_bytes()
    p = tmp_path / "tronque.xlsx"
    p.write_bytes(data[: len(data) // 2])
    _raises(p, CorruptFileError)


def test_unsupported_zip_version_xlsx(tmp_path):
    """Octet abîmé dans le répertoire central : zipfile lève NotImplementedError
    (« zip file version 8.4 »), signalé comme un classeur abîmé."""
    data = bytearray(_xlsx(tmp_path / "complet.xlsx", [["a", "b"], [1, 2]]).read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + 6] = 84  # version nécessaire pour extraire : 8.4
    p = tmp_path / "version.xlsx"
    p.write_bytes(bytes(data))
    _raises(p, CorruptFileError)


def test_random_bytes_xlsx(tmp_path):
    p = tmp_path / "hasard.xlsx"
    p.write_bytes(bytes(range(256)) * 8)
    _raises(p, CorruptFileError)


def test_text_named_xlsx(tmp_path):
    p = tmp_path / "texte.xlsx"
    p.write_text("commune;montant\nA;1\n", encoding="utf-8")
    _raises(p, CorruptFileError)


def test_pdf_unsupported(tmp_path):
    p = tmp_path / "rapport.pdf"
    p.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    _raises(p, FileFormatError)


def test_docx_unsupported(tmp_path):
    p = tmp_path / "note.docx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    _raises(p, FileFormatError)


def test_encrypted_ole(tmp_path):
    p = tmp_path / "protege.xlsx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
                  + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 512)
    _raises(p, EncryptedFileError)


def _bomb(path, size, level):
    chunk = b"\0" * (16 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            for _ in range(size // len(chunk)):
                f.write(chunk)
    return path


def test_zip_bomb_over_1gib(tmp_path):
    # niveau 1 : ~2 s pour 1 Gio + 16 Mio de zéros (niveau 9 : ~4 s)
    p = _bomb(tmp_path / "bombe.xlsx", (1 << 30) + (16 << 20), level=1)
    assert p.stat().st_size < 10 << 20
    _raises(p, UnsafeFileError)


def test_zip_bomb_small_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(kit.io._safety, "MAX_MEMBER", 8 << 20)
    p = _bomb(tmp_path / "bombe_petite.xlsx", 64 << 20, level=9)
    _raises(p, UnsafeFileError)


def test_xml_entity_bomb(tmp_path):
    src = _xlsx(tmp_path / "sain.xlsx", [["a", "b"], [1, 2]])
    doctype = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
               + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">'
                         for i in range(1, 10))
               + "]>")
    p = tmp_path / "entites.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = data.decode("utf-8")
                if body.startswith("<?xml"):
                    body = body.split("?>", 1)[1]
                body = body.replace("<v>1</v>", "<v>&lol9;</v>", 1)
                data = (doctype + body).encode("utf-8")
            zout.writestr(item, data)
    _raises(p, UnsafeFileError)


def test_missing_sheet_lists_available(tmp_path):
    p = _xlsx(tmp_path / "classeur.xlsx", [["a", "b"], [1, 2]])
    err = _raises(p, SheetNotFoundError, sheet="Inexistante")
    assert "Données" in str(err) and "Inexistante" in str(err)


def test_sheet_index_out_of_range(tmp_path):
    p = _xlsx(tmp_path / "classeur.xlsx", [["a", "b"], [1, 2]])
    _raises(p, SheetNotFoundError, sheet=5)


def test_missing_file(tmp_path):
    p = tmp_path / "absent.xlsx"
    _raises(p, KitError)


def test_directory(tmp_path):
    d = tmp_path / "dossier.xlsx"
    d.mkdir()
    _raises(d, KitError)


# --- CSV piégeux -------------------------------------------------------------------------------

def test_ragged_unrepairable_lines_rejected(tmp_path):
    p = tmp_path / "bancal.csv"
    p.write_text("commune;montant;annee\nA;10;2024\nB;20;2024;x;y;z\nC;30;2024\nD\n"
                 "E;50;2024\n", encoding="utf-8")
    df = kit.load_table(p)
    src = df.attrs["source"]
    assert 3 in src["rejected_lines"]
    assert 3 not in df.index
    assert df.loc[4, "montant"] == 30


def test_every_amount_split_and_some_lines_much_wider(tmp_path):
    """Tous les montants « 1,01 » coupés par leur virgule non protégée (chaque ligne a un champ
    de plus que l'en-tête) et quelques lignes bien plus larges (virgules dans deux textes
    libres) : l'en-tête est reconnu à sa largeur ordinaire, les montants sont recollés (1,01 et
    non 1 suivi d'une nature décalée) et les lignes ambiguës signalées."""
    header = "id,nom,objet,montant,nature,periode,pourcentage"
    plain = "10000000000000,aide,aide aide,{},aide en numéraire,2018-01-01_2019-12-31,1"
    ambiguous = ("10000000000000,aide, aide, aide,aide, aide, aide,1,01,aide en numéraire,"
                 "2018-01-01_2019-12-31,1")
    lines = [header]
    for i in range(18):
        lines.append(ambiguous if i % 4 == 3 else plain.format(f"{i},{i:02d}"))
    p = tmp_path / "virgules.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.warns(kit.ReadingDoubtWarning, match="rejetées : 5, 9, 13, 17"):
        df = kit.load_table(p)
    assert list(df.columns) == header.split(",")
    assert df.attrs["source"]["rejected_lines"] == [5, 9, 13, 17]
    assert len(df) == 14
    for i in range(18):
        if i % 4 != 3:
            line = i + 2
            assert df.loc[line, "montant"] == pytest.approx(i + i / 100)
            assert df.loc[line, "nature"] == "aide en numéraire"
            assert df.loc[line, "pourcentage"] == 1

def test_cp1252_french_numbers(tmp_path):
    p = tmp_path / "cp1252.csv"
    p.write_bytes("Libellé;Montant\nDépenses réelles;1 234,50\nRecettes élevées;-12,5\n"
                  "Élément;3 000\n".encode("cp1252"))
    df = kit.load_table(p)
    assert df.attrs["source"]["encoding"] in ("cp1252", "latin-1", "iso-8859-1")
    assert df.attrs["source"]["delimiter"] == ";"
    assert df.loc[2, "Libellé"] == "Dépenses réelles"
    assert df.loc[2, "Montant"] == 1234.5
    assert df.loc[3, "Montant"] == -12.5
    assert df.loc[4, "Libellé"] == "Élément"


def test_nbsp_thousands_percent_parentheses(tmp_path):
    p = tmp_path / "nombres.csv"
    p.write_text("poste;a;b;taux;solde\n"
                 "x;1\u00a0234,5;2\u202f000;12 %;(1 234)\n"
                 "y;10;3\u202f500\u202f000;5,5 %;(10)\n", encoding="utf-8")
    df = kit.load_table(p)
    assert df.loc[2, "a"] == 1234.5
    assert df.loc[2, "b"] == 2000
    assert df.loc[3, "b"] == 3500000
    assert df.loc[2, "taux"] == pytest.approx(0.12)
    assert df.loc[3, "taux"] == pytest.approx(0.055)
    assert df.loc[2, "solde"] == -1234
    assert df.loc[3, "solde"] == -10


def test_utf8_bom(tmp_path):
    p = tmp_path / "bom.csv"
    p.write_bytes("\ufeffCode;Nom\n01004;Ambérieu-en-Bugey\n".encode("utf-8"))
    df = kit.load_table(p)
    assert list(df.columns) == ["Code", "Nom"]
    assert df.loc[2, "Code"] == "01004"
    assert df.loc[2, "Nom"] == "Ambérieu-en-Bugey"


def test_cp850(tmp_path):
    p = tmp_path / "dos.csv"
    p.write_bytes("NOM;VILLE;NB\nEcole aliénor;Montpellier;3\nCollège Éluard;Sète;4\n"
                  "Crèche Noël;Béziers;5\n".encode("cp850"))
    df = kit.load_table(p)
    assert df.loc[2, "NOM"] == "Ecole aliénor"
    assert df.loc[3, "VILLE"] == "Sète"
    assert df.loc[4, "NOM"] == "Crèche Noël"


@pytest.mark.parametrize("sep", ["\t", "|"])
def test_tab_and_pipe(tmp_path, sep):
    p = tmp_path / "sep.txt"
    p.write_text(sep.join(["commune", "population", "code"]) + "\n"
                 + sep.join(["Laval", "49 728", "53130"]) + "\n"
                 + sep.join(["Ernée", "5 802", "53096"]) + "\n", encoding="utf-8")
    df = kit.load_table(p)
    assert df.attrs["source"]["delimiter"] == sep
    assert df.loc[2, "population"] == 49728
    assert df.loc[3, "commune"] == "Ernée"


# --- Classeur « de service » -------------------------------------------------------------------

def _messy(tmp_path, repeat=False):
    rows = [
        ["Commune de Testville - Subventions 2024"],
        ["Document interne"],
        [],
        ["Identification", None, None, "Montants", None, "Infos"],
        ["Code INSEE", "SIRET", "Nom", "Voté", "Versé", "Conventionné"],
        [1004, 21010004900016, "Ambérieu", 1500.5, 1000, "oui"],
        [],
        [1001, 21010001500011, "L'Abergement", 200, 200, "non"],
        ["Code INSEE", "SIRET", "Nom", "Voté", "Versé", "Conventionné"] if repeat else [],
        [53130, 22530001100015, "Laval", 3000, 2500, "x"],
        ["Total", None, None, 4700.5, 3700, None],
        ["(1) Source : service financier, montants en euros."],
    ]
    return _xlsx(tmp_path / "service.xlsx", rows, merges=("A4:C4", "D4:E4"))


def test_messy_workbook(tmp_path):
    df = kit.load_table(_messy(tmp_path))
    src = df.attrs["source"]
    assert src["header_row"] == 4 and src["header_rows"] == 2
    assert list(df.columns) == ["Identification - Code INSEE", "Identification - SIRET",
                                "Identification - Nom", "Montants - Voté", "Montants - Versé",
                                "Infos - Conventionné"]
    assert list(df.index) == [6, 8, 10]
    motifs = {d["ligne"]: d["motif"] for d in src["dropped"]}
    assert motifs[11] == "total"
    assert motifs[12] == "note"
    assert df.loc[6, "Identification - Code INSEE"] == "01004"
    assert df.loc[8, "Identification - Code INSEE"] == "01001"
    assert (df["Identification - Code INSEE"].str.len() == 5).all()
    assert df.loc[6, "Identification - SIRET"] == "21010004900016"
    assert (df["Identification - SIRET"].str.len() == 14).all()
    assert df.loc[6, "Montants - Voté"] == 1500.5
    assert df["Infos - Conventionné"].tolist() == [True, False, True]
    assert src["columns"]["Montants - Versé"] == "E"


def test_header_row_override(tmp_path):
    p = _xlsx(tmp_path / "entete.xlsx", [["Titre"], ["col1", "col2"], ["a", 1],
                                         ["vraie_a", "vraie_b"], ["x", 2], ["y", 3]])
    df = kit.load_table(p, header_row=4)
    assert df.attrs["source"]["header_row"] == 4
    assert list(df.columns) == ["vraie_a", "vraie_b"]
    assert df.loc[5, "vraie_b"] == 2


def test_header_row_override_csv(tmp_path):
    p = tmp_path / "entete.csv"
    p.write_text("Export du 01/01/2024;\nnom;valeur\nA;1\nB;2\n", encoding="utf-8")
    df = kit.load_table(p, header_row=2)
    assert list(df.columns) == ["nom", "valeur"]
    assert df.loc[4, "valeur"] == 2


def test_booleans_and_dates(tmp_path):
    p = _xlsx(tmp_path / "types.xlsx", [
        ["actif", "coche", "date_fr", "date_courte", "date_texte", "date_excel", "date_serie"],
        ["oui", "x", "03/03/2024", "3/3/24", "3 mars 2024", datetime(2024, 3, 3), 45354],
        ["non", None, "15/12/2023", "15/12/23", "15 décembre 2023", datetime(2023, 12, 15), 45275],
        ["Oui", "x", "01/01/2025", "1/1/25", "1er janvier 2025", datetime(2025, 1, 1), 45658],
    ])
    df = kit.load_table(p)
    assert df["actif"].tolist() == [True, False, True]
    assert df["coche"].dtype == "boolean"
    assert df.loc[2, "coche"] == True  # noqa: E712
    for col in ("date_fr", "date_courte", "date_excel"):
        assert pd.api.types.is_datetime64_any_dtype(df[col]), col
        assert df[col].tolist() == [pd.Timestamp("2024-03-03"), pd.Timestamp("2023-12-15"),
                                    pd.Timestamp("2025-01-01")], col


def test_french_text_dates_csv(tmp_path):
    p = tmp_path / "dates.csv"
    p.write_text("evenement;date\nA;3 mars 2024\nB;15 décembre 2023\nC;1 août 2025\n",
                 encoding="utf-8")
    df = kit.load_table(p)
    assert df["date"].tolist() == [pd.Timestamp("2024-03-03"), pd.Timestamp("2023-12-15"),
                                   pd.Timestamp("2025-08-01")]


def test_repeated_header_with_two_row_header(tmp_path):
    df = kit.load_table(_messy(tmp_path, repeat=True))
    motifs = {d["ligne"]: d["motif"] for d in df.attrs["source"]["dropped"]}
    assert motifs.get(9) == "en-tête répété"
    assert list(df.index) == [6, 8, 10]
    assert df["Montants - Voté"].dtype == "float64"


def test_excel_serial_dates_with_date_label(tmp_path):
    p = _xlsx(tmp_path / "serie.xlsx", [["Date de notification", "montant"],
                                        [45354, 10], [45275, 20]])
    df = kit.load_table(p)
    assert df["Date de notification"].tolist() == [pd.Timestamp("2024-03-03"),
                                                   pd.Timestamp("2023-12-15")]


def _patch_central(src, dest, member, field_offset, value):
    """Copie de `src` où le champ (4 octets, à `field_offset` dans l'entrée du répertoire
    central) du membre `member` vaut `value`."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(member)
    entry, name = -1, member.encode()
    while True:  # entrée du répertoire central qui porte ce nom
        entry = data.find(b"PK\x01\x02", entry + 1)
        n = int.from_bytes(data[entry + 28:entry + 30], "little")
        if data[entry + 46:entry + 46 + n] == name:
            break
    data[entry + field_offset:entry + field_offset + 4] = value.to_bytes(4, "little")
    dest.write_bytes(bytes(data))
    return info


def test_lying_uncompressed_size_is_refused(tmp_path):
    """Un membre qui se décompresse en plus que la taille annoncée : bombe refusée."""
    src = _xlsx(tmp_path / "sain.xlsx", [["a", "b"]] + [[i, i * 2] for i in range(2000)])
    info = _patch_central(src, tmp_path / "menteur.xlsx", "xl/worksheets/sheet1.xml", 24, 100)
    assert info.file_size > 100
    _raises(tmp_path / "menteur.xlsx", UnsafeFileError)


def test_wrong_checksum_is_a_damaged_file(tmp_path):
    src = _xlsx(tmp_path / "sain.xlsx", [["a", "b"], [1, 2]])
    info = _patch_central(src, tmp_path / "crc.xlsx", "xl/worksheets/sheet1.xml", 16, 12345)
    assert info.CRC != 12345
    err = _raises(tmp_path / "crc.xlsx", CorruptFileError)
    assert "abîmé" in str(err)


def test_truncated_member_is_a_damaged_file(tmp_path):
    """Données compressées du membre coupées (taille compressée annoncée trop petite)."""
    src = _xlsx(tmp_path / "sain.xlsx", [["a", "b"]] + [[i, i * 2] for i in range(2000)])
    with zipfile.ZipFile(src) as z:
        size = z.getinfo("xl/worksheets/sheet1.xml").compress_size
    _patch_central(src, tmp_path / "coupe.xlsx", "xl/worksheets/sheet1.xml", 20, size // 2)
    _raises(tmp_path / "coupe.xlsx", CorruptFileError)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60) | st.lists(st.sampled_from([b"<", b"f", b">", b"<f", b"x"]),
                                           max_size=30).map(b"".join))
def test_formula_tag_search_matches_in(data):
    assert kit.io._safety._has_pair(data, b"<f") == (b"<f" in data)
