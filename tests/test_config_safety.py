"""Configuration de la collectivité face à un utilisateur distrait ou malveillant.

Lecture YAML (`kit.workspace._config_yaml`) : codes lus tels qu'écrits, clés en double, alias bornés.
Contrôles (`kit.workspace._config_check`) : types, codes INSEE, clés inconnues, chemins dans le dossier.
Diagnostic : dossier d'inventaires ou de questionnaires qui ne contient pas les bons fichiers.

Les valeurs attendues sont établies à la main : le code INSEE de Bourg-en-Bresse est 01053
(insee.fr) ; YAML 1.1 lit 01053 comme l'octal 555 (1×512 + 0×64 + 5×8 + 3) et 0750 comme 488
(7×64 + 5×8) ; le 31 février n'existe pas.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from kit.errors import ConfigError, ConfigWarning, KitError, KitWarning
from kit.workspace import load_config, section_paths
from kit.workspace._config_yaml import MAX_ALIASES, MAX_BYTES, read_config_yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = ROOT / "data" / "samples" / "collectivite.yaml"
FILES = "fichiers:\n- fichier: eau/releves.csv\n  service: Eau\n  schema: eau\n"


def _write(folder: Path, text: str, name: str = "collectivite.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _load_quiet(path: Path) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        return load_config(path)


def _problems(path: Path) -> str:
    with pytest.raises(ConfigError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        load_config(path)
    return str(info.value)


# --------------------------------------------------------------------------- 1. codes
class TestCodesAsWritten:
    def test_yaml_trap_exists(self) -> None:
        # Le piège : le chargeur standard convertit les codes (calcul à la main ci-dessus).
        assert yaml.safe_load("a: 01053\nb: 0750") == {"a": 555, "b": 488}

    @pytest.mark.parametrize("written", ["01053", "'01053'", '"01053"', "!!int 01053"])
    def test_code_insee_whatever_the_quoting(self, tmp_path: Path, written: str) -> None:
        config = load_config(_write(tmp_path, f"code_insee: {written}\n" + FILES))
        assert config["code_insee"] == "01053"

    def test_code_keys_and_lists(self, tmp_path: Path) -> None:
        path = _write(tmp_path, "siren: 0750\ncode_postal: 01000\ncodes: [01053, '0750', 2A004]\n"
                                "code_commune_fusionnee: 0750\nepci:\n  siren: 0750\n"
                                "  codes_membres:\n  - 01053\n  - 0750\n"
                                "population: 0750\n")
        data, _ = read_config_yaml(path)
        assert data["siren"] == "0750" and data["code_postal"] == "01000"
        assert data["codes"] == ["01053", "0750", "2A004"]
        assert data["code_commune_fusionnee"] == "0750"
        assert data["epci"] == {"siren": "0750", "codes_membres": ["01053", "0750"]}
        assert data["population"] == 488  # pas une clé de code : nombre YAML ordinaire

    def test_sheet_names_and_keys_as_written(self, tmp_path: Path) -> None:
        path = _write(tmp_path, FILES + "  feuille: 0750\n- fichier: b.xlsx\n  service: Eau\n"
                                        "  schema: eau\n  feuille: 2024.10\n"
                                        "diagnostic:\n  maturite:\n    2024: maturite_2024\n")
        config = _load_quiet(path)
        assert [e["feuille"] for e in config["fichiers"]] == ["0750", "2024.10"]
        assert config["diagnostic"]["maturite"] == {"2024": "maturite_2024"}

    def test_empty_code_is_none(self, tmp_path: Path) -> None:
        data, _ = read_config_yaml(_write(tmp_path, "code_insee:\nfeuille: ~\n"))
        assert data == {"code_insee": None, "feuille": None}


# --------------------------------------------------------------------------- 2. alias
class TestAliases:
    def test_billion_laughs_refused(self, tmp_path: Path) -> None:
        # 9 niveaux de 9 alias : 81 alias seulement, mais 9**9 valeurs une fois développés.
        lines = ["a0: &a0 [rire, rire, rire, rire, rire, rire, rire, rire, rire]"]
        for level in range(1, 10):
            lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
        with pytest.raises(ConfigError, match="billion laughs"):
            load_config(_write(tmp_path, "\n".join(lines) + "\n" + FILES))

    def test_too_many_aliases(self, tmp_path: Path) -> None:
        text = "base: &b x\nliste:\n" + "".join("- *b\n" for _ in range(MAX_ALIASES + 1))
        with pytest.raises(ConfigError, match=f"plus de {MAX_ALIASES} alias"):
            load_config(_write(tmp_path, text + FILES))

    def test_recursive_alias(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="alias récursif"):
            load_config(_write(tmp_path, "a: &a [1, *a]\n" + FILES))

    def test_reasonable_alias_allowed(self, tmp_path: Path) -> None:
        text = ("fichiers:\n- &eau\n  fichier: eau/a.csv\n  service: Eau\n  schema: eau\n"
                "- <<: *eau\n  fichier: eau/b.csv\n")
        config = load_config(_write(tmp_path, text))
        assert [(e["fichier"], e["service"]) for e in config["fichiers"]] == [
            ("eau/a.csv", "Eau"), ("eau/b.csv", "Eau")]


# --------------------------------------------------------------------------- 3. doublons
class TestDuplicateKeys:
    def test_top_level(self, tmp_path: Path) -> None:
        text = FILES + "nom: A\n" + FILES
        with pytest.raises(ConfigError, match=r"« fichiers » en double \(lignes 1 et 6\)"):
            load_config(_write(tmp_path, text))

    def test_nested_and_all_listed(self, tmp_path: Path) -> None:
        text = (FILES + "  service: Déchets\ndiagnostic:\n  date: '2026-01-15'\n"
                "  date: '2026-02-01'\n")
        message = str(pytest.raises(ConfigError, load_config, _write(tmp_path, text)).value)
        assert "« service » en double (lignes 3 et 5)" in message
        assert "« date » en double (lignes 7 et 8)" in message


# --------------------------------------------------------------------------- 4. types
class TestTypes:
    @pytest.mark.parametrize("value", ["quarante mille", "-5", "0", "42000.5", "true", ".inf",
                                       "99999999999999999999"])
    def test_population(self, tmp_path: Path, value: str) -> None:
        message = _problems(_write(tmp_path, f"population: {value}\n" + FILES))
        assert "« population » (ligne 1)" in message and "entier positif" in message

    @pytest.mark.parametrize("value", ["hier", "31/02/2026", "'2026-02-30'", "2026-13-01x"])
    def test_bad_dates(self, tmp_path: Path, value: str) -> None:
        message = _problems(_write(tmp_path, FILES + f"diagnostic:\n  date: {value}\n"))
        assert "« diagnostic.date » (ligne 6)" in message and "AAAA-MM-JJ" in message

    @pytest.mark.parametrize("value", ["15/01/2026", "'2026-01-15'", "2026-01-15"])
    def test_good_dates_normalised(self, tmp_path: Path, value: str) -> None:
        config = _load_quiet(_write(tmp_path, FILES + f"indicateurs:\n  date: {value}\n"))
        assert config["indicateurs"]["date"] == "2026-01-15"

    def test_impossible_unquoted_date_anywhere(self, tmp_path: Path) -> None:
        # 2026-02-31 non cité sous une clé quelconque : le chargeur YAML lèverait ValueError.
        with pytest.raises(ConfigError, match="ligne 1"):
            _load_quiet(_write(tmp_path, "autre: 2026-02-31\n" + FILES))

    def test_years(self, tmp_path: Path) -> None:
        message = _problems(_write(tmp_path, "exercice: vingt\nmillesime_geographique: 20251\n"
                                   + FILES))
        assert "« exercice » (ligne 1)" in message
        assert "« millesime_geographique » (ligne 2)" in message
        config = load_config(_write(tmp_path, "exercice: '2025'\n" + FILES))
        assert config["exercice"] == 2025

    def test_code_shape(self, tmp_path: Path) -> None:
        message = _problems(_write(tmp_path, "code_insee: '1053'\n" + FILES))
        assert "« code_insee » (ligne 1)" in message and "« 01053 »" in message
        message = _problems(_write(tmp_path, "code_insee: 2a004\n" + FILES))
        assert "« 2A004 »" in message

    def test_unknown_code_suggests(self, tmp_path: Path) -> None:
        text = "nom: Ville de Bourg-en-Bresse\ncode_insee: '99999'\n" + FILES
        message = _problems(_write(tmp_path, text))
        assert "« code_insee » (ligne 2)" in message and "99999" in message
        assert "01053 Bourg-en-Bresse" in message and "fictif: true" in message

    def test_fictitious_code_needs_fictif(self, tmp_path: Path) -> None:
        # 07999 : code fictif de l'exemple (07 = Ardèche, aucune commune 999).
        assert "07999" in _problems(_write(tmp_path, "code_insee: '07999'\n" + FILES))
        config = load_config(_write(tmp_path, "fictif: true\ncode_insee: '07999'\n" + FILES))
        assert config["code_insee"] == "07999"

    def test_real_code_accepted(self, tmp_path: Path) -> None:
        config = load_config(_write(tmp_path, "code_insee: 01053\ndepartement: 01\n" + FILES))
        assert (config["code_insee"], config["departement"]) == ("01053", "01")

    def test_all_problems_in_one_error(self, tmp_path: Path) -> None:
        text = ("population: quarante mille\nexercice: 1789\nfictif: oui\n"
                "fichiers:\n"
                "- {fichier: a.csv, service: Eau, schema: eau}\n"
                "- {fichier: b.csv, service: Eau, schema: eau}\n"
                "- {fichier: c.csv, service: Eau, schema: [a, b]}\n"
                "- {fichier: d.csv, service: Eau}\n"
                "diagnostic: {date: hier, maturite: dossier}\n"
                "priorisation: {poids: {impact_usagers: -2}}\n"
                "indicateurs: {variables: {population: beaucoup}}\n"
                "benchmark: {par_habitant: encours_dette}\n"
                "services: [{nom: [Eau]}]\n")
        message = _problems(_write(tmp_path, text))
        expected = ["« population » (ligne 1)", "« exercice » (ligne 2)", "« fictif » (ligne 3)",
                    "« fichiers[3].schema » (ligne 7)", "d.csv : clé(s) manquante(s) : schema",
                    "« diagnostic.date » (ligne 9)", "« diagnostic.maturite » (ligne 9)",
                    "« priorisation.poids.impact_usagers » (ligne 10)",
                    "« indicateurs.variables.population » (ligne 11)",
                    "« benchmark.par_habitant » (ligne 12)", "« services[1].nom » (ligne 13)"]
        for part in expected:
            assert part in message
        lines = [line for line in message.splitlines() if line.startswith("- ")]
        assert len(lines) == len(expected)


# --------------------------------------------------------------------------- 5. clés inconnues
class TestUnknownKeys:
    def test_sample_config_no_warning(self) -> None:
        if not SAMPLE_CONFIG.is_file():
            pytest.skip(f"{SAMPLE_CONFIG} absent : générez d'abord les fichiers d'exemple")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            load_config(SAMPLE_CONFIG)

    def test_top_level_typo(self, tmp_path: Path) -> None:
        with pytest.warns(ConfigWarning, match="« populaton ».*« population »"):
            load_config(_write(tmp_path, "populaton: 42000\n" + FILES))

    def test_section_and_entry_typos(self, tmp_path: Path) -> None:
        text = FILES + "  feuile: Données\ndiagnostic:\n  inventaire: inv\n"
        with pytest.warns(ConfigWarning) as record:
            load_config(_write(tmp_path, text))
        messages = [str(w.message) for w in record]
        assert any("« fichiers[1].feuile » (ligne 5)" in m and "« feuille »" in m
                   for m in messages)
        assert any("« diagnostic.inventaire » (ligne 7)" in m and "« inventaires »" in m
                   for m in messages)

    def test_warning_points_at_the_caller(self, tmp_path: Path) -> None:
        with pytest.warns(ConfigWarning) as record:
            load_config(_write(tmp_path, FILES + "comite:\n  historiqe: h\n"))
        assert record[0].filename == __file__

    def test_warning_classes(self) -> None:
        assert issubclass(ConfigWarning, KitWarning) and issubclass(KitWarning, UserWarning)


# --------------------------------------------------------------------------- 6. chemins
class TestPathsStayInside:
    def test_parent_escape_in_files(self, tmp_path: Path) -> None:
        text = "fichiers:\n- fichier: ../../../../etc/passwd\n  service: Eau\n  schema: eau\n"
        message = _problems(_write(tmp_path, text))
        assert "« fichiers[1].fichier » (ligne 2)" in message and "sort du dossier" in message

    def test_absolute_path_in_section(self, tmp_path: Path) -> None:
        outside = tmp_path / "ailleurs"
        workspace = tmp_path / "ville"
        workspace.mkdir()
        text = FILES + f"diagnostic:\n  inventaires: {outside}\n"
        message = _problems(_write(workspace, text))
        assert "« diagnostic.inventaires » (ligne 6)" in message
        assert "chemins_hors_dossier: true" in message

    def test_schema_path_outside(self, tmp_path: Path) -> None:
        text = "fichiers:\n- fichier: a.csv\n  service: Eau\n  schema: ../../schemas/x.json\n"
        assert "« fichiers[1].schema » (ligne 4)" in _problems(_write(tmp_path, text))

    def test_absolute_path_inside_is_fine(self, tmp_path: Path) -> None:
        text = f"fichiers:\n- fichier: {tmp_path / 'eau' / 'a.csv'}\n  service: Eau\n  schema: e\n"
        assert load_config(_write(tmp_path, text))["fichiers"][0]["fichier"]

    def test_symlink_out(self, tmp_path: Path) -> None:
        workspace, outside = tmp_path / "ville", tmp_path / "dehors"
        workspace.mkdir()
        outside.mkdir()
        try:
            os.symlink(outside, workspace / "lien")
        except OSError:
            pytest.skip("liens symboliques impossibles sur ce système de fichiers")
        text = FILES + "comite:\n  historique: lien\n"
        assert "« comite.historique »" in _problems(_write(workspace, text))
        allowed = load_config(_write(workspace, "chemins_hors_dossier: true\n" + text))
        assert allowed["comite"]["historique"] == "lien"

    def test_section_paths_checks_too(self, tmp_path: Path) -> None:
        (tmp_path / "dehors.csv").write_text("a\n1\n", encoding="utf-8")
        workspace = tmp_path / "ville"
        workspace.mkdir()
        config = {"_dossier": str(workspace), "benchmark": {"indicateurs": "../dehors.csv"}}
        with pytest.raises(ConfigError, match="« indicateurs ».*sort du dossier"):
            section_paths(config, "benchmark", {"indicateurs": "table"})
        config["chemins_hors_dossier"] = True
        _, paths = section_paths(config, "benchmark", {"indicateurs": "table"})
        assert paths["indicateurs"].resolve() == (tmp_path / "dehors.csv").resolve()


# --------------------------------------------------------------------------- lecture
class TestReading:
    def test_not_utf8(self, tmp_path: Path) -> None:
        path = tmp_path / "c.yaml"
        path.write_bytes("nom: Clairval-lès-Bains\n".encode("latin-1"))
        with pytest.raises(ConfigError, match="UTF-8"):
            load_config(path)

    def test_syntax_error_in_french_with_line(self, tmp_path: Path) -> None:
        # Tabulation en début de ligne 3 : interdite en YAML.
        with pytest.raises(ConfigError, match="ligne 3, colonne 1"):
            load_config(_write(tmp_path, "nom: a\nfichiers:\n\t- a.csv\n"))

    def test_nul_character_refused(self, tmp_path: Path) -> None:
        text = 'fichiers:\n- fichier: "a\\0b.csv"\n  service: Eau\n  schema: eau\n'
        with pytest.raises(ConfigError, match="caractère nul"):
            load_config(_write(tmp_path, text))

    def test_huge_file_refused(self, tmp_path: Path) -> None:
        path = _write(tmp_path, FILES + "# " + "x" * MAX_BYTES + "\n")
        with pytest.raises(ConfigError, match="octets"):
            load_config(path)

    def test_too_deep(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="imbriquées trop profondément"):
            load_config(_write(tmp_path, "x: " + "[" * 5000 + "]" * 5000 + "\n" + FILES))

    def test_empty_file(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="fichier vide"):
            load_config(_write(tmp_path, ""))

    def test_unsafe_tag(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError):
            load_config(_write(tmp_path, "nom: !!python/object/apply:os.system ['true']\n"
                                         + FILES))


# --------------------------------------------------------------------------- 8. exemple
def _old_load_config(path: Path) -> dict[str, Any]:
    """Chargeur d'avant (yaml.safe_load puis le traitement des entrées de « fichiers »)."""
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    aliases = {"path": "fichier", "chemin": "fichier", "sheet": "feuille"}
    entries = []
    for raw in config["fichiers"]:
        entry = {aliases.get(str(k), str(k)): v for k, v in raw.items()}
        entry["feuille"] = None if entry.get("feuille") is None else str(entry["feuille"])
        entry["chemin"] = str((path.parent / str(entry["fichier"])).resolve())
        entries.append(entry)
    return {**config, "fichiers": entries, "_dossier": str(path.parent)}


def test_sample_config_unchanged() -> None:
    if not SAMPLE_CONFIG.is_file():
        pytest.skip(f"{SAMPLE_CONFIG} absent : générez d'abord les fichiers d'exemple")
    old = _old_load_config(SAMPLE_CONFIG.resolve())
    new = load_config(SAMPLE_CONFIG)
    assert list(new) == list(old)
    assert new == old


# --------------------------------------------------------------------------- 7. diagnostic
@pytest.fixture
def other_workbook_folder(tmp_path: Path) -> Path:
    """Dossier « autres » avec un classeur qui n'est ni un inventaire ni un questionnaire."""
    from openpyxl import Workbook

    folder = tmp_path / "autres"
    folder.mkdir()
    book = Workbook()
    sheet = book.active
    sheet.title = "Budget"
    for row in (["chapitre", "montant"], ["011", 1200], ["012", 3400]):
        sheet.append(row)
    book.save(folder / "budget.xlsx")
    return folder


class TestDiagnosticWrongFolder:
    def test_inventories_folder_of_other_files(self, other_workbook_folder: Path) -> None:
        from kit import diagnostic

        text = FILES + "diagnostic:\n  inventaires: autres\n  maturite:\n    '2025': autres\n"
        config = load_config(_write(other_workbook_folder.parent, text))
        with pytest.raises(KitError) as info:
            diagnostic.run_diagnostic(config)
        message = str(info.value)
        assert "budget.xlsx" in message and "identifiant" in message
        assert "diagnostic.inventaires" in message

    def test_empty_inventories_folder(self, tmp_path: Path) -> None:
        from kit import diagnostic

        (tmp_path / "vide").mkdir()
        text = FILES + "diagnostic:\n  inventaires: vide\n  maturite:\n    '2025': vide\n"
        with pytest.raises(KitError, match="aucun tableur"):
            diagnostic.run_diagnostic(load_config(_write(tmp_path, text)))

    def test_maturity_folder_of_other_files(self, other_workbook_folder: Path) -> None:
        from kit import diagnostic

        inventories = ROOT / "data" / "samples" / "diagnostic" / "inventaires"
        if not inventories.is_dir():
            pytest.skip(f"{inventories} absent : générez d'abord les fichiers d'exemple")
        shutil.copytree(inventories, other_workbook_folder.parent / "inventaires")
        text = FILES + ("diagnostic:\n  inventaires: inventaires\n  maturite:\n"
                        "    '2025': autres\n")
        config = load_config(_write(other_workbook_folder.parent, text))
        with pytest.raises(KitError) as info:
            diagnostic.run_diagnostic(config)
        message = str(info.value)
        assert "budget.xlsx" in message and "« Questionnaire »" in message
        assert "diagnostic.maturite" in message
