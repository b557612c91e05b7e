"""Les choix imposés au lecteur depuis une entrée de « fichiers » de la configuration
(entete, lignes_ignorees, types, garder_totaux, separateur, encodage) arrivent à `load_table`."""

from __future__ import annotations

from pathlib import Path

from kit.workspace import load_all, load_config


def _config(tmp_path: Path, extra: str) -> Path:
    # Fichier écrit à la main : une ligne de titre, l'en-tête en ligne 2, un code commune
    # à zéro initial stocké sans guillemets, deux enregistrements (10 + 20 = 30).
    (tmp_path / "montants.csv").write_text(
        "Export du 01/02/2026\ncode;montant\n01053;10\n01004;20\n", encoding="utf-8")
    (tmp_path / "schema.json").write_text(
        '{"fields": [{"name": "code", "type": "string"}, {"name": "montant", "type": "number"}]}',
        encoding="utf-8")
    path = tmp_path / "collectivite.yaml"
    path.write_text("nom: Essai\nfictif: true\nfichiers:\n- fichier: montants.csv\n"
                    "  service: Finances\n  schema: schema.json\n" + extra, encoding="utf-8")
    return path


def test_entete_et_types_imposes(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "  entete: 2\n  separateur: ';'\n"
                                           "  types: {code: code, montant: nombre}\n"))
    tables, summary = load_all(config)
    df = tables["montants.csv"]
    assert list(df["code"]) == ["01053", "01004"]
    assert float(df["montant"].sum()) == 30.0
    assert summary["problème"].iloc[0] == ""


def test_entete_contredit_par_le_fichier(tmp_path: Path) -> None:
    """Une ligne d'en-tête vide imposée : erreur en français dans le résumé, pas d'exception."""
    path = _config(tmp_path, "  entete: 9\n")
    tables, summary = load_all(load_config(path))
    assert "montants.csv" not in tables
    assert summary["problème"].iloc[0]
