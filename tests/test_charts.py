"""Tests du style graphique du kit : formats français, titres calculés, mise en avant de la
collectivité, export PNG/SVG pour les diapositives."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from kit import charts


class TestFrenchFormats:
    @pytest.mark.parametrize(("value", "decimals", "text"), [
        (1234.5, 1, "1\u202f234,5"), (1234567, 0, "1\u202f234\u202f567"), (-0.25, 2, "-0,25"),
        (None, 1, "—"), (float("nan"), 1, "—")])
    def test_numbers(self, value: float | None, decimals: int, text: str) -> None:
        assert charts.fmt_number(value, decimals) == text

    def test_percent_and_dates(self) -> None:
        assert charts.fmt_percent(12.5, 1) == "12,5\u00a0%"
        assert charts.fmt_date(dt.date(2026, 3, 3)) == "3 mars 2026"
        assert charts.fmt_date("2026-08-01") == "1er août 2026"

    def test_short_axis(self) -> None:
        assert charts.short_axis("Organisation, compétences et acculturation") == "Organisation"
        assert charts.short_axis("Coopération avec les partenaires et les territoires") == \
            "Coopération"

    def test_plotly_template_separators(self) -> None:
        assert charts.KIT_TEMPLATE.layout.separators == ", "


def test_style_table_years_without_thousands_separator() -> None:
    html = charts.style_table(pd.DataFrame({"annee": [2025], "valeur": [1234.5]})).to_html()
    assert ">2025<" in html and "2\u202f025" not in html and "1\u202f234,5" in html


class TestSource:
    def test_source_and_date_under_plotly_chart(self) -> None:
        fig = charts.add_source(go.Figure(), "inventaires", dt.date(2026, 1, 15))
        assert fig.layout.annotations[0].text == "Source : inventaires, au 15 janvier 2026"

    def test_source_under_matplotlib_chart(self) -> None:
        import matplotlib.pyplot as plt

        fig = plt.figure()
        charts.add_source(fig, "questionnaires")
        assert [t.get_text() for t in fig.texts] == ["Source : questionnaires"]
        plt.close(fig)


class TestDiagnosticCharts:
    def test_titles_state_the_finding(self) -> None:
        fresh = pd.DataFrame({"service_producteur": ["Eau", "Eau", "CCAS"],
                              "statut": ["à jour", "en retard", "en retard"]})
        fig = charts.plot_freshness(fresh)
        assert fig.layout.title.text.startswith("2 jeux de données sur 3 ne sont plus à jour")
        # un tracé par statut, dans l'ordre à jour / en retard / date inconnue
        assert [t.name for t in fig.data] == ["à jour", "en retard", "date inconnue"]

    def test_collectivity_is_highlighted(self) -> None:
        matrix = pd.DataFrame({"GOV": [2.0, 3.0, 1.0], "Ensemble": [2.0, 3.0, 1.0]},
                              index=["Moi", "P1", "P2"])
        matrix.attrs["collectivite"] = "Moi"
        fig = charts.plot_peer_position(matrix)
        own = [t for t in fig.data if t.name == "Moi"][0]
        assert own.marker.color == charts.HIGHLIGHT
        assert {t.marker.color for t in fig.data if t.name == "pairs"} == {charts.OTHERS}
        # sur 2 axes, la collectivité (2) n'est pas sous la médiane des pairs (2)
        assert "sur 0 axe(s) sur 2" in fig.layout.title.text
        heat = charts.plot_peers_heatmap(matrix)
        assert heat.data[0].y[0] == "<b>Moi</b>"
        assert heat.layout.title.text.startswith("Moi se place au 2e rang sur 3")

    def test_radar_needs_no_network_and_has_both_campaigns(self) -> None:
        levels = pd.DataFrame({
            "campagne": ["2024"] * 3 + ["2025"] * 3, "axe": ["A", "B", "Ensemble"] * 2,
            "score": [1.0, 2.0, 1.5, 2.0, 2.5, 2.25], "niveau": ["", "", "Initiation", "", "",
                                                              "Initiation"]})
        fig = charts.plot_radar(levels)
        assert [t.name for t in fig.data] == ["campagne 2024", "campagne 2025"]
        assert "Progrès le plus net depuis 2024 : A (+1,00)" in fig.layout.title.text
        html = charts.figure_html(fig, include_plotlyjs=True)
        assert not re.search(r"<script[^>]+src=[\"']?https?:", html)


class TestSave:
    def test_matplotlib_png_and_svg(self, tmp_path: Path) -> None:
        levels = pd.DataFrame({"campagne": ["2025"] * 3, "axe": ["A", "B", "Ensemble"],
                               "score": [2.0, 3.0, 2.5]})
        fig = charts.plot_radar_static(levels)
        paths = charts.save(fig, tmp_path / "radar")
        assert [p.name for p in paths] == ["radar.png", "radar.svg"]
        assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in paths[1].read_text(encoding="utf-8")[:500]

    def test_plotly_png_and_svg(self, tmp_path: Path) -> None:
        if not (shutil.which("chromium") or shutil.which("google-chrome")):
            pytest.skip("Chrome/Chromium absent : kaleido ne peut pas exporter de PNG plotly "
                        "(.ci/run installe Chromium)")
        fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]), layout={"title": "Essai"})
        png, svg = charts.save(fig, tmp_path / "barres.png")
        assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 5000
        assert "Essai" in svg.read_text(encoding="utf-8")


def test_style_table_booleans_in_french() -> None:
    html = charts.style_table(pd.DataFrame({"cas": ["a", "b", "c"],
                                            "accessible": pd.array([True, False, None],
                                                                   dtype="boolean")})).to_html()
    assert ">oui<" in html and ">non<" in html and ">—<" in html
    assert "True" not in html and "False" not in html
