"""Totaux vérifiés par le calcul, compte rendu de lecture, choix imposés à `load_table` et
forme écrite des valeurs converties. Les tableaux sont écrits ici à la main : les sommes
attendues se lisent dans les données du test."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest

import kit
from kit.errors import DataError, HeaderNotFoundError


def _xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _load(path: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", kit.ReadingDoubtWarning)
        return kit.load_table(path, **kw)


HEADER = ["Code commune", "Commune", "Janvier", "Février", "Total"]
RECORDS = [
    ["01053", "Bourg-en-Bresse", 10.5, 4, 14.5],
    ["01004", "Ambérieu-en-Bugey", 20, 6, 26],
    ["13055", "Marseille", 30, 1, 31],
    ["75056", "Paris", 5, 5, 10],
]


class TestTotals:
    def test_unlabelled_subtotals_and_grand_total(self, tmp_path):
        # sous-totaux sans libellé : 10,5 + 20 = 30,5 et 30 + 5 = 35 ; total 65,5
        rows = [HEADER, *RECORDS[:2], [None, None, 30.5, 10, 40.5], *RECORDS[2:],
                [None, None, 35, 6, 41], ["Ensemble des communes", None, 65.5, 16, 81.5]]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        assert df["Code commune"].tolist() == ["01053", "01004", "13055", "75056"]
        totals = df.attrs["source"]["totals"]
        assert [(t["ligne"], t["genre"], t["verifie"]) for t in totals] == [
            (4, "sous-total", True), (7, "sous-total", True), (8, "total", True)]
        assert totals[0]["par"] == "calcul" and (totals[0]["de"], totals[0]["a"]) == (2, 3)
        assert not kit.describe_reading(df).doubts

    def test_labelled_total_that_does_not_add_up_is_a_doubt(self, tmp_path):
        rows = [HEADER, *RECORDS, ["Total", None, 70, 16, 86]]  # 65,5 attendu, pas 70
        path = _xlsx(tmp_path / "t.xlsx", rows)
        with pytest.warns(kit.ReadingDoubtWarning, match="ligne 6"):
            df = kit.load_table(path)
        assert len(df) == 4
        assert df.attrs["source"]["totals"][0]["verifie"] is False

    def test_rounded_total_is_verified(self, tmp_path):
        rows = [HEADER, *RECORDS, ["Total", None, 66, 16, 82]]  # 65,5 arrondi à l'unité
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        assert df.attrs["source"]["totals"][0]["verifie"] is True

    def test_announced_row_count_disagrees(self, tmp_path):
        rows = [HEADER, *RECORDS, ["Total : 5 communes", None, 65.5, 16, 81.5]]
        with pytest.warns(kit.ReadingDoubtWarning, match="annonce 5"):
            kit.load_table(_xlsx(tmp_path / "t.xlsx", rows))

    def test_unlabelled_row_that_adds_up_to_nothing_is_a_doubt(self, tmp_path):
        rows = [HEADER, *RECORDS, [None, None, 99, 1, 100]]
        with pytest.warns(kit.ReadingDoubtWarning, match="ligne 6 n'a que des nombres"):
            df = kit.load_table(_xlsx(tmp_path / "t.xlsx", rows))
        assert len(df) == 5  # gardée comme donnée, mais signalée

    def test_codes_by_label_and_reference(self, tmp_path):
        rows = [["dep", "reg", "lieu", "Nombre de départements", "siren"],
                [1, 1, 1053, 3, 21010053], [971, 84, 75056, 4, 217500016],
                [2, 11, 13055, 5, 211300553]]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        assert df["dep"].tolist() == ["01", "971", "02"]
        assert df["reg"].tolist() == ["01", "84", "11"]
        # « lieu » : tous des codes de communes du COG une fois complétés à 5 chiffres
        assert df["lieu"].tolist() == ["01053", "75056", "13055"]
        assert df["siren"].tolist() == ["021010053", "217500016", "211300553"]
        assert df["Nombre de départements"].tolist() == [3, 4, 5]

    def test_subtotal_with_a_rate_column(self, tmp_path):
        # le taux d'un sous-total est une moyenne (pondérée ou non) : il ne s'additionne pas,
        # mais il reste entre le plus petit et le plus grand taux du bloc
        rows = [["Mois", "Site", "Entrées", "Taux d'occupation", "Recette"],
                ["janvier", "Gare", 100, 0.9, 50.5], ["janvier", "Halles", 60, 0.5, 20],
                ["Sous-total janvier", None, 160, 0.75, 70.5],
                ["février", "Gare", 80, 0.8, 40], ["février", "Halles", 40, 0.6, 10.25],
                ["Sous-total février", None, 120, 0.7, 50.25],
                ["Total", None, 280, 0.72, 120.75]]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        assert len(df) == 4 and df["Entrées"].sum() == 280
        totals = df.attrs["source"]["totals"]
        assert [(t["ligne"], t["genre"], t["verifie"]) for t in totals] == [
            (4, "sous-total", True), (7, "sous-total", True), (8, "total", True)]
        assert not df.attrs["source"]["doubts"]

    def test_rate_outside_the_block_is_still_a_doubt(self, tmp_path):
        # un taux de sous-total hors de l'intervalle des lignes : ce n'est pas une moyenne
        rows = [["Mois", "Site", "Entrées", "Taux d'occupation"],
                ["janvier", "Gare", 100, 0.9], ["janvier", "Halles", 60, 0.5],
                ["janvier", "Port", 10, 0.4],
                ["Sous-total janvier", None, 170, 0.95]]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        assert [t["verifie"] for t in df.attrs["source"]["totals"]] == [False]
        assert df.attrs["source"]["doubts"]

    def test_budget_account_codes_stay_text(self, tmp_path):
        # « Compte » : un compte budgétaire (nomenclature M57), pas une quantité
        rows = [["Compte", "Montant"], [611, 1200.5], [6064, 80], [21318, 15000]]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        assert df["Compte"].tolist() == ["611", "6064", "21318"]
        assert df.attrs["source"]["types"]["Compte"] == "code"

    def test_native_numbers_with_a_few_placeholders(self, tmp_path):
        # 1 200 montants natifs dont 3 « nd » et un texte « 1 234,5 » : une colonne de nombres
        amounts = [float(i) for i in range(1200)]
        cells = list(amounts)
        for i in (5, 500, 1000):
            cells[i] = "nd"
        cells[7] = "1 234,5"
        rows = [["Service", "Montant"]] + [["Voirie", v] for v in cells]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        assert df.attrs["source"]["types"]["Montant"] == "nombre"
        expected = sum(amounts) - 5 - 500 - 1000 - 7 + 1234.5
        assert df["Montant"].sum() == pytest.approx(expected)
        assert df["Montant"].isna().sum() == 3
        assert df.attrs["source"]["placeholders"]["Montant"] == 3

    def test_full_row_equal_to_sum_stays_a_record(self, tmp_path):
        # tableau long : la ligne « tous âges » vaut la somme des deux autres mais est complète
        rows = [["dep", "classe", "P"], ["01", "09", 3], ["01", "19", 4], ["01", "0", 7]]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        assert len(df) == 3 and not df.attrs["source"]["totals"]

    def test_total_column_checked(self, tmp_path):
        bad = [*RECORDS[:3], ["75056", "Paris", 5, 5, 11]]  # 5 + 5 ≠ 11
        df = _load(_xlsx(tmp_path / "t.xlsx", [HEADER, *bad]))
        (check,) = df.attrs["source"]["total_columns"]
        assert check["colonne"] == "Total" and check["parties"] == ["Janvier", "Février"]
        assert not check["verifie"] and check["lignes_en_ecart"] == 1 and check["exemple"] == 5
        assert any("« Total »" in d for d in kit.describe_reading(df).doubts)

    def test_keep_totals(self, tmp_path):
        rows = [HEADER, *RECORDS, ["Total", None, 65.5, 16, 81.5]]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows), keep_totals=True)
        assert len(df) == 5


class TestDescribeReading:
    def test_text_html_and_doubts(self, tmp_path):
        header = [*HEADER[:4], "<img src=x onerror=alert(1)>"]
        rows = [["Titre du tableau"], header, *RECORDS,
                ["Total", None, 65.5, 16, 81.5], ["Source : services"]]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        reading = kit.describe_reading(df)
        text = reading.to_text()
        assert "En-tête : ligne 2" in text and "Lignes de données gardées : 4" in text
        assert "totaux (1) : lignes Excel 7" in text and "notes (1) : lignes Excel 8" in text
        assert "total ligne 7 (lignes 3 à 6) : vérifié par le calcul" in text
        assert reading.doubts == []
        html = reading._repr_html_()
        assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
        assert str(reading) == text

    def test_formula_without_cached_value(self, tmp_path):
        rows = [HEADER, *RECORDS, ["Total", None, "=SUM(C2:C5)", "=SUM(D2:D5)", 81.5]]
        with pytest.warns(kit.ReadingDoubtWarning, match="formule"):
            df = kit.load_table(_xlsx(tmp_path / "t.xlsx", rows))
        assert df.attrs["source"]["uncached_formulas"] == 2

    def test_formula_with_cached_value_is_not_counted(self, tmp_path):
        # une formule enregistrée avec sa valeur (ce qu'écrit un tableur) : écrite ici à la
        # main dans le XML, comme Excel l'enregistre : <c><f>SUM(C2:C5)</f><v>65.5</v></c>
        path = _xlsx(tmp_path / "t.xlsx", [HEADER, *RECORDS, ["Total", None, 65.5, 16, 81.5]])
        with zipfile.ZipFile(path) as z:
            parts = {n: z.read(n) for n in z.namelist()}
        sheet = "xl/worksheets/sheet1.xml"
        parts[sheet] = parts[sheet].replace(
            b'<v>65.5</v>', b'<f>SUM(C2:C5)</f><v>65.5</v>', 1)
        assert b"<f>SUM" in parts[sheet]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, content in parts.items():
                z.writestr(name, content)
        df = _load(path)
        assert df.attrs["source"]["uncached_formulas"] == 0
        assert len(df) == 4

    def test_second_plausible_header(self, tmp_path):
        rows = [["Budget", "Service", "Montant"], ["Code", "Libellé", "Montant"],
                ["A", "x", 1], ["B", "y", 2], ["C", "z", 3]]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        assert any("Deux lignes" in d for d in kit.describe_reading(df).doubts)

    def test_rejected_csv_line_is_a_doubt(self, tmp_path):
        path = tmp_path / "t.csv"
        path.write_text("a;b;c\n1;2;3\n4;5;6;7;8;9\n7;8;9\n", encoding="utf-8")
        df = _load(path)
        reading = kit.describe_reading(df)
        if df.attrs["source"]["rejected_lines"]:
            assert any("rejetées" in d for d in reading.doubts)

    def test_restored_zeros_counted(self, tmp_path):
        rows = [["Code commune", "Montant"], [1053, 1], [1004, 2], [13055, 3]]
        df = _load(_xlsx(tmp_path / "t.xlsx", rows))
        assert df["Code commune"].tolist() == ["01053", "01004", "13055"]
        assert df.attrs["source"]["restored_zeros"] == {"Code commune": 2}
        assert "zéro de tête rétabli sur 2" in kit.describe_reading(df).to_text()

    def test_not_from_load_table(self):
        import pandas as pd

        with pytest.raises(DataError, match="load_table"):
            kit.describe_reading(pd.DataFrame({"a": [1]}))


class TestOverrides:
    @pytest.fixture
    def path(self, tmp_path):
        return _xlsx(tmp_path / "t.xlsx", [["Tableau"], [], HEADER, *RECORDS])

    def test_header_and_types(self, path):
        df = _load(path, header=3, types={"janvier": "texte", "Code commune": "code"})
        assert df.attrs["source"]["header_row"] == 3
        assert df.attrs["source"]["types"]["Janvier"] == "texte"
        assert df["Code commune"].tolist()[0] == "01053"

    def test_skip_rows(self, path):
        df = _load(path, skip_rows=2)
        assert df.attrs["source"]["header_row"] == 3 and len(df) == 4

    @pytest.mark.parametrize("kw, match", [
        ({"header": 2}, "vide"),
        ({"header": [3, 5]}, "se suivre"),
        ({"types": {"inconnue": "code"}}, "n'existe pas"),
        ({"types": {"Janvier": "monnaie"}}, "Type inconnu"),
        ({"skip_rows": [99]}, "absentes"),
    ])
    def test_contradictions_are_data_errors(self, path, kw, match):
        with pytest.raises(DataError, match=match):
            kit.load_table(path, **kw)

    def test_header_out_of_range(self, path):
        with pytest.raises(HeaderNotFoundError):
            kit.load_table(path, header=50)

    def test_sep_and_encoding(self, tmp_path):
        path = tmp_path / "t.csv"
        path.write_bytes("Commune|Montant\nÉvry|1,5\nSète|2\n".encode("cp1252"))
        df = _load(path, sep="|", encoding="cp1252")
        assert df["Commune"].tolist() == ["Évry", "Sète"]
        assert df["Montant"].sum() == pytest.approx(3.5)
        with pytest.raises(DataError, match="encodage"):
            kit.load_table(path, encoding="utf-8")


class TestWrittenForm:
    def test_validate_reports_the_file_as_sent(self, tmp_path):
        path = tmp_path / "t.csv"
        path.write_text("date;montant\n14/03/2023;27 000,00\n2023-03-15;12.5\n16/03/2023;3\n",
                        encoding="utf-8")
        schema = {"fields": [
            {"name": "date", "type": "date", "format": "%Y-%m-%d"},
            {"name": "montant", "type": "number",
             "constraints": {"pattern": r"-?\d+(\.\d+)?"}}]}
        report = kit.validate(_load(path), schema)
        written = report.problems[report.problems["code"] == "forme-ecrite"]
        assert written["colonne"].tolist() == ["date", "montant"]
        assert written["cellule"].tolist() == ["A2", "B2"]
        assert "2 cellule(s)" in written["message"].iloc[0]
        assert "27 000,00" in written["message"].iloc[1]


class TestCommuneAndRegionCodes:
    """Codes écrits avec leurs zéros, partie communale d'un code INSEE, code de région nommé
    « Code INSEE … Région » : valeurs attendues lues dans les lignes écrites."""

    def test_written_zeros_kept_and_commune_part(self, tmp_path):
        p = tmp_path / "codes.csv"
        p.write_text("DEP;COM;REG;NCC;POP\n001;001;082;ABERGEMENT;776\n001;002;082;VAREY;248\n"
                     "002;004;022;ABBECOURT;514\n02A;004;094;AJACCIO;71361\n", encoding="utf-8")
        df = kit.load_table(p)
        assert df["COM"].tolist() == ["001", "002", "004", "004"]  # pas « 00001 »
        assert df["DEP"].tolist() == ["001", "001", "002", "02A"]
        assert df["REG"].tolist() == ["082", "082", "022", "094"]
        assert df.attrs["source"]["restored_zeros"] == {}

    def test_commune_part_stored_as_numbers(self, tmp_path):
        p = tmp_path / "codes.csv"
        p.write_text("dep,com,libelle,montant\n1,1,Abergement,100\n1,2,Varey,200\n"
                     "2,4,Abbecourt,300\n2,104,Autre,400\n", encoding="utf-8")
        df = kit.load_table(p)
        assert df["dep"].tolist() == ["01", "01", "02", "02"]
        assert df["com"].tolist() == ["001", "002", "004", "104"]

    def test_region_code_named_like_an_insee_code(self, tmp_path):
        p = tmp_path / "regions.csv"
        p.write_text("Code Insee 2024 Région;Région;Montant\n76;Occitanie;10\n1;Guadeloupe;20\n"
                     "84;Auvergne-Rhône-Alpes;30\n", encoding="utf-8")
        df = kit.load_table(p)
        assert df["Code Insee 2024 Région"].tolist() == ["76", "01", "84"]


def test_notes_under_a_two_column_table(tmp_path):
    """Tableau de deux colonnes : « Source : … » et « (1) … » sous la dernière ligne complète
    sont des notes ; un enregistrement sans montant au milieu reste un enregistrement."""
    p = tmp_path / "deux.csv"
    p.write_text("Titre du tableau\n\nService;Montant\nA;10\nB;\nC;30\nTotal;40\n"
                 "Source : service financier\n(1) montants en euros\n", encoding="utf-8")
    df = kit.load_table(p)
    assert list(df.index) == [4, 5, 6]  # A, B (sans montant), C
    motifs = {d["ligne"]: d["motif"] for d in df.attrs["source"]["dropped"]}
    assert motifs == {7: "total", 8: "note", 9: "note"}
    assert df["Montant"].sum() == 40
