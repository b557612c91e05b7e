"""Tests de kit.quality : profil, doublons, fraîcheur, données personnelles jamais affichées."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kit.quality import detect_personal_data, profile


class TestDetectPersonalData:
    @pytest.mark.parametrize("values, kind", [
        (["1 85 03 75 112 004 27", "185037511200427", "2 91 12 2A 004 123 45"], "NIR"),
        (["06 12 34 56 78", "+33 6 98 76 54 32", "04.67.42.40.74"], "téléphone"),
        (["jeanne.martin@exemple.fr", "p.durand@exemple.fr", None], "e-mail"),
        (["FR76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"], "IBAN"),
        (["12 rue des Lilas", "3 bis avenue Jean Jaurès", "Lyon"], "adresse"),
    ])
    def test_by_values_with_neutral_name(self, values, kind):
        assert detect_personal_data(pd.Series(values), "colonne_3") == kind

    @pytest.mark.parametrize("name, kind", [
        ("Nom", "nom/prénom"), ("Prénom", "nom/prénom"),
        ("Date de naissance", "date de naissance"),
        ("Courriel", "e-mail"), ("Tél. portable", "téléphone"), ("N° de sécurité sociale", "NIR"),
        ("Adresse postale", "adresse"), ("IBAN", "IBAN"),
    ])
    def test_by_name(self, name, kind):
        assert detect_personal_data(pd.Series(["x", "y"]), name) == kind

    @pytest.mark.parametrize("name, values", [
        ("code_insee", ["07999", "01039"]), ("siret", ["21860194600000", "38047555800058"]),
        ("montant", ["0612345678.5", "12"]), ("nom_commune", ["Clairval", "Lyon"]),
        ("voie", ["rue des Lilas", "avenue Foch"]), ("numero_dossier", ["PC 007999 24 00012"]),
    ])
    def test_no_false_alarm(self, name, values):
        assert detect_personal_data(pd.Series(values), name) is None

    def test_iban_needs_valid_check_digits(self):
        assert detect_personal_data(pd.Series(["FR7630006000011234567890188"]), "ref") is None


class TestProfile:
    def test_columns_and_summary(self):
        df = pd.DataFrame({
            "commune": ["Clairval", "Clairval", "Aurore", None],
            "montant": [10.0, 10.0, 25.5, None],
            "date": pd.to_datetime(["2024-01-31", "2024-01-31", "2025-03-02", None]),
            "courriel": ["a@exemple.fr", "a@exemple.fr", "b@exemple.fr", None],
        }, index=pd.RangeIndex(2, 6, name="ligne"))
        p = profile(df)
        cols = p.columns.set_index("colonne")
        assert cols.loc["commune", "type"] == "texte"
        assert cols.loc["montant", "type"] == "nombre"
        assert cols["remplissage_pct"].tolist() == [75.0] * 4
        assert cols["valeurs_distinctes"].tolist() == [2, 2, 2, 2]
        assert cols.loc["commune", "exemples"] == "Clairval ; Aurore"
        assert (cols.loc["montant", "min"], cols.loc["montant", "max"]) == (10.0, 25.5)
        assert cols.loc["date", "date_la_plus_recente"] == pd.Timestamp("2025-03-02")
        assert cols.loc["courriel", "donnees_personnelles"] == "e-mail"
        assert cols.loc["courriel", "exemples"] is None
        assert p.summary == {
            "lignes": 4, "colonnes": 4, "lignes_dupliquees": 1, "completude_pct": 75.0,
            "date_la_plus_recente": pd.Timestamp("2025-03-02"),
            "colonnes_donnees_personnelles": {"courriel": "e-mail"}}

    def test_uses_loader_types(self):
        df = pd.DataFrame({"code": ["07999", "01039"]})
        df.attrs["source"] = {"types": {"code": "code"}}
        assert profile(df).columns.loc[0, "type"] == "code"

    def test_personal_values_never_shown(self):
        secrets = ["Ferrandiou", "hippolyte.ferrandiou@exemple.fr", "07 41 96 89 88",
                   "1 91 01 75 116 636 37", "25/01/1991"]
        df = pd.DataFrame({
            "Nom": ["Ferrandiou", "Martin"],
            "contact": ["hippolyte.ferrandiou@exemple.fr", "m@exemple.fr"],
            "Téléphone": ["07 41 96 89 88", "06 00 00 00 01"],
            "numéro": ["1 91 01 75 116 636 37", "2 85 03 75 112 004 27"],
            "Date de naissance": pd.to_datetime(["1991-01-25", "1980-02-01"]),
            # un e-mail glissé dans une colonne libre : jamais repris en exemple
            "observations": ["rappeler hippolyte.ferrandiou@exemple.fr", "ok"],
        })
        p = profile(df)
        shown = p.to_text() + p._repr_html_() + p.columns.astype(str).to_string()
        for value in secrets + ["1991", "1980"]:
            assert value not in shown
        assert p.columns.set_index("colonne").loc["observations", "exemples"] == "ok"
        assert set(p.summary["colonnes_donnees_personnelles"]) == {
            "Nom", "contact", "Téléphone", "numéro", "Date de naissance"}

    def test_html_escapes(self):
        p = profile(pd.DataFrame({"<b>": ["<script>alert(1)</script>"]}))
        html = p._repr_html_()
        assert "<script>" not in html and "<b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_empty(self):
        p = profile(pd.DataFrame({"a": pd.Series([], dtype="str")}))
        assert p.summary["lignes"] == 0 and p.summary["completude_pct"] is None


def test_sample_traps_never_leak(tmp_path):
    """Fichiers d'exemple : colonnes personnelles détectées, aucune valeur piège affichée."""
    samples = pytest.importorskip("tools.samples")
    from kit.io import load_table

    samples.generate_samples(tmp_path)
    traps = json.loads((tmp_path / "pieges.json").read_text("utf-8"))
    personal = traps["donnees_personnelles"]
    assert personal
    df = load_table(tmp_path / "ccas" / "beneficiaires_aides_2025.xlsx")
    p = profile(df)
    assert set(p.summary["colonnes_donnees_personnelles"].values()) >= {
        "nom/prénom", "e-mail", "téléphone", "NIR", "date de naissance"}
    shown = p.to_text() + p._repr_html_() + p.columns.astype(str).to_string()
    assert [v for v in personal if v in shown] == []
    # détection par les valeurs seules, colonnes renommées
    neutral = df.rename(columns={c: f"col{i}" for i, c in enumerate(df.columns)})
    kinds = profile(neutral).summary["colonnes_donnees_personnelles"]
    assert set(kinds.values()) >= {"e-mail", "téléphone", "NIR"}
