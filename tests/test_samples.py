"""Tests des données d'exemple de Clairval (tools.samples), du registre des pièges et de tools.samples._ods."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from defusedxml import ElementTree
from python_calamine import CalamineWorkbook

from kit._parse import normalize_label
from tools.large_files import LARGE_HEADER, generate_large
from tools.samples import SAMPLES_DIR, generate_samples
from tools.samples._ods import OdsSheet, parse_range, write_ods

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "kit" / "schemas"
KNOWN_TYPES = {"string", "number", "integer", "date", "datetime", "boolean", "year", "yearmonth"}
KNOWN_CONSTRAINTS = {"required", "unique", "minimum", "maximum", "minLength", "maxLength",
                     "pattern", "enum"}
CSV_FORMATS = {"dechets/tonnages_collecte_2023_2025.csv": ("cp1252", ";"),
               "mobilites/frequentation_parkings_2023_2025.csv": ("cp1252", ";"),
               "urbanisme/permis_construire_2024_2025.csv": ("utf-8", ","),
               "finances/subventions_versees_2024.csv": ("utf-8", ","),
               "eclairage/consommations_eclairage_2023_2025.csv": ("utf-8", ";")}
NUMERIC_FIELD_TYPES = {"number", "integer"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("exemples")
    generate_samples(dest)
    return dest


@pytest.fixture(scope="module")
def traps(generated: Path) -> dict:
    return json.loads((generated / "pieges.json").read_text(encoding="utf-8"))


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and p.name != "README.md"}


def _cell_text(value: object) -> str:
    """Texte d'une cellule tel qu'un tableur l'afficherait (dates jj/mm/aaaa)."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _grid(path: Path, sheet: str | None = None) -> list[list[object]]:
    """Cellules brutes d'un fichier : classeur (via calamine) ou CSV (champs texte)."""
    rel = path.as_posix().split("/")[-2:]
    key = "/".join(rel)
    if key in CSV_FORMATS or path.suffix == ".csv":
        encoding, sep = CSV_FORMATS.get(key, ("utf-8", ","))
        text = path.read_bytes().decode(encoding)
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep)]
    wb = CalamineWorkbook.from_path(str(path))
    ws = wb.get_sheet_by_name(sheet) if sheet else wb.get_sheet_by_index(0)
    return ws.to_python(skip_empty_area=False)


def _all_sheets(path: Path) -> dict[str, list[list[object]]]:
    if path.suffix == ".csv":
        return {"csv": _grid(path)}
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in wb.sheet_names}


def _at(grid: list[list[object]], cellule: str) -> object:
    row, col, _, _ = parse_range(cellule)
    line = grid[row] if row < len(grid) else []
    return line[col] if col < len(line) else None


class TestGeneration:
    def test_meme_fichiers_que_le_depot(self, generated: Path) -> None:
        assert _files(generated) == _files(SAMPLES_DIR)
        assert (SAMPLES_DIR / "README.md").is_file()

    def test_memes_valeurs_que_le_depot(self, generated: Path) -> None:
        for rel in sorted(_files(generated)):
            new, old = generated / rel, SAMPLES_DIR / rel
            if new.suffix in (".csv", ".ods", ".json", ".yaml"):
                assert new.read_bytes() == old.read_bytes(), rel
            else:
                assert _all_sheets(new) == _all_sheets(old), rel

    def test_deux_generations_identiques(self, generated: Path, tmp_path: Path) -> None:
        generate_samples(tmp_path)
        for rel in _files(generated):
            if rel.endswith(".xlsx"):
                assert _all_sheets(tmp_path / rel) == _all_sheets(generated / rel), rel
            else:
                assert (tmp_path / rel).read_bytes() == (generated / rel).read_bytes(), rel

    def test_au_moins_huit_fichiers_trois_formats(self, traps: dict) -> None:
        fichiers = {f["fichier"] for f in traps["notes"]["fichiers"].values()}
        assert len(fichiers) >= 8
        assert {Path(f).suffix for f in fichiers} == {".csv", ".xlsx", ".ods"}

    def test_collectivite_yaml(self, generated: Path) -> None:
        conf = yaml.safe_load((generated / "collectivite.yaml").read_text(encoding="utf-8"))
        assert conf["nom"] == "Ville de Clairval"
        assert conf["population"] == 42000
        assert conf["code_insee"] == "07999"
        assert conf["epci"]["nom"] == "Communauté d'agglomération du Val d'Aurore"
        for entry in conf["fichiers"]:
            assert (generated / entry["fichier"]).is_file()
            assert (SCHEMAS_DIR / f"{entry['schema']}.json").is_file()


class TestPieges:
    def test_donnees_personnelles_presentes_seulement_en_ccas_et_rh(
            self, generated: Path, traps: dict) -> None:
        perso = set(traps["donnees_personnelles"])
        assert any(re.fullmatch(r"[12]( \d{2}){2} \d{2} \d{3} \d{3} \d{2}", v) for v in perso)
        assert any(v.endswith("@exemple.fr") for v in perso)
        assert any(re.fullmatch(r"0\d( \d{2}){4}", v) for v in perso)
        found: set[str] = set()
        for rel in _files(generated) - {"pieges.json"}:
            path = generated / rel
            if path.suffix in (".yaml", ".json"):  # fichiers texte : recherche dans le texte
                text = path.read_text(encoding="utf-8")
                hits = {v for v in perso if v in text}
            else:
                texts = {_cell_text(v) for grid in _all_sheets(path).values()
                         for row in grid for v in row}
                hits = perso & texts
            # le pilote d'une action de la feuille de route est une personne : un piège posé
            # exprès pour la porte de sortie des rapports (voir cellules_hostiles)
            if rel.startswith(("ccas/", "rh/", "feuille_de_route/")):
                found |= hits
            else:
                assert not hits, (rel, sorted(hits)[:5])
        assert found == perso

    def test_donnees_personnelles_absentes_des_noms_de_territoires(self, traps: dict) -> None:
        """Une valeur personnelle fictive ne doit pas être un morceau d'un vrai nom de commune :
        sinon les tests de fuite confondraient « Conflans-Sainte-Honorine » et un prénom."""
        reference = Path(__file__).resolve().parents[2] / "shared" / "data" / "reference"
        if not (reference / "communes.csv").is_file():
            pytest.skip("../shared/data/reference absent : noms de communes indisponibles")
        names = " | ".join(pd.read_csv(reference / "communes.csv", dtype=str)["nom"])
        names += " | ".join(pd.read_csv(reference / "epci.csv", dtype=str).iloc[:, 1])
        assert [v for v in traps["donnees_personnelles"] if v in names] == []

    def test_cellules_hostiles(self, generated: Path, traps: dict) -> None:
        valeurs = {c["valeur"] for c in traps["cellules_hostiles"]}
        assert valeurs == {"<script>alert(1)</script>",
                           '=HYPERLINK("http://exemple.invalid","clic")',
                           "Réduire les consommations d'énergie des bâtiments"
                           "<img src=x onerror=alert('cas')>",
                           "Théophile Ferrandiou, theophile.ferrandiou@exemple.fr, "
                           "06 12 34 56 78"}
        for cell in traps["cellules_hostiles"]:
            grid = _grid(generated / cell["fichier"], cell["feuille"])
            assert _at(grid, cell["cellule"]) == cell["valeur"]

    def test_erreurs_attendues_presentes(self, generated: Path, traps: dict) -> None:
        codes = {e["code"] for e in traps["erreurs_attendues"]}
        assert {"type", "requis", "contrainte", "colonne-manquante"} <= codes
        for err in traps["erreurs_attendues"]:
            grid = _grid(generated / err["fichier"], err["feuille"])
            if err["code"] == "colonne-manquante":
                note = traps["notes"]["fichiers"][err["fichier"]]["entete_mal_orthographie"]
                assert _at(grid, note["cellule"]) == note["valeur"]
                continue
            value = _at(grid, err["cellule"])
            if err["code"] == "requis":
                assert value in (None, "")
            else:
                assert _cell_text(value) == _cell_text(err["valeur"]), err

    def test_valeurs_attendues_dans_le_fichier(self, generated: Path, traps: dict) -> None:
        for key, notes in traps["notes"]["fichiers"].items():
            grid = _grid(generated / notes["fichier"], notes["feuille"])
            assert len(grid) >= notes["header_row"] + notes["rows"], key
            for drop in notes.get("dropped", []):
                assert _cell_text(grid[drop["ligne"] - 1][0] or grid[drop["ligne"] - 1][1]), key
            for v in notes.get("valeurs", []):
                assert v["ligne"] > notes["header_row"] + notes["header_rows"] - 1, (key, v)


class TestSchemas:
    @pytest.mark.parametrize("path", sorted(SCHEMAS_DIR.glob("*.json")), ids=lambda p: p.stem)
    def test_schema_valide(self, path: Path) -> None:
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["name"] == path.stem
        names = [f["name"] for f in schema["fields"]]
        assert len(names) == len(set(names))
        for field in schema["fields"]:
            assert field["type"] in KNOWN_TYPES, field
            assert field.get("title") and field.get("description"), field
            assert set(field.get("constraints", {})) <= KNOWN_CONSTRAINTS, field
        frictionless = pytest.importorskip("frictionless")
        assert frictionless.Schema.validate_descriptor(schema).valid

    def test_entetes_reconnus(self, generated: Path, traps: dict) -> None:
        """Chaque en-tête se normalise en un nom de champ ou un titre (sauf la faute posée)."""
        for key, notes in traps["notes"]["fichiers"].items():
            schema = json.loads((SCHEMAS_DIR / f"{notes['schema']}.json").read_text("utf-8"))
            grid = _grid(generated / notes["fichier"], notes["feuille"])
            row = grid[notes["header_row"] - 1]
            if notes["header_rows"] == 2:
                sub = grid[notes["header_row"]]
                row = [f"{g} - {s}" if g and s and g != s else (s or g)
                       for g, s in zip(row, sub, strict=False)]
            labels = {normalize_label(v) for v in row if _cell_text(v).strip()}
            accepted = {normalize_label(f["name"]) for f in schema["fields"]} | {
                normalize_label(f["title"]) for f in schema["fields"]}
            misspelled = notes.get("entete_mal_orthographie", {}).get("valeur")
            expected = {normalize_label(misspelled)} if misspelled else set()
            assert labels - accepted == expected, key
            required = {f["name"] for f in schema["fields"]
                        if f.get("constraints", {}).get("required")}
            matched = {f["name"] for f in schema["fields"]
                       if {normalize_label(f["name"]), normalize_label(f["title"])} & labels}
            assert len(required - matched) == (1 if misspelled else 0), key


class TestOds:
    def test_aller_retour_calamine(self, tmp_path: Path) -> None:
        rows = [["Titre fusionné", None, None],
                [],
                ["Libellé", "Montant", "Date"],
                ["a  b", 1234.5, dt.date(2024, 3, 1)],
                [" espace", 7, dt.datetime(2024, 1, 2, 3, 4)],
                ["<script>alert(1)</script>", None, "=SOMME(A1)"]]
        path = write_ods(tmp_path / "t.ods",
                         [OdsSheet("Données", rows, ["A1:C1", "B5:B6"]),
                          OdsSheet("Notes", [["Texte seul"]])])
        wb = CalamineWorkbook.from_path(str(path))
        assert wb.sheet_names == ["Données", "Notes"]
        got = wb.get_sheet_by_name("Données").to_python(skip_empty_area=False)
        assert got[0] == ["Titre fusionné", "", ""]
        assert got[3] == ["a  b", 1234.5, dt.date(2024, 3, 1)]
        assert got[4] == [" espace", 7.0, dt.datetime(2024, 1, 2, 3, 4)]
        assert got[5] == ["<script>alert(1)</script>", "", "=SOMME(A1)"]
        df = pd.read_excel(path, engine="calamine", sheet_name="Notes", header=None)
        assert df.iloc[0, 0] == "Texte seul"

    def test_fusions_et_structure(self, tmp_path: Path) -> None:
        path = write_ods(tmp_path / "t.ods", [OdsSheet("F", [["x", None], [1, 2]], ["A1:B2"])])
        with zipfile.ZipFile(path) as zf:
            first = zf.infolist()[0]
            assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
            assert zf.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
            assert "META-INF/manifest.xml" in zf.namelist()
            root = ElementTree.fromstring(zf.read("content.xml"))
        ns = {"table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0"}
        cell = root.find(".//table:table-cell", ns)
        span = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
        assert cell.get(f"{span}number-columns-spanned") == "2"
        assert cell.get(f"{span}number-rows-spanned") == "2"
        assert len(root.findall(".//table:covered-table-cell", ns)) == 3
        got = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        assert got == [["x"]]  # cellules couvertes : vides, hors de la zone utile

    def test_deterministe(self, tmp_path: Path) -> None:
        sheets = [OdsSheet("F", [["é", 1.5, dt.date(2025, 1, 1)]])]
        a = write_ods(tmp_path / "a.ods", sheets).read_bytes()
        assert write_ods(tmp_path / "b.ods", sheets).read_bytes() == a

    def test_plage_invalide(self) -> None:
        with pytest.raises(ValueError, match="Plage"):
            parse_range("1A")


class TestGrandTableau:
    @pytest.mark.parametrize("fmt", ["xlsx", "csv"])
    def test_structure(self, tmp_path: Path, fmt: str) -> None:
        path = generate_large(tmp_path, 300, fmt)
        if fmt == "csv":
            text = path.read_bytes().decode("cp1252")
            grid = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        else:
            grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(
                skip_empty_area=False)
        assert grid[3] == LARGE_HEADER
        data = grid[4:]
        assert len(data) == 300 and len(LARGE_HEADER) == 15
        assert data[0][0] == "07999"
        assert any(row[12] == "nd" for row in data)
        if fmt == "csv":
            assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", data[0][2])
            assert "," in data[0][7]
        else:
            assert isinstance(data[0][2], dt.date) and isinstance(data[0][7], float)

    def test_format_inconnu(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="xlsx"):
            generate_large(tmp_path, 10, "ods")


# --------------------------------------------------------------------------- avec le chargeur
_TRAPS = json.loads((SAMPLES_DIR / "pieges.json").read_text(encoding="utf-8"))
_FILES = _TRAPS["notes"]["fichiers"]
def _value_params() -> list:
    params = []
    for key, notes in _FILES.items():
        for v in notes.get("valeurs", []):
            params.append(pytest.param(key, v, id=f"{key}:{v['colonne']}"))
    return params


@functools.lru_cache(maxsize=None)
def _load(key: str, schema: bool = False) -> pd.DataFrame:
    """Charge un fichier d'exemple une seule fois par session (les tests ne le modifient pas)."""
    kio = pytest.importorskip("kit.io")
    notes = _FILES[key]
    return kio.load_table(SAMPLES_DIR / notes["fichier"], sheet=notes["feuille"],
                          schema=notes["schema"] if schema else None)


class TestChargementDesExemples:
    @pytest.mark.parametrize("key", sorted(_FILES))
    def test_structure(self, key: str) -> None:
        notes = _FILES[key]
        source = _load(key).attrs["source"]
        assert source["header_row"] == notes["header_row"]
        assert source["header_rows"] == notes["header_rows"]
        assert source["rows"] == notes["rows"]
        dropped = [(d["ligne"], d["motif"]) for d in source["dropped"]]
        assert dropped == [(d["ligne"], d["motif"]) for d in notes.get("dropped", [])]
        assert source["repaired_lines"] == notes.get("repaired_lines", [])
        if "placeholders" in notes:
            assert source["placeholders"] == notes["placeholders"]

    @pytest.mark.parametrize(("key", "attendu"), _value_params())
    def test_valeur(self, key: str, attendu: dict) -> None:
        got = _load(key).loc[attendu["ligne"], attendu["colonne"]]
        if isinstance(got, pd.Timestamp):
            got = got.date().isoformat()
        if isinstance(attendu["valeur"], float):
            assert got == pytest.approx(attendu["valeur"])
        else:
            assert got == attendu["valeur"]

    @pytest.mark.parametrize("key", sorted(_FILES))
    def test_erreurs_du_validateur(self, key: str) -> None:
        validation = pytest.importorskip("kit.validation")
        notes = _FILES[key]
        report = validation.validate(_load(key, schema=True), notes["schema"])
        errors = report.errors
        got = {(c if isinstance(c, str) else None, code)
               for c, code in zip(errors["cellule"], errors["code"], strict=True)}
        want = {(e["cellule"], e["code"]) for e in _TRAPS["erreurs_attendues"]
                if e["fichier"] == notes["fichier"] and e["feuille"] in (None, notes["feuille"])}
        assert got == want

    def test_cellules_hostiles_restent_du_texte(self) -> None:
        for cell in _TRAPS["cellules_hostiles"]:
            key = cell["fichier"]
            if key not in _FILES:  # pièges des rapports (cas d'usage, feuille de route) : lus
                continue  # par leurs propres modèles, voir test_cellules_hostiles
            df = _load(key)
            cols = df.attrs["source"]["columns"]
            col = next(c for c, letter in cols.items() if letter == cell["cellule"][0])
            assert df.loc[int(cell["cellule"][1:]), col] == cell["valeur"]
