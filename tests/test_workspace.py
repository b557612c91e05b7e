"""Tests de kit.workspace : configuration de la collectivité et chargement des fichiers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kit.errors import ConfigError
from kit.workspace import SUMMARY_COLUMNS, load_all, load_config, reading_doubts

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = ROOT / "data" / "samples" / "collectivite.yaml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "collectivite.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class TestLoadConfig:
    def test_entries_resolved_from_yaml_folder(self, tmp_path: Path) -> None:
        path = _write(
            tmp_path,
            "nom: Clairval\nfichiers:\n"
            "  - fichier: eau/releves.xlsx\n    service: Eau\n    schema: eau\n    feuille: 2024\n"
            "  - path: dechets/tonnages.csv\n    service: Déchets\n    schema: dechets\n",
        )
        config = load_config(path)
        first, second = config["fichiers"]
        assert first["chemin"] == str(tmp_path / "eau" / "releves.xlsx")
        assert first["feuille"] == "2024"
        assert second["fichier"] == "dechets/tonnages.csv" and second["feuille"] is None
        assert config["nom"] == "Clairval"

    def test_missing_keys_all_named(self, tmp_path: Path) -> None:
        path = _write(
            tmp_path,
            "fichiers:\n  - fichier: a.csv\n    service: Eau\n"
            "  - service: Déchets\n    schema: d\n",
        )
        with pytest.raises(ConfigError) as info:
            load_config(path)
        message = str(info.value)
        assert "a.csv : clé(s) manquante(s) : schema" in message
        assert "entrée n° 2 : clé(s) manquante(s) : fichier" in message

    def test_missing_fichiers(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="clé manquante ou vide : « fichiers »"):
            load_config(_write(tmp_path, "nom: Clairval\n"))

    def test_invalid_yaml_and_absent_file(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="n'est pas un YAML valide"):
            load_config(_write(tmp_path, "fichiers: [a\n"))
        with pytest.raises(ConfigError, match="introuvable"):
            load_config(tmp_path / "absent.yaml")


def test_path_from_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not SAMPLE_CONFIG.is_file():
        pytest.skip(f"{SAMPLE_CONFIG} absent : générez d'abord les fichiers d'exemple")
    monkeypatch.chdir(tmp_path)
    config = load_config("data/samples/collectivite.yaml")
    assert config["_dossier"] == str(SAMPLE_CONFIG.parent)


def test_load_all_on_samples() -> None:
    if not SAMPLE_CONFIG.is_file():
        pytest.skip(f"{SAMPLE_CONFIG} absent : générez d'abord les fichiers d'exemple")
    config = load_config(SAMPLE_CONFIG)
    tables, summary = load_all(config)
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert len(summary) == len(config["fichiers"])
    readable = summary[summary["problème"] == ""]
    assert len(tables) == len(readable)
    assert (readable["lignes lues"] > 0).all()
    assert readable["% lignes valides"].between(0, 100).all()


def test_reading_doubts_listed_per_file(tmp_path):
    # le fichier des parkings de Clairval compte une valeur « nd » dans un sous-total
    # (SAMPLES.md) : un doute au moins, en français, et le même nombre dans le résumé
    config = load_config(SAMPLE_CONFIG)
    tables, summary = load_all(config)
    doubts = reading_doubts(tables)
    assert list(doubts.columns) == ["fichier", "doute"]
    parkings = doubts[doubts["fichier"].str.contains("parkings")]
    assert len(parkings) >= 1 and parkings["doute"].str.contains("total").all()
    per_file = summary.set_index("fichier")["doutes de lecture"]
    assert int(per_file["mobilites/frequentation_parkings_2023_2025.csv"]) == len(parkings)
