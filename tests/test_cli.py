"""Tests de ``python -m kit valider`` : codes de sortie et sorties en français."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCDL = ROOT.parent / "shared" / "data" / "scdl"


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "kit", *args], capture_output=True, text=True,
                          encoding="utf-8", cwd=ROOT, env=env, timeout=120)


@pytest.fixture
def schema(tmp_path) -> Path:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps({"fields": [
        {"name": "commune", "type": "string", "constraints": {"required": True}},
        {"name": "montant", "type": "number", "constraints": {"minimum": 0}},
    ]}), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join(["commune,montant", *rows]) + "\n", encoding="utf-8")
    return path


def test_valid_file_exit_0(tmp_path, schema):
    csv = write_csv(tmp_path / "ok.csv", ["Clairval,12.5", "Aurore,3"])
    res = run("valider", str(csv), "--schema", str(schema))
    assert res.returncode == 0, res.stderr
    assert "Fichier conforme au schéma." in res.stdout
    assert "2 ligne(s) valide(s) sur 2 (100,0\u00a0%)" in res.stdout


def test_errors_exit_1_with_cells(tmp_path, schema):
    csv = write_csv(tmp_path / "ko.csv", ["Clairval,12.5", ",-4", "Aurore,douze"])
    res = run("valider", str(csv), "--schema", str(schema))
    assert res.returncode == 1, res.stderr
    assert "Fichier NON conforme" in res.stdout
    assert "La cellule A3 (colonne « commune ») est vide" in res.stdout
    assert "La cellule B3 (colonne « montant ») contient « -4 »" in res.stdout
    assert "La cellule B4 (colonne « montant ») contient « douze » : un nombre est attendu" \
        in res.stdout
    assert "Traceback" not in res.stderr


UNREADABLE = {"absent.csv": None, "vide.csv": b"", "abime.xlsx": b"PK\x03\x04 pas un classeur"}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_unreadable_exit_2(tmp_path, schema, name):
    path = tmp_path / name
    if UNREADABLE[name] is not None:
        path.write_bytes(UNREADABLE[name])
    res = run("valider", str(path), "--schema", str(schema))
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr.startswith("Erreur : ")
    assert path.name in res.stderr
    assert "Traceback" not in res.stderr


def test_unknown_schema_exit_2(tmp_path):
    csv = write_csv(tmp_path / "ok.csv", ["Clairval,1"])
    res = run("valider", str(csv), "--schema", "schema_inexistant")
    assert res.returncode == 2
    assert "Schéma « schema_inexistant » inconnu" in res.stderr


def test_without_schema_prints_profile(tmp_path):
    csv = tmp_path / "contacts.csv"
    csv.write_text("nom,courriel\nMartin,jeanne.martin@exemple.fr\nDurand,p.durand@exemple.fr\n",
                   encoding="utf-8")
    res = run("valider", str(csv))
    assert res.returncode == 0, res.stderr
    assert "Lignes : 2 ; colonnes : 2" in res.stdout
    assert "courriel (e-mail)" in res.stdout
    assert "jeanne.martin@exemple.fr" not in res.stdout


def test_help_and_usage_in_french():
    res = run("valider", "--help")
    assert res.returncode == 0
    assert "utilisation : python -m kit valider" in res.stdout
    assert "nom d'un schéma du kit ou chemin d'un fichier JSON" in res.stdout
    res = run("valider")
    assert res.returncode == 2
    assert "arguments obligatoires manquants" in res.stderr


def test_scdl_example(tmp_path):
    if not SCDL.is_dir():
        pytest.skip(f"../shared absent : {SCDL} introuvable")
    schema = SCDL / "subventions" / "schema.json"
    ok = run("valider", str(SCDL / "subventions/examples/exemple_valide.csv"), "--schema",
             str(schema))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "non vérifié : french-siret-value (idAttribuant)" in ok.stdout
    bad = run("valider", str(SCDL / "subventions/examples/exemple_invalide_erreurs_cellules.csv"),
              "--schema", str(schema))
    assert bad.returncode == 1
    assert "La cellule G5 (colonne « rnaBeneficiaire ») contient « W3222 »" in bad.stdout


def test_main_in_process(tmp_path, schema, capsys):
    from kit.__main__ import main

    csv = write_csv(tmp_path / "ok.csv", ["Clairval,1"])
    assert main(["valider", str(csv), "--schema", str(schema)]) == 0
    assert "Fichier conforme" in capsys.readouterr().out


def test_valider_shows_the_reading_summary_and_doubts(tmp_path):
    # un guillemet jamais fermé ligne 3 : le compte rendu de lecture le dit, en français,
    # avant le profil ; aucune trace d'avertissement Python brut
    path = tmp_path / "q.csv"
    path.write_text('code;libelle;montant\n01001;a;10\n01002;"b;20\n01003;c;30\n',
                    encoding="utf-8")
    res = run("valider", str(path))
    assert res.returncode == 0
    out, err = res.stdout, res.stderr
    assert "Lignes de données gardées : 3" in out
    assert "Doutes :" in out and "guillemet jamais fermé" in out
    assert out.index("Doutes :") < out.index("Profil de")
    assert "ReadingDoubtWarning" not in out + err
