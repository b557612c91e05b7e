"""Tests de la porte de sortie (kit._gate) : HTML échappé, formules neutralisées, données
personnelles masquées, reconnaissance en temps linéaire.

Les valeurs attendues sont établies à la main : clés du NIR et de l'IBAN calculées ici chiffre
par chiffre (méthode de Horner), CSV relu avec le module csv de la bibliothèque standard.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import pytest

from kit import charts, quality
from kit._gate import (
    MASK,
    escape_html,
    markdown_text,
    mask_frame,
    mask_personal,
    neutralise_cell,
    neutralise_frame,
    plotly_text,
)
from kit._personal import find_personal
from kit.comite import save_snapshot, snapshot
from kit.diagnostic import export_open_maturity
from kit.errors import DataError


def _mod97(digits: str) -> int:
    """Reste modulo 97 d'un grand nombre écrit en chiffres, un chiffre à la fois."""
    rest = 0
    for d in digits:
        rest = (rest * 10 + int(d)) % 97
    return rest


# NIR : sexe 2, né en 1969, mai, département 49, commune 588, rang 157 ; clé = 97 - (N mod 97)
NIR_BODY = "2690549588157"
NIR_KEY = 97 - _mod97(NIR_BODY)
NIR = f"{NIR_BODY}{NIR_KEY:02d}"
# IBAN : RIB fictif au format de La Banque Postale (lettre M = 22) ; clé = 98 - (BBAN FR00 mod 97)
BBAN = "20041010050500013M02606"
_IBAN_DIGITS = BBAN.replace("M", "22") + "1527" + "00"  # F = 15, R = 27
IBAN = f"FR{98 - _mod97(_IBAN_DIGITS):02d}{BBAN}"
EMAIL = "jeanne.martin@exemple.fr"
PHONE = "06 12 34 56 78"

HOSTILE = {
    "img": "<img src=x onerror=alert(1)>",
    "script": "<script>alert('x')</script>",
    "hyperlink": '=HYPERLINK("http://x")',
    "cmd": "=cmd|' /C calc'!A0",
    "plus": "+1+1",
    "at": "@SUM(1)",
    "minus_formula": "-2+3",
    "negative": "-12,5",
}
PERSONAL = {"email": EMAIL, "phone": PHONE, "nir": NIR, "iban": IBAN}


@pytest.fixture
def hostile() -> pd.DataFrame:
    values = list(HOSTILE.values()) + [f"écrire à {EMAIL}", f"tél. {PHONE}",
                                       f"NIR {NIR}", f"IBAN {IBAN} merci"]
    return pd.DataFrame({
        "<b onmouseover=alert(2)>titre</b>": values,
        "=1+1": range(len(values)),
        "montant": [-3.5] * len(values),
    })


def test_hand_computed_keys_are_consistent():
    # vérification indépendante : un IBAN est valide si (BBAN + pays + clé) mod 97 == 1
    moved = IBAN[4:].replace("M", "22") + "1527" + IBAN[2:4]
    assert _mod97(moved) == 1
    assert (_mod97(NIR_BODY) + NIR_KEY) % 97 == 0


class TestEscapeHtml:
    def test_quotes_and_tags(self):
        assert escape_html("<a href=\"x\" title='y'>&</a>") == (
            "&lt;a href=&quot;x&quot; title=&#x27;y&#x27;&gt;&amp;&lt;/a&gt;")
        assert escape_html(None) == ""

    def test_style_table_has_no_live_tag(self, hostile):
        html = charts.style_table(hostile).to_html()
        for tag in ("<img", "<script", "<b onmouseover"):
            assert tag not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        assert "&lt;b onmouseover=alert(2)&gt;titre&lt;/b&gt;" in html

    def test_style_table_masks_and_says_so(self, hostile):
        html = charts.style_table(hostile).to_html()
        for value in PERSONAL.values():
            assert value not in html
        assert "<caption>Données personnelles masquées" in html
        # lignes 9 à 12 du tableau (1 = première ligne), natures sans valeur
        assert "lignes 9, 10, 11, 12 (e-mail, téléphone, NIR, IBAN)" in html

    def test_plotly_figure_html_has_no_live_tag(self):
        fig = go.Figure(go.Bar(x=[HOSTILE["img"], "B"], y=[1, 2],
                               text=[HOSTILE["script"], "ok"], name=HOSTILE["img"]))
        fig.update_layout(title=f"{HOSTILE['img']}<br><sup>sous-titre</sup>")
        html = charts.figure_html(fig, include_plotlyjs=False)
        # plotly écrit « < » en \u003c dans son JSON : sans la porte, la balise y serait
        for tag in ("<img", "\\u003cimg", "<script>alert", "\\u003cscript"):
            assert tag not in html
        assert '"&lt;img src=x onerror=alert(1)&gt;"' in html
        # mise en forme écrite par le kit gardée
        assert "\\u003cbr\\u003e\\u003csup\\u003esous-titre\\u003c\\u002fsup\\u003e" in html

    def test_plotly_text_keeps_only_bare_tags(self):
        assert plotly_text("<a href='javascript:x'>a</a><b>b</b>") == (
            "&lt;a href='javascript:x'&gt;a&lt;/a&gt;<b>b</b>")
        assert plotly_text("<span style='background:url(x)'>") == (
            "&lt;span style='background:url(x)'&gt;")

    def test_markdown_synthesis(self):
        text = markdown_text(f"**Cas : {HOSTILE['img']}** — contact {EMAIL}")
        assert "<img" not in text and EMAIL not in text
        assert text == f"**Cas : &lt;img src=x onerror=alert(1)&gt;** — contact {MASK}"


class TestNeutralise:
    @pytest.mark.parametrize("value, expected", [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+1", "'+1+1"), ("@SUM(1)", "'@SUM(1)"), ("-2+3", "'-2+3"),
        ("\tx", "'\tx"), ("\rx", "'\rx"), ("-", "'-"), ("+33 6 12 34 56 78", "'+33 6 12 34 56 78"),
        # nombres écrits en texte : laissés tels quels
        ("-12,5", "-12,5"), ("-2", "-2"), ("-1 234,5", "-1 234,5"), ("-1\u202f234,5", "-1\u202f234,5"),
        ("+33", "+33"), ("-12,5 %", "-12,5 %"), ("-1.5e3", "-1.5e3"),
        ("Clairval", "Clairval"), ("", ""),
    ])
    def test_cell(self, value, expected):
        assert neutralise_cell(value) == expected

    @pytest.mark.parametrize("value", [-2, -12.5, None, dt.date(2025, 1, 1)])
    def test_non_text_untouched(self, value):
        assert neutralise_cell(value) is value

    def test_csv_reread_with_csv_module(self, hostile, tmp_path):
        path = tmp_path / "ouvert.csv"
        before = hostile.copy()
        neutralise_frame(hostile).to_csv(path, index=False, encoding="utf-8")
        pd.testing.assert_frame_equal(hostile, before)  # l'original n'est pas modifié
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        header, first = rows[0], [r[0] for r in rows[1:]]
        assert header == ["<b onmouseover=alert(2)>titre</b>", "'=1+1", "montant"]
        assert first[2:8] == ['\'=HYPERLINK("http://x")', "'=cmd|' /C calc'!A0", "'+1+1",
                              "'@SUM(1)", "'-2+3", "-12,5"]
        assert all(r[2] == "-3.5" for r in rows[1:])  # vrai nombre négatif intact
        assert not [c for r in rows for c in r if c[:1] in ("=", "+", "@")]

    def test_string_dtype_kept(self):
        df = pd.DataFrame({"a": pd.Series(["=1", None], dtype="str")})
        out = neutralise_frame(df)
        assert out["a"].dtype == df["a"].dtype and out["a"].iloc[0] == "'=1"


class TestMask:
    def test_mask_frame_removes_every_planted_value(self, hostile):
        masked, cells = mask_frame(hostile)
        text = masked.to_csv() + json.dumps(cells, ensure_ascii=False)
        for value in PERSONAL.values():
            assert value not in text
        assert [c["nature"] for c in cells] == ["e-mail", "téléphone", "NIR", "IBAN"]
        assert [c["ligne"] for c in cells] == [8, 9, 10, 11]
        assert masked.iloc[11, 0] == f"IBAN {MASK} merci"
        assert hostile.iloc[8, 0] == f"écrire à {EMAIL}"  # l'original n'est pas modifié

    def test_mask_personal_kinds(self):
        spaced_nir = " ".join([NIR[0], NIR[1:3], NIR[3:5], NIR[5:7], NIR[7:10], NIR[10:13],
                               NIR[13:]])
        text, kinds = mask_personal(f"{spaced_nir} / +33 6 98 76 54 32 / {IBAN.lower()}")
        assert text == f"{MASK} / {MASK} / {MASK}" and kinds == ["NIR", "téléphone", "IBAN"]

    def test_keys_are_checked(self):
        wrong_nir = NIR_BODY + f"{(NIR_KEY % 97) + 1:02d}"
        wrong_iban = IBAN[:2] + f"{(int(IBAN[2:4]) + 1) % 100:02d}" + IBAN[4:]
        assert mask_personal(f"réf. {wrong_nir}") == (f"réf. {wrong_nir}", [])
        assert mask_personal(f"réf. {wrong_iban}") == (f"réf. {wrong_iban}", [])
        # NIR à clé fausse mais écrit comme un NIR (faute de frappe) : masqué quand même
        assert mask_personal("1 85 03 75 112 004 27")[1] == ["NIR"]

    def test_no_false_alarm(self):
        for text in ["SIRET 21860194600000", "code 07999", "PC 007999 24 00012", "2025-03-01",
                     "montant 0612345678.5", "population 12 345"]:
            assert mask_personal(text) == (text, []), text


class TestLinearTime:
    """Motifs sans retour arrière sans borne : une cellule de 1 Mo se lit (pas de mesure de
    temps ici ; voir benchmarks/bench_profile.py)."""

    @pytest.mark.parametrize("cell", [
        "a" * 1_000_000,
        "a@" * 500_000,
        "a." * 500_000 + "@",
        "1 " * 500_000,
        "0612345678901 " * 70_000,
        "FR76" * 250_000,
        " " * 999_999 + "1",
        "1" + " " * 999_999 + "x",
    ])
    def test_one_megabyte_cell(self, cell):
        s = pd.Series([cell, "ok"])
        assert mask_personal(cell)[0] is not None
        assert quality.personal_fragments(s) in (0, 1)
        quality.detect_personal_data(s, "observations")
        quality.profile(pd.DataFrame({"observations": s}))

    def test_email_found_at_end_of_long_run(self):
        text = "x" * 200_000 + "@exemple.fr"
        assert find_personal(text) == [(0, len(text), "e-mail")]


class TestWiredOutputs:
    def test_maturity_export_refused_with_personal_data(self, tmp_path):
        answers = pd.DataFrame({"campagne": ["2025"] * 2, "axe": ["Gouvernance"] * 2,
                                "code": ["GOV-1", "GOV-2"], "reponse": [2, 3]})
        target = tmp_path / "maturite_ouverte_2025.csv"
        with pytest.raises(DataError, match="non écrit.*collectivite"):
            export_open_maturity(answers, target, collectivite=f"Mairie ({EMAIL})",
                                 type_collectivite="commune", strate="1")
        assert not target.exists()
        out = export_open_maturity(answers, target, collectivite="=Clairval",
                                   type_collectivite="commune", strate="-1")
        with target.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows[0]["collectivite"] == "'=Clairval" and rows[0]["strate"] == "-1"
        assert out["collectivite"].iloc[0] == "=Clairval"  # le tableau rendu reste intact

    def test_committee_record_masked(self, tmp_path):
        decisions = pd.DataFrame({"priorité": [1], "étape": ["diagnostic"],
                                  "sujet": [f"Rappeler {PHONE}"], "décision": [f"Écrire à {EMAIL}"]})
        figures = pd.DataFrame({"sujet": ["Jeux"], "valeur": [NIR], "lecture": ["x"]})
        record = snapshot("Clairval", dt.date(2026, 1, 5), figures, decisions,
                          pd.Series({"K1": "à jour"}))
        text = save_snapshot(record, tmp_path).read_text(encoding="utf-8")
        assert PHONE not in text and EMAIL not in text and NIR not in text
        assert f"Rappeler {MASK}" in text

    def test_open_data_export_neutralised(self, tmp_path):
        from kit import comite

        summary = pd.DataFrame([{
            "code": "K1", "libelle": HOSTILE["hyperlink"], "secteur": "@SUM(1)", "unite": "%",
            "frequence": "annuelle", "sens": "hausse", "cible": 1.0, "echeance": "2026-12-31",
            "derniere_periode": "2025", "derniere_valeur": -2.5, "statut": "à jour",
            "ecart_cible": -1.0}])
        values = pd.DataFrame([{"code": "K1", "periode": "2025", "fin": "2025-12-31",
                                "valeur": -2.5, "attendu": None, "statut": "à jour"}])
        c = SimpleNamespace(kpis=SimpleNamespace(summary=summary, values=values),
                            diag=SimpleNamespace(open_results=None), positions=None,
                            collectivite="Clairval", date=dt.date(2026, 1, 5))
        comite.export_open_data(c, tmp_path)
        with (tmp_path / "indicateurs_suivi.csv").open(encoding="utf-8", newline="") as f:
            row = next(csv.DictReader(f))
        assert row["libelle"] == '\'=HYPERLINK("http://x")' and row["secteur"] == "'@SUM(1)"
        assert row["derniere_valeur"] == "-2.5"
