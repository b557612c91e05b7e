"""Chemin rapide des CSV : même résultat que le chemin ordinaire, sur des fichiers piégeux.

Le chemin rapide fait typer le corps du tableau par le lecteur C de pandas (valeurs de
remplacement lues comme manquantes puis comptées, Latin-1 pour un Windows-1252 sans octet
0x80-0x9F…). Le chemin ordinaire (toutes les cellules lues en texte, puis les analyseurs du
kit) est obtenu en désactivant `kit.io._text._read_typed` : les deux doivent donner le même
DataFrame et la même provenance.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kit
import kit._parse
import kit.io._encoding
import kit.io._text
import kit.io._types
from kit.errors import KitError
from kit.io import _detect_format, _junk, detect_format

ROOT = Path(__file__).resolve().parents[1]
REAL = Path("/work/shared/data/real")

_PH = ["nd", "ND", "Nd", " nd ", "-", "secret", "n.c.", "N.C.", "s", "NA", "nc", "...", "?",
       "Secret", '"nd"']
_HEADER = "Code commune;Commune;Date;Montant (€);Taux;Nombre;Note;Fin"


def _fr(v: float) -> str:
    return f"{v:,.2f}".replace(",", " ").replace(".", ",")


def _rows(n: int, seed: int, ph_rate: float = 0.05, extra=None) -> list[str]:
    """Lignes d'un tableau « sale » : titre, en-tête, codes à zéro de tête, dates, montants à
    la française et valeurs de remplacement dans les colonnes numériques."""
    r = random.Random(seed)
    lines = ["Titre du fichier", "", _HEADER]
    for i in range(n):
        m = _fr(r.uniform(0, 99999)) if r.random() > ph_rate else r.choice(_PH)
        t = f"{r.random():.3f}".replace(".", ",") if r.random() > ph_rate else r.choice(_PH)
        k = str(r.randint(0, 500)) if r.random() > 0.1 else (r.choice(_PH) if r.random() < 0.5
                                                             else "")
        note = r.choice(["ok", "", "à revoir", "nd"])
        lines.append(f"0{r.randint(1000, 9999)};Ville{i % 7};{r.randint(1, 28):02d}/"
                     f"{r.randint(1, 12):02d}/2024;{m};{t};{k};{note};z{i}")
        if extra:
            extra(i, lines)
    return lines


def _junk_lines(i: int, lines: list[str]) -> None:
    """Lignes parasites contenant des valeurs de remplacement."""
    extra = {100: ";;;nd;;;;", 120: "2023;;;nd;nd;;;", 150: "Total;;;nd;123,5;;;",
             170: "Sous-total Ville;;;1 234,5;nd;;;", 200: _HEADER, 210: ";;;;;;;",
             220: "2024;;;;;;;", 230: "Janvier;;;;;;;"}
    if i in extra:
        lines.append(extra[i])


def _late_text(i: int, lines: list[str]) -> None:
    if i == 250:
        lines.append("07001;VilleX;01/01/2024;abc;nd;3;;f")


def _files(tmp: Path) -> dict[str, Path]:
    """Fichiers piégeux écrits dans `tmp`."""
    out: dict[str, Path] = {}

    def write(name: str, lines: list[str], enc: str = "utf-8", nl: str = "\n") -> None:
        out[name] = tmp / name
        out[name].write_bytes(nl.join(lines).encode(enc) + nl.encode())

    write("remplacements.csv", _rows(300, 0))
    clean = [line.replace(" nd ;", "nd;").replace('"nd"', "nd") for line in _rows(300, 10)]
    write("remplacements_nets.csv", clean)  # écritures que le lecteur C reconnaît toutes
    write("cp1252_crlf.csv", _rows(300, 1), enc="cp1252", nl="\r\n")
    write("bom.csv", _rows(300, 2), enc="utf-8-sig")
    write("parasites.csv", _rows(300, 3, extra=_junk_lines)
          + ["", "Source : DGFiP;;;;;;;", "(1) nd : non disponible;;;;;;;", "nd;;;;;;;"])
    write("texte_tardif.csv", _rows(300, 4, extra=_late_text))
    write("remplacements_tardifs.csv", _rows(300, 5, ph_rate=0)
          + ["07001;Ville;01/01/2024;nd;ND;-;x;f", "07002;Ville;01/01/2024; nd ;n.c.;secret;y;f"])
    write("que_des_nd.csv", ["Code;Valeur;Autre"] + [f"{i};nd;" for i in range(200)])
    write("nd_et_vides.csv", ["Code;Valeur;Autre"]
          + [f"{i};{'nd' if i % 2 else ''};{i}" for i in range(200)])
    write("totaux.csv", ["Identifiant;Libellé;Montant"]
          + [f"ID{i:06d};Ligne {i};{_fr(i * 1.5)}" for i in range(3000)]
          + ["Total;;4 500,00", "TOTAL GENERAL;;nd"])
    write("libelle_nd.csv", ["nd;Valeur;Montant"]
          + [f"x{i};{i};{'nd' if i % 5 == 0 else _fr(i)}" for i in range(300)] + ["nd;nd;nd"])
    write("virgule.csv", ["a,b,c"] + [f"{i},{i * 2},{'nd' if i % 3 else i}" for i in range(300)])
    write("tabulation.csv", ["a\tb\tc"]
          + [f"{i}\t{_fr(i * 2.5)}\t{'-' if i % 3 else _fr(i)}" for i in range(300)], nl="\r\n")
    write("retour_chariot.csv", _rows(300, 6), nl="\r")
    mixed = "\n".join(_rows(300, 7)).encode("utf-8") + "\nà;é;ç;1;2;3;4;5\n".encode("cp1252")
    (tmp / "mixte.csv").write_bytes(mixed)
    out["mixte.csv"] = tmp / "mixte.csv"
    # UTF-8 valide sur tout l'échantillon, octet Windows-1252 bien plus loin (> 800 ko)
    late = "\n".join(_rows(20000, 8)).encode("utf-8") + \
        "\n07001;Villeé;01/01/2024;1,5;0,5;3;x;y\n".encode("cp1252")
    (tmp / "utf8_invalide_tard.csv").write_bytes(late)
    out["utf8_invalide_tard.csv"] = tmp / "utf8_invalide_tard.csv"
    write("booleens_nd.csv", ["Code;Ok;Valeur"]
          + [f"{i};{'oui' if i % 2 else 'nd'};{i}" for i in range(100)])
    write("series_nd.csv", ["Date de paiement;Montant"]
          + [f"{45000 + i if i % 9 else 'nd'};{i}" for i in range(300)])
    write("guillemets.csv", ["Code;Quote;Valeur"]
          + [f'{i};"a ""b"" c";"{_fr(i * 3.3)}"' if i % 7 else f'{i};"x";"nd"'
             for i in range(300)])
    write("vides_nombreux.csv", ["Code;Valeur;Reste"]
          + [f"{i};{'nd' if i % 3 == 0 else ('' if i % 3 == 1 else _fr(i))};z"
             for i in range(3000)])
    write("annees.csv", ["Libellé;2022;2023;2024"]
          + [f"Poste {i};{'nd' if i % 5 == 0 else i};{i * 2};{'-' if i % 4 == 0 else i * 3}"
             for i in range(200)] + ["Total;nd;100;-"])
    write("multiligne.csv", ["Code;Texte;Valeur"]
          + [f'{i};"ligne\nsuite";{i}' if i == 50 else f"{i};t;{'nd' if i % 5 == 0 else i}"
             for i in range(200)])
    write("espaces.csv", ["Code;Commune;Valeur"]
          + [f"{i};{' Nord ' if i % 3 else 'Sud'};{i}" for i in range(300)])
    write("espaces_uniques.csv", ["Libellé;Commune;Valeur"]
          + [f"Objet n°{i}{' ' if i == 150 else ''};{'   ' if i == 7 else 'Nord'};{i}"
             for i in range(300)])
    # « ’ » (octet 0x92) sous l'en-tête : pas de lecture en Latin-1
    write("apostrophe.csv", ["Libellé;Montant"]
          + [f"L{'’' if i % 50 == 0 else ''}objet {i};{_fr(i)}" for i in range(300)],
          enc="cp1252", nl="\r\n")
    # enregistrement entier entre guillemets par un autre outil : redécoupé
    write("enregistrement_entre_guillemets.csv", _rows(200, 11)[:120]
          + ['"07001;Ville;01/01/2024;1 234,5;0,5;3;x";f']
          + _rows(200, 11)[120:])
    # grand fichier : le lecteur C lit par blocs, un texte tardif ne doit pas mélanger les types
    write("texte_tardif_gros.csv", ["Commune;Montant;Taux;Nombre;Statut;Note;Autre;Fin"]
          + [f"Ville{i % 5};{i} {i % 1000:03d},5;{i % 7},25;{i % 11};"
             f"{'nd' if i % 97 == 3 else 'ok'};x;{i % 3};f" for i in range(40000)]
          + ["VilleX;abc;nd;3;ok;x;1;f"])
    write("icom.csv", ["dep;icom;inom"]
          + [f"0{i % 9 + 1};{56 + i * 7 if i % 4 else 56};Commune {i}" for i in range(60)])
    # octet non défini en Windows-1252 (0x81) : décodage complet avec remplacement
    undefined = "\r\n".join(_rows(100, 9)).encode("cp1252") + b"\r\n07001;Ville\x81;" \
        b"01/01/2024;1,5;0,5;3;x;y\r\n"
    (tmp / "octet_indefini.csv").write_bytes(undefined)
    out["octet_indefini.csv"] = tmp / "octet_indefini.csv"
    return out


@pytest.fixture(scope="module")
def tricky(tmp_path_factory) -> dict[str, Path]:
    return _files(tmp_path_factory.mktemp("rapide"))


def _ordinary(path: Path, monkeypatch) -> pd.DataFrame:
    with monkeypatch.context() as m:
        m.setattr(kit.io._text, "_read_typed", lambda *a, **k: None)
        return kit.load_table(path)


def _same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, slow)
    a, b = dict(fast.attrs["source"]), dict(slow.attrs["source"])
    assert a == b


@pytest.mark.parametrize("name", [
    "remplacements.csv", "remplacements_nets.csv", "cp1252_crlf.csv", "bom.csv", "parasites.csv",
    "texte_tardif.csv",
    "remplacements_tardifs.csv", "que_des_nd.csv", "nd_et_vides.csv", "totaux.csv",
    "libelle_nd.csv", "virgule.csv", "tabulation.csv", "retour_chariot.csv", "mixte.csv",
    "utf8_invalide_tard.csv", "booleens_nd.csv", "series_nd.csv", "guillemets.csv",
    "vides_nombreux.csv", "annees.csv", "multiligne.csv", "espaces.csv", "apostrophe.csv",
    "octet_indefini.csv", "enregistrement_entre_guillemets.csv", "icom.csv",
    "espaces_uniques.csv", "texte_tardif_gros.csv"])
def test_fast_path_matches_ordinary_path(tricky, name, monkeypatch):
    _same(kit.load_table(tricky[name]), _ordinary(tricky[name], monkeypatch))


@pytest.mark.parametrize("name,header_row", [("remplacements_nets.csv", 3), ("annees.csv", 1),
                                             ("parasites.csv", 3)])
def test_imposed_header_matches_ordinary_path(tricky, name, header_row, monkeypatch):
    fast = kit.load_table(tricky[name], header_row=header_row)
    with monkeypatch.context() as m:
        m.setattr(kit.io._text, "_read_typed", lambda *a, **k: None)
        slow = kit.load_table(tricky[name], header_row=header_row)
    _same(fast, slow)


def test_fast_path_is_taken_and_counts_placeholders(tricky):
    path = tricky["remplacements_nets.csv"]
    table = kit.io._text.read_text(path.read_bytes(), path)
    assert table.typed_body is not None
    assert table.placeholders  # « nd », « - », « secret »… lus comme manquants, retrouvés
    df = kit.load_table(path)
    src = df.attrs["source"]
    assert src["types"]["Montant (€)"] == "nombre"
    assert src["types"]["Nombre"] == "entier"
    assert set(src["placeholders"]) == {"Montant (€)", "Taux", "Nombre"}
    raw = pd.read_csv(path, sep=";", skiprows=2, dtype=str, keep_default_na=False)
    expected = {col: int(raw[col].str.strip().str.lower().isin(kit._parse.PLACEHOLDERS).sum())
                for col in ("Montant (€)", "Taux", "Nombre")}
    assert src["placeholders"] == expected


def test_placeholder_rows_keep_their_text(tricky):
    """Ligne de total avec « nd » : écartée, texte cité avec « nd » ; « 2023 » seul sur une
    ligne avec des « nd » n'est pas un séparateur."""
    df = kit.load_table(tricky["annees.csv"])
    dropped = df.attrs["source"]["dropped"]
    assert dropped == [{"ligne": 202, "motif": "total", "texte": "Total | nd | 100 | -"}]
    path = tricky["parasites.csv"]
    lines = path.read_text(encoding="utf-8").splitlines()
    df = kit.load_table(path)
    motifs = {d["ligne"]: d["motif"] for d in df.attrs["source"]["dropped"]}
    year_nd = lines.index("2023;;;nd;nd;;;") + 1  # trois cellules : une ligne de données
    assert year_nd in df.index and year_nd not in motifs
    assert motifs[lines.index("Total;;;nd;123,5;;;") + 1] == "total"
    assert motifs[lines.index("2024;;;;;;;") + 1] == "séparateur"


def test_text_column_keeps_placeholder_text(tricky):
    df = kit.load_table(tricky["texte_tardif.csv"])
    assert df.attrs["source"]["types"]["Montant (€)"] == "texte"
    assert (df["Montant (€)"].str.strip().str.lower() == "nd").any()
    df = kit.load_table(tricky["que_des_nd.csv"])
    assert df["Valeur"].eq("nd").all()


def test_latin1_shortcut_only_without_c1_bytes(tricky):
    df = kit.load_table(tricky["apostrophe.csv"])
    assert df.attrs["source"]["encoding"] == "cp1252"
    assert df["Libellé"].str.contains("’").sum() == 6
    assert not kit.io._encoding.no_c1("a’b".encode("cp1252"), 0)
    assert kit.io._encoding.no_c1("aéb".encode("cp1252"), 0)


def test_quoted_record_is_split(tricky):
    path = tricky["enregistrement_entre_guillemets.csv"]
    line = path.read_text(encoding="utf-8").splitlines().index(
        '"07001;Ville;01/01/2024;1 234,5;0,5;3;x";f') + 1
    df = kit.load_table(path)
    assert df.loc[line, "Code commune"] == "07001"
    assert df.loc[line, "Montant (€)"] == 1234.5
    assert df.loc[line, "Fin"] == "f"


def test_icom_keeps_leading_zero(tricky):
    df = kit.load_table(tricky["icom.csv"])
    assert df.attrs["source"]["types"]["icom"] == "code"
    assert df.loc[2, "icom"] == "056"


def test_late_invalid_utf8_is_read_as_mixed(tricky):
    df = kit.load_table(tricky["utf8_invalide_tard.csv"])
    assert df.attrs["source"]["encoding"].startswith("mixte")
    assert "Villeé" in set(df["Commune"])


_UTF8_SEQ = re.compile(rb"[\xc3][\x80-\xbf]|\xc2[\xa0-\xbf]|\xe2\x80[\x90-\xbf]")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([0xC2, 0xC3, 0xE2, 0x80, 0x90, 0xA0, 0xBF, 0xC0, 0x9F, 0x41,
                                 0xE9, 0x0A]) | st.integers(0, 255), max_size=300),
       st.integers(0, 200))
def test_utf8_sequence_search_matches_regex(values, repeat):
    data = bytes([0xE2, 0x41] * repeat + values)  # beaucoup de « â » : recherche vectorisée
    assert kit.io._encoding.has_utf8_seq(data) == bool(_UTF8_SEQ.search(data))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["sous", "SOUS", "Sous-", "total", "TOTAL", "Tôtal", "totaux",
                                 "ensemble", "Moyenne", "moyennes", "cumul", "Somme", "général",
                                 " ", "-", "_", "(", "1", "é", "œ", "Ｔｏｔａｌ", "€", "x"]),
                min_size=1, max_size=4))
def test_total_hint_keeps_every_total(parts):
    """Le filtre rapide des lignes de total ne perd aucun libellé que les motifs reconnaissent."""
    text = "".join(parts)
    norm = kit._parse.normalize_label(text)
    if (_junk._TOTAL.match(norm) or _junk._TOTAL_SURE.match(norm)
            or norm in _junk._TOTAL_EXACT):
        assert re.search(_junk._TOTAL_HINT, text)
        # même motif confié à pyarrow (RE2) par `regex_mask`
        assert kit._parse.regex_mask(pd.Series([text], dtype="str"), _junk._TOTAL_HINT,
                                     "contains")[0]


_PIECES = ["15", "03", "2024", "1", "12", "31", "99", "2026", "/", "-", ".", ":", " ", "T", "Z",
           "mars", "janv.", "1er", "lundi", "déc", "août", "x", "habitants", "à", "€", "%", ",",
           "+", "e", "20240315", "1999", "0", "\u00a0", "²", "(", ")", "10:30", "١٥", "h"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=6).map("".join),
                min_size=1, max_size=40))
def test_quick_rejections_never_refuse_a_readable_value(values):
    """Les refus rapides (« ne peut pas être une date / un nombre ») ne refusent jamais une
    valeur que les analyseurs complets savent lire."""
    col = pd.Series(values, dtype="str")
    dates, numbers = kit._parse.parse_dates(col), kit._parse.parse_numbers(col)
    for i, value in enumerate(values):
        text = value.strip()
        if not text or text.lower() in kit._parse.PLACEHOLDERS:
            continue
        if pd.notna(dates.values.iloc[i]):
            assert kit._parse.could_be_date(text), value
        if pd.notna(numbers.values.iloc[i]):
            assert not kit.io._types._surely_not_numbers(pd.Series([value], dtype="str")), value


@pytest.mark.parametrize("text,expected", [
    ("15/03/2024", True), ("2024-03-15", True), ("3 mars 2026", True), ("20240315", True),
    ("2024 03 15", True), ("lundi 20240315", True), ("35 000 à 49 999 habitants", False),
    ("12,5", False), ("Nord", False)])
def test_could_be_date(text, expected):
    assert kit._parse.could_be_date(text) is expected
    if expected:  # ce que la condition laisse passer ici est bien lu comme une date
        assert kit._parse.parse_dates(pd.Series([text], dtype="str")).values.notna().all()


def _text_files() -> list[Path]:
    files = sorted((ROOT / "data" / "samples").rglob("*.csv"))
    files += sorted(REAL.glob("*.csv")) if REAL.is_dir() else []
    return files


def _detected(data: bytes, path: Path, detect) -> str:
    try:
        return detect(data, path)
    except KitError as exc:
        return type(exc).__name__


@pytest.mark.parametrize("path", _text_files(), ids=lambda p: p.name)
def test_detect_format_on_head_matches_full(path):
    data = path.read_bytes()
    assert _detect_format(data, path) == detect_format(data, path)


def test_detect_format_on_head_matches_full_on_large_files(tricky, tmp_path):
    """Gros fichiers (> 64 Ko) : texte, texte sous une extension de classeur, octets nuls."""
    big = tricky["utf8_invalide_tard.csv"].read_bytes()
    cases = {"gros.csv": big, "gros.txt": big, "gros.xlsx": big, "gros.pdf": big,
             "nuls.csv": b"\x00" * 100 + big, "html.csv": b"<html>" + big}
    for name, data in cases.items():
        path = tmp_path / name
        assert _detected(data, path, _detect_format) == _detected(data, path, detect_format)


def test_detect_format_large_blank_head(tmp_path):
    """Début d'un gros fichier fait d'espaces : détection sur tout le fichier."""
    path = tmp_path / "espaces.csv"
    path.write_bytes(b" " * 70_000 + b"a;b\n1;2\n")
    assert _detect_format(path.read_bytes(), path) == "csv"


@pytest.mark.parametrize("values,expected,invalid", [
    (["2024-02-29", " 2023-12-31 ", None], ["2024-02-29", "2023-12-31", None], [False] * 3),
    (["2024-02-29", "2023-02-29"], ["2024-02-29", None], [False, True]),
    (["29/02/2024", "9/4/0999", None], ["2024-02-29", "0999-04-09", None], [False] * 3),
    (["31/04/2024", "01/01/2024"], [None, "2024-01-01"], [True, False]),
])
def test_simple_dates_shortcut(values, expected, invalid):
    """jj/mm/aaaa et aaaa-mm-jj sont convertis sans `to_datetime` ; une date qui n'existe pas
    renvoie à l'analyse complète, qui la signale."""
    got = kit._parse.parse_dates(pd.Series(values, dtype="str"))
    text = [None if pd.isna(v) else v.date().isoformat() for v in got.values]
    assert text == expected
    assert got.invalid.tolist() == invalid


def _big_rows(n: int, middle=None, late=None) -> list[str]:
    """Grand tableau (plus de 1,6 Mo : corps lu en deux moitiés) ; `middle` : lignes insérées
    au milieu des données, `late(i)` : cellule « Nombre » de la ligne i."""
    lines = ["Code;Commune;Montant;Nombre;Note"]
    for i in range(n):
        if middle and i == n // 2:
            lines += middle
        nombre = late(i) if late else str(i % 50)
        lines.append(f"{i % 1000:05d};Ville{i % 7};{i % 900 + 1} {i % 1000:03d},25;{nombre};"
                     f"{'ok' if i % 3 else 'à voir'}")
    return lines


@pytest.mark.parametrize("name,lines", [
    # « nd » dans la seconde moitié seulement : entiers d'un côté, décimaux (manquants) de l'autre
    ("nd_tardifs", _big_rows(60000, late=lambda i: "nd" if i in (45000, 59000) else str(i))),
    # texte dans la seconde moitié seulement : types différents, fichier relu d'un bloc
    ("texte_tardif", _big_rows(60000, late=lambda i: "beaucoup" if i == 50000 else str(i))),
    # colonne vide dans la première moitié, remplie dans la seconde
    ("vide_puis_texte", _big_rows(60000, late=lambda i: "" if i < 40000 else f"n{i}")),
    # cellule sur des milliers de lignes physiques au milieu : la coupure tombe dedans
    ("cellule_longue", _big_rows(50000, middle=['00001;"' + "suite\n" * 40000 + '";1;2;x'])),
    # totaux et en-têtes répétés dans les deux moitiés
    ("blocs", _big_rows(60000, middle=["Total;;123,00;;", "Code;Commune;Montant;Nombre;Note"])),
])
def test_large_body_read_in_two_halves_matches_ordinary_path(name, lines, tmp_path,
                                                              monkeypatch):
    """Au-delà de 1,6 Mo, le corps est lu en deux moitiés (une par cœur) : même résultat que le
    chemin ordinaire, quels que soient les types rencontrés de part et d'autre de la coupure."""
    path = tmp_path / f"{name}.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    data = path.read_bytes()
    assert len(data) > kit.io._text._SPLIT_BYTES
    if name == "cellule_longue":  # la coupure tombe bien dans la cellule
        mid = data.find(b"\n", len(data) // 2)
        assert data[mid - 5:mid + 6] == b"suite\nsuite"
    halves = []
    real = kit.io._text._read_body

    def spy(buf, skip, kw):
        halves.append(len(buf))
        return real(buf, skip, kw)

    monkeypatch.setattr(kit.io._text, "_read_body", spy)
    fast = kit.load_table(path)
    assert halves  # le chemin rapide a été tenté
    _same(fast, _ordinary(path, monkeypatch))
    assert len(fast) == sum(1 for line in lines if line[:1].isdigit())  # un enregistrement


def _suspects_reference(data: bytes) -> list[int]:
    """Cherchés octet par octet : espaces entre deux chiffres qui ne séparent pas des milliers
    bien formés (trois chiffres exactement après l'espace, au plus trois avant) ; virgules
    avec un chiffre d'un seul côté."""
    out = []
    for i in range(len(data)):
        left, right = data[i - 1:i].isdigit() if i else False, data[i + 1:i + 2].isdigit()
        if data[i] == 44 and left != right:
            out.append(i)
        if data[i] != 32 or not (left and right):
            continue
        after_ok = data[i + 1:i + 4].isdigit() and len(data[i + 1:i + 4]) == 3 \
            and not data[i + 4:i + 5].isdigit()
        before_ok = not (i >= 4 and data[i - 4:i].isdigit())
        if not (after_ok and before_ok):
            out.append(i)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list(b"0123456789  ;,\nx")), max_size=400).map(bytes),
       st.sampled_from([1, 2, 5, 16, 1 << 18]))
def test_suspects_match_bytewise_reference(data, step):
    """Recherche vectorisée par blocs de `step` octets = recherche octet par octet, quelle
    que soit la place des coupures entre blocs."""
    assert kit.io._text._suspects(data, True, True, step).tolist() == _suspects_reference(data)


@pytest.mark.parametrize("n", [300, 60000])  # petit fichier ; grand, lu en deux moitiés
@pytest.mark.parametrize("bad", ["12 34", "1000 000,25", "1 2 3,5", ",5", "1,", "inf",
                                 "-Infinity"])
def test_number_refused_by_the_kit_is_not_read_by_the_c_reader(n, bad, tmp_path, monkeypatch):
    """Le lecteur C saute l'espace des milliers où qu'elle soit (« 12 34 » deviendrait 1234),
    lit « ,5 », « 1, » et « inf ». Les analyseurs du kit refusent ces écritures : la colonne
    reste du texte, avec un doute, comme par le chemin ordinaire."""
    lines = ["Code;Montant;Nombre"] + [
        f"{i:05d};{bad if i == n - 7 else _fr(i * 1.5)};{i}" for i in range(n)]
    path = tmp_path / "groupes.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = kit.load_table(path)
    _same(fast, _ordinary(path, monkeypatch))
    assert fast.attrs["source"]["types"]["Montant"] == "texte"
    assert fast.loc[n - 7 + 2, "Montant"] == bad  # ligne 1 : en-tête
    assert any("Montant" in d for d in fast.attrs["source"]["doubts"])
    assert fast.attrs["source"]["types"]["Nombre"] == "entier"


def test_well_grouped_numbers_stay_on_fast_path(tmp_path):
    path = tmp_path / "groupes.csv"
    path.write_text("Code;Montant\n" + "".join(
        f"{i:05d};{_fr(i * 1234.5)}\n" for i in range(300)), encoding="utf-8")
    table = kit.io._text.read_text(path.read_bytes(), path)
    assert table.typed_body is not None and not table.misread.get()
    df = kit.load_table(path)
    assert df["Montant"].sum() == pytest.approx(sum(i * 1234.5 for i in range(300)))


def test_list_tables_counts_every_csv_row(tricky):
    """Un CSV lu par le chemin rapide garde toutes ses lignes dans `list_tables` (compte établi
    avec le module csv : lignes non vides)."""
    import csv
    path = tricky["totaux.csv"]
    with path.open(encoding="utf-8", newline="") as f:
        expected = sum(1 for row in csv.reader(f, delimiter=";") if any(v.strip() for v in row))
    listed = kit.list_tables(path)
    assert listed.loc[0, "lignes"] == expected == 3003
    assert listed.loc[0, "contenu"] == "tableau de données"


_WRITINGS = ["1e5", "1,5e3", "inf", "-inf", "Infinity", "nan", "NaN", "NA", "5.", ".5", ",5", "1,",
             "+5", "-0", "0x10", "1_000", "1 234,5 ", "1  234,5", "５", "1.234,5", "TRUE", "1/2",
             "12:30", "(5)", "5-", "−5", "5 €", "5%", "12 345 678,9", "0 123", "007", "1,5,6",
             "12 34", "1000 000", "nd", "", "-", "1 234", "2,", "3,25"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(_WRITINGS), min_size=1, max_size=3),
       st.sampled_from([",", "."]), st.booleans())
def test_any_writing_reads_the_same_on_both_paths(tmp_path_factory, writings, decimal, spaced):
    """Quelques écritures insolites dans une colonne de nombres : le chemin rapide (lecteur C)
    donne exactement le tableau du chemin ordinaire (analyseurs du kit)."""
    nums = [(f"{i} 2{i % 10}5{decimal}5" if spaced and decimal == "," else f"{i}{decimal}5")
            for i in range(1, 41)]
    for k, w in enumerate(writings):
        nums[10 + 7 * k] = w
    path = tmp_path_factory.mktemp("ecritures") / "ecritures.csv"
    path.write_text("Code;Montant;Fin\n" + "".join(f"A{i};{x};z\n" for i, x in enumerate(nums)),
                    encoding="utf-8")
    with pytest.MonkeyPatch.context() as m:
        fast = kit.load_table(path)
        _same(fast, _ordinary(path, m))


def test_lone_carriage_return_after_the_sample(tmp_path, monkeypatch):
    """Un « \\r » seul loin après l'échantillon (gros fichier) : vu par le fil des fins de
    ligne, le fichier est décodé en entier comme un fichier à fins de ligne « \\r »."""
    lines = _big_rows(60000)
    lines[40000] = lines[40000].replace("Ville", "Vil\rle", 1)
    path = tmp_path / "cr.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    data = path.read_bytes()
    assert data.replace(b"\r\n", b"").find(b"\r") > kit.io._encoding.SAMPLE_BYTES
    fast = kit.load_table(path)
    _same(fast, _ordinary(path, monkeypatch))
    assert (fast["Commune"] == "Vil").sum() == 1  # la ligne est coupée au « \r », comme partout


def test_few_distinct_values_checked_for_spaces(tmp_path, monkeypatch):
    """Colonne à peu de valeurs distinctes (propreté vérifiée sur celles-ci) : un texte
    entouré d'espaces ou fait d'espaces, loin après le début, est nettoyé comme ailleurs."""
    towns = {i: "Nord" if i % 2 else "Sud" for i in range(5000)} | {4500: " Nord ", 4700: "   "}
    lines = ["Code;Commune;Valeur"] + [f"{i};{towns[i]};{i}" for i in range(5000)]
    path = tmp_path / "espaces_tardifs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = kit.load_table(path)
    _same(fast, _ordinary(path, monkeypatch))
    assert fast.loc[4502, "Commune"] == "Nord" and pd.isna(fast.loc[4702, "Commune"])
    assert set(fast["Commune"].dropna()) == {"Nord", "Sud"}


def test_dbase_header_types_removed(tmp_path, monkeypatch):
    """En-tête d'un export dBase (« MONTANT,N,12,2 ») dans un CSV à virgules entre guillemets :
    noms sans descripteur, nombres lus comme nombres (le « N » n'est pas un « n° »), codes à
    zéros gardés ; sommes établies à partir des valeurs écrites."""
    amounts = [round(i * 12.5 + 0.25, 2) for i in range(300)]
    lines = ['"INSEE_COM,C,5","NOM,C,50","MONTANT,N,12,2","POP,N,10,0"'] + [
        f'"{1001 + i:05d}","Commune {i}","{a:.2f}","{i * 7}"' for i, a in enumerate(amounts)]
    path = tmp_path / "dbase.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    df = kit.load_table(path)
    _same(df, _ordinary(path, monkeypatch))
    assert list(df.columns) == ["INSEE_COM", "NOM", "MONTANT", "POP"]
    assert df["MONTANT"].sum() == pytest.approx(sum(amounts))
    assert df["POP"].sum() == sum(i * 7 for i in range(300))
    assert df.loc[2, "INSEE_COM"] == "01001"
    assert df.attrs["source"]["dbase_types"]["MONTANT"] == "N,12,2"
    assert "format dBase" in str(kit.describe_reading(df))


def test_dbase_rule_needs_most_labels():
    labels = ["Nom, prénom", "Montant", "Code,C,5"]  # un seul descripteur sur trois
    assert kit.io._layout.strip_dbase(labels) == (labels, {})
