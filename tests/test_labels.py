"""En-têtes et valeurs des tableaux écrits pour un élu (kit._format, kit._format.fmt_period).

Les valeurs attendues sont écrites à la main : ce qu'un lecteur doit lire."""

from __future__ import annotations

import re

import pandas as pd

from kit import charts
from kit._format import fmt_period, humanize_table, label_column, label_value


class TestFmtPeriod:
    def test_quarters_and_months(self) -> None:
        assert fmt_period("2023Q4") == "4e trimestre 2023"
        assert fmt_period("2024Q1") == "1er trimestre 2024"
        assert fmt_period("2025-12") == "décembre 2025"
        assert fmt_period("2025-01") == "janvier 2025"

    def test_not_a_period(self) -> None:
        for value in ("2025", "2025-13", "ECL-01", "2023Q5", "", "dsp-sans-clause"):
            assert fmt_period(value) is None, value


class TestLabels:
    def test_known_and_unknown_headers(self) -> None:
        assert label_column("ecart_mediane_pct") == "Écart à la médiane (%)"
        assert label_column("zscore") == "Score z"
        assert label_column("taux_de_charge_2024") == "Taux de charge 2024"
        assert label_column("% lignes valides") == "% lignes valides"
        assert label_column("service") == "Service"

    def test_values(self) -> None:
        assert label_value("dsp-sans-clause") == "délégataire sans clause sur les données"
        assert label_value("periode-incomplete") == "période incomplète"
        assert label_value("2023Q4") == "4e trimestre 2023"
        assert label_value(False) == "non"
        assert label_value("Eau") == "Eau" and label_value(3.5) == 3.5

    def test_one_word_codes_only_in_code_column(self) -> None:
        df = pd.DataFrame({"code": ["requis"], "message": ["requis"]})
        out = humanize_table(df)
        assert out.iloc[0].tolist() == ["valeur obligatoire manquante", "requis"]

    def test_input_not_modified(self) -> None:
        df = pd.DataFrame({"mode_acces": ["dsp-sans-clause"], "valeur": [1.5]})
        before = df.copy()
        humanize_table(df)
        pd.testing.assert_frame_equal(df, before)


def test_style_table_headers_are_words() -> None:
    df = pd.DataFrame({"libelle": ["Éclairage"], "ecart_mediane_pct": [12.5],
                       "code": ["dsp-sans-clause"], "periode": ["2025-12"], "alerte": [True]})
    html = charts.style_table(df).to_html()
    headers = re.findall(r"<th[^>]*>(.*?)</th>", html)
    assert headers == ["Libellé", "Écart à la médiane (%)", "Code", "Période", "Alerte"]
    assert "délégataire sans clause sur les données" in html and "dsp-sans-clause" not in html
    assert "décembre 2025" in html and ">oui<" in html
