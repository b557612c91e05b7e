"""Lecture des fichiers publiés (OFGL, DGFiP, DGCL, autres) : `kit.benchmark.read_open_data`.

Les valeurs attendues sont recalculées dans le test avec le module `csv` (lecture ligne à
ligne, sommes et rangs écrits à la main), jamais recopiées d'une sortie du kit.
"""

from __future__ import annotations

import bisect
import csv
from collections import defaultdict
from pathlib import Path

import pytest

import kit.benchmark as bm
from kit.errors import ConfigError, DataError, KitError

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
if not REAL.is_dir():
    REAL = Path("/work/shared/data/real")
OFGL = "ofgl-base-communes_guadeloupe_2024.csv"
DEPT = "ofgl-base-departements_haute-garonne_extrait.csv"
DGFIP = "dgfip_comptes_individuels_communes_2017_extrait.csv"
DGCL = "dotations_par_commune.csv"


def _real(name: str) -> Path:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"Fichier réel absent : {path} (dossier partagé ../shared non monté).")
    return path


def _rows(name: str, delimiter: str = ";") -> list[dict[str, str]]:
    with _real(name).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _value(table, code: str, indicator: str, year: int) -> float:
    sel = table[(table["code"] == code) & (table["indicateur"] == indicator)
                & (table["annee"] == year)]
    assert len(sel) == 1, (code, indicator, year, len(sel))
    return float(sel["valeur"].iloc[0])


@pytest.fixture(scope="module")
def ofgl():
    return bm.read_open_data(_real(OFGL))


class TestOfglCommunes:
    def test_format_long_du_kit(self, ofgl) -> None:
        assert list(ofgl.columns) == ["code", "indicateur", "annee", "valeur", "libelle",
                                      "unite", "sens", "source"]
        assert ofgl.attrs["format"] == "ofgl" and ofgl.attrs["niveau"] == "commune"
        assert set(ofgl["source"]) == {"OFGL"}
        lecture = "\n".join(ofgl.attrs["lecture"])
        assert "OFGL (d'après les colonnes)" in lecture
        assert "2 505 ligne(s)" in lecture  # 2 506 lignes physiques, en-tête compris
        assert "budget principal seul" in lecture
        # 32 communes × 50 agrégats du budget principal (comptés avec csv) × 2 indicateurs
        main = [r for r in _rows(OFGL) if r["Type de budget"] == "Budget principal"]
        assert len(ofgl) == 2 * len(main)

    @pytest.mark.parametrize("code", ["97101", "97103", "97104", "97105"])
    def test_valeurs_du_budget_principal(self, ofgl, code: str) -> None:
        rows = {r["Agrégat"]: r for r in _rows(OFGL) if r["Code Insee 2024 Commune"] == code
                and r["Type de budget"] == "Budget principal"}
        for agregat, ident in (("Epargne brute", "epargne_brute"),
                               ("Encours de dette", "encours_dette"),
                               ("Dépenses d'équipement", "depenses_equipement")):
            assert _value(ofgl, code, ident, 2024) == float(rows[agregat]["Montant"])
            assert _value(ofgl, code, ident + "_hab", 2024) == pytest.approx(
                float(rows[agregat]["Montant en € par habitant"]), rel=1e-12)

    def test_definitions_livrees(self, ofgl) -> None:
        meta = ofgl.drop_duplicates("indicateur").set_index("indicateur")
        assert meta.loc["epargne_brute", ["libelle", "unite", "sens"]].tolist() == [
            "Épargne brute", "€", "hausse"]
        assert meta.loc["encours_dette_hab", ["unite", "sens"]].tolist() == ["€/hab", "baisse"]
        assert meta.loc["depenses_fonctionnement", "sens"] == "baisse"

    def test_rang_et_percentile_dans_la_strate(self, ofgl) -> None:
        # calcul indépendant : strate du fichier, valeurs par habitant du budget principal
        values, strata = {}, {}
        for r in _rows(OFGL):
            if r["Type de budget"] == "Budget principal" and r["Agrégat"] == "Encours de dette":
                values[r["Code Insee 2024 Commune"]] = float(r["Montant en € par habitant"])
                strata[r["Code Insee 2024 Commune"]] = r["Strate population 2024"]
        groups = ofgl.attrs["territoires"][["code", "strate_fichier"]]
        res = bm.position_all(ofgl[ofgl["indicateur"] == "encours_dette_hab"], groups,
                              group_column="strate_fichier",
                              columns=["rang", "percentile", "n"]).set_index("code")
        for code in ("97101", "97103", "97104", "97105", "97120"):
            peers = [v for c, v in values.items() if strata[c] == strata[code]]
            own = values[code]
            assert res.loc[code, "n"] == len(peers)
            assert res.loc[code, "rang"] == 1 + sum(v > own for v in peers)
            assert float(res.loc[code, "percentile"]) == pytest.approx(
                100 * sum(v <= own for v in peers) / len(peers))

    def test_strate_du_fichier_et_strates_du_kit(self, ofgl) -> None:
        # bornes OFGL recopiées de data.ofgl.fr (0 : < 100 hab … 10 : ≥ 100 000 hab)
        bounds = [0, 100, 200, 500, 2000, 3500, 5000, 10000, 20000, 50000, 100000]
        seen = {}
        for r in _rows(OFGL):
            expected = bisect.bisect_right(bounds, int(r["Population totale"])) - 1
            assert int(r["Strate population 2024"]) == expected
            seen[r["Code Insee 2024 Commune"]] = expected
        terr = ofgl.attrs["territoires"].set_index("code")
        assert len(terr) == len(seen) == 32
        assert terr["accord"].all()
        for code, stratum in seen.items():
            assert terr.loc[code, "strate_kit"] == stratum == terr.loc[code, "strate_fichier"]
        assert any("s'accorde avec les strates OFGL du kit pour les 32 communes" in line
                   for line in ofgl.attrs["lecture"])


class TestBudgets:
    def _sum(self, code: str, agregat: str, kinds: set[str]) -> float:
        return sum(float(r["Montant"]) for r in _rows(OFGL)
                   if r["Code Insee 2024 Commune"] == code and r["Agrégat"] == agregat
                   and r["Type de budget"] in kinds)

    def test_annexes_et_consolide(self) -> None:
        annexes = bm.read_open_data(_real(OFGL), budgets="annexes")
        tous = bm.read_open_data(_real(OFGL), budgets="consolide")
        # Baillif (97104) : un budget annexe (centre municipal de santé)
        agregat = "Achats et charges externes"
        assert _value(annexes, "97104", "achats_charges_externes_annexes", 2024) == \
            pytest.approx(self._sum("97104", agregat, {"Budget annexe"}))
        assert _value(tous, "97104", "achats_charges_externes_consolide", 2024) == \
            pytest.approx(self._sum("97104", agregat, {"Budget annexe", "Budget principal"}))
        assert "flux entre budgets" in "\n".join(tous.attrs["lecture"])

    def test_un_budget_designe_deux_fois_compte_une_fois(self) -> None:
        tous = bm.read_open_data(_real(OFGL), budgets="consolide")
        liste = bm.read_open_data(_real(OFGL), budgets=["principal", "annexes",
                                                         "CENTRE MUNICIPAL DE SANTE"])
        a = tous.set_index(["code", "annee", tous["indicateur"].str.replace(
            "_consolide", "")])["valeur"]
        b = liste.set_index(["code", "annee", liste["indicateur"].str.replace(
            "_budgets_choisis", "")])["valeur"]
        assert len(a) == len(b) and (a.sort_index() == b.sort_index()).all()

    def test_lignes_repetees(self, tmp_path: Path) -> None:
        text = _real(OFGL).read_text(encoding="utf-8-sig")
        lines = text.splitlines()
        header, body = lines[0], lines[1:]
        abymes = [ln for ln in body if ";97101;Les Abymes;" in ln
                  and ";Budget principal;" in ln and ";Epargne brute;" in ln]
        assert len(abymes) == 1
        twice = tmp_path / "ofgl_double.csv"
        twice.write_text("\n".join([header, *body, *body[:40]]) + "\n", encoding="utf-8")
        values = bm.read_open_data(twice)
        reference = bm.read_open_data(_real(OFGL))
        assert values["valeur"].tolist() == reference["valeur"].tolist()
        assert any("Doublons exacts" in line for line in values.attrs["lecture"])
        fields = abymes[0].split(";")
        fields[24] = str(float(fields[24]) + 1000)  # même budget, autre montant
        clash = tmp_path / "ofgl_contradictoire.csv"
        clash.write_text("\n".join([header, *body, ";".join(fields)]) + "\n",
                         encoding="utf-8")
        values = bm.read_open_data(clash)
        kept = values[(values["code"] == "97101") & (values["indicateur"] == "epargne_brute")]
        assert kept.empty
        assert any("Doublons contradictoires" in line for line in values.attrs["lecture"])

    def test_export_consolide_des_departements(self) -> None:
        rows = {(r["Exercice"], r["Agrégat"]): r for r in _rows(DEPT)}
        r = rows[("2023", "Dépenses de fonctionnement")]
        bp, ba, montant = (float(r[c]) for c in ("Montant BP", "Montant BA", "Montant"))
        assert float(r["Montant flux BP-BA"]) > 0 and bp + ba != pytest.approx(montant)
        principal = bm.read_open_data(_real(DEPT))
        assert principal.attrs["niveau"] == "departement"
        assert _value(principal, "31", "depenses_fonctionnement", 2023) == bp
        assert _value(principal, "31", "depenses_fonctionnement_hab", 2023) == pytest.approx(
            bp / float(r["Population totale"]))
        both = bm.read_open_data(_real(DEPT), budgets=["principal", "annexes"])
        # principal + annexes d'un export consolidé : la colonne Montant, flux retirés
        assert _value(both, "31", "depenses_fonctionnement_consolide", 2023) == montant
        assert _value(both, "31", "depenses_fonctionnement_consolide_hab", 2023) == \
            pytest.approx(float(r["Montant en € par habitant"]))

    def test_consolide_avec_un_autre_budget_refuse(self) -> None:
        with pytest.raises(KitError, match="comptés deux fois"):
            bm.read_open_data(_real(OFGL), budgets=["consolide", "principal"])
        with pytest.raises(DataError, match="introuvable.*BUDGET INVENTE"):
            bm.read_open_data(_real(OFGL), budgets=["principal", "BUDGET INVENTE"])


GFP_HEADER = ["Exercice", "Outre-mer", "Code Insee 2024 Région", "Nom 2024 Région",
              "Code Insee 2024 Département", "Nom 2024 Département", "Code Siren 2024 EPCI",
              "Nom 2024 EPCI", "Nature juridique 2024 abrégée", "Strate population 2024",
              "Catégorie", "Code Siren Collectivité", "Siret Budget", "Libellé Budget",
              "Type de budget", "Nomenclature", "Agrégat", "Montant", "Montant en millions",
              "Population totale", "Montant en € par habitant"]
# exports consolidés (jeux -departements et -regions) : en-têtes de data.ofgl.fr
DEPT_HEADER = ["Exercice", "Outre-mer", "Code Insee 2024 Région", "Nom 2024 Région",
               "Strate population 2024", "Rural / Urbain", "Code Insee 2024 Département",
               "Nom 2024 Département", "Catégorie", "Code Siren Collectivité",
               "Libellé Budget", "Agrégat", "Montant BP", "Montant BA", "Montant flux BP-BA",
               "Montant", "Montant en millions", "Population totale",
               "Montant en € par habitant"]
REG_HEADER = ["Exercice", "Outre-mer", "Code Insee 2024 Région", "Nom 2024 Région",
              "Catégorie", "Code Siren Collectivité", "Libellé Budget", "Agrégat",
              "Montant BP", "Montant BA", "Montant flux BP-BA", "Montant",
              "Montant en millions", "Population totale", "Montant en € par habitant"]


def _write(path: Path, header: list[str], rows: list[dict[str, object]]) -> Path:
    """Export au format OFGL : « ; », UTF-8 avec BOM, colonnes absentes laissées vides."""
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        for row in rows:
            writer.writerow([row.get(c, "") for c in header])
    return path


def _gfp_rows() -> list[dict[str, object]]:
    """Trois groupements (SIREN réels du référentiel), deux agrégats, un budget annexe."""
    gfps = [("243100518", "Toulouse Métropole", "31", "76", "MET", 5, 816_000),
            ("200054781", "Métropole du Grand Paris", "75", "11", "MET", 5, 7_060_000),
            ("200000172", "CC Faucigny - Glières", "74", "84", "CC", 3, 28_561)]
    rows = []
    for number, (siren, nom, dep, reg, nature, strate, pop) in enumerate(gfps):
        for agregat, montant in (("Epargne brute", 1000.0 * (number + 3) * pop / 1000),
                                 ("Encours de dette", 2500.5 * (3 - number) * pop / 1000)):
            budgets = [("Budget principal", f"{siren}00018", nom.upper(), montant)]
            if number == 0:  # Toulouse : un budget annexe (eau)
                budgets.append(("Budget annexe", f"{siren}00026", "EAU", montant / 7))
            for kind, siret, label, value in budgets:
                rows.append({"Exercice": 2023, "Outre-mer": "Non",
                             "Code Insee 2024 Région": reg, "Code Insee 2024 Département": dep,
                             "Code Siren 2024 EPCI": siren, "Nom 2024 EPCI": nom,
                             "Nature juridique 2024 abrégée": nature,
                             "Strate population 2024": strate, "Catégorie": "GFP",
                             "Code Siren Collectivité": siren, "Siret Budget": siret,
                             "Libellé Budget": label, "Type de budget": kind,
                             "Nomenclature": "M57", "Agrégat": agregat, "Montant": value,
                             "Montant en millions": value / 1e6, "Population totale": pop,
                             "Montant en € par habitant": value / pop})
    return rows


class TestNiveauxOfgl:
    """Exports des groupements à fiscalité propre, des départements et des régions, écrits
    dans le test avec les en-têtes publiés ; valeurs attendues relues avec le module csv."""

    def _expected(self, path: Path, code_col: str, kinds: set[str], column: str):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh, delimiter=";"))
        out: dict[tuple[str, str], float] = defaultdict(float)
        for r in rows:
            if r.get("Type de budget", "consolidé") in kinds:
                out[(r[code_col], r["Agrégat"])] += float(r[column])
        return out, rows

    def test_groupements_a_fiscalite_propre(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "ofgl-base-gfp.csv", GFP_HEADER, _gfp_rows())
        values = bm.read_open_data(path)
        assert values.attrs["niveau"] == "epci"
        assert "niveau epci" in values.attrs["lecture"][0]
        assert set(values["code"]) == {"243100518", "200054781", "200000172"}
        principal, rows = self._expected(path, "Code Siren Collectivité",
                                         {"Budget principal"}, "Montant")
        per_hab, _ = self._expected(path, "Code Siren Collectivité", {"Budget principal"},
                                    "Montant en € par habitant")
        for (code, agregat), ident in [((c, a), i) for c in ("243100518", "200000172")
                                       for a, i in (("Epargne brute", "epargne_brute"),
                                                    ("Encours de dette", "encours_dette"))]:
            assert _value(values, code, ident, 2023) == pytest.approx(principal[code, agregat])
            assert _value(values, code, ident + "_hab", 2023) == pytest.approx(
                per_hab[code, agregat])
        # budget annexe de Toulouse : laissé de côté par défaut, ajouté une fois sur demande
        both, _ = self._expected(path, "Code Siren Collectivité",
                                 {"Budget principal", "Budget annexe"}, "Montant")
        assert both["243100518", "Epargne brute"] > principal["243100518", "Epargne brute"]
        tous = bm.read_open_data(path, budgets="consolide")
        assert _value(tous, "243100518", "epargne_brute_consolide", 2023) == pytest.approx(
            both["243100518", "Epargne brute"])
        # strate du fichier gardée (pas de strates OFGL des groupements dans le kit)
        terr = values.attrs["territoires"].set_index("code")
        strata = {r["Code Siren Collectivité"]: int(r["Strate population 2024"]) for r in rows}
        assert {c: int(terr.loc[c, "strate_fichier"]) for c in strata} == strata
        assert any("pas de comparaison" in line for line in values.attrs["lecture"])

    def test_groupements_sans_colonne_categorie(self, tmp_path: Path) -> None:
        header = [c for c in GFP_HEADER if c not in ("Catégorie", "Code Siren Collectivité")]
        path = _write(tmp_path / "gfp_sans_categorie.csv", header, _gfp_rows())
        values = bm.read_open_data(path)
        assert values.attrs["niveau"] == "epci"
        assert set(values["code"]) == {"243100518", "200054781", "200000172"}

    def test_departements_codes_normalises(self, tmp_path: Path) -> None:
        deps = [("31", "Haute-Garonne", 1_423_290), ("2A", "Corse-du-Sud", 160_000),
                ("971", "Guadeloupe", 384_000), ("1", "Ain", 680_000)]  # « 1 » : zéro perdu
        rows = [{"Exercice": 2023, "Code Insee 2024 Département": code,
                 "Nom 2024 Département": nom, "Catégorie": "DEPT", "Strate population 2024": 3,
                 "Agrégat": "Dépenses de fonctionnement", "Montant BP": 900.0 * pop,
                 "Montant BA": 12.5 * pop, "Montant flux BP-BA": 2.0 * pop,
                 "Montant": (900.0 + 12.5 - 2.0) * pop, "Population totale": pop,
                 "Montant en € par habitant": 900.0 + 12.5 - 2.0}
                for code, nom, pop in deps]
        path = _write(tmp_path / "ofgl-base-departements.csv", DEPT_HEADER, rows)
        values = bm.read_open_data(path)
        assert values.attrs["niveau"] == "departement"
        assert set(values["code"]) == {"31", "2A", "971", "01"}
        assert any("« 1 » lu « 01 »" in line for line in values.attrs["lecture"])
        bp, _ = self._expected(path, "Code Insee 2024 Département", {"consolidé"},
                               "Montant BP")
        with path.open(encoding="utf-8-sig", newline="") as fh:
            pop = {r["Code Insee 2024 Département"]: float(r["Population totale"])
                   for r in csv.DictReader(fh, delimiter=";")}
        for raw, code in (("971", "971"), ("2A", "2A"), ("1", "01")):
            montant = bp[raw, "Dépenses de fonctionnement"]
            assert _value(values, code, "depenses_fonctionnement", 2023) == montant
            assert _value(values, code, "depenses_fonctionnement_hab", 2023) == \
                pytest.approx(montant / pop[raw])
        tous = bm.read_open_data(path, budgets="consolide")
        total, _ = self._expected(path, "Code Insee 2024 Département", {"consolidé"},
                                  "Montant")
        assert _value(tous, "971", "depenses_fonctionnement_consolide", 2023) == \
            total["971", "Dépenses de fonctionnement"]

    def test_windows_1252_et_champs_entre_guillemets(
            self, tmp_path: Path) -> None:
        rows = _gfp_rows()
        for row in rows:  # « ; » dans un libellé : champ entre guillemets
            row["Libellé Budget"] = f"{row['Libellé Budget']} ; régie"
        rows[1]["Libellé Budget"] = "SAISI SUR\nDEUX LIGNES"  # retour à la ligne entre guillemets
        utf8 = _write(tmp_path / "gfp_utf8.csv", GFP_HEADER, rows)
        latin = tmp_path / "gfp_cp1252.csv"
        latin.write_bytes(utf8.read_text(encoding="utf-8-sig").encode("cp1252"))
        assert b'"' in latin.read_bytes() and "é".encode("cp1252") in latin.read_bytes()
        a, b = bm.read_open_data(utf8), bm.read_open_data(latin)
        assert "cp1252" in b.attrs["lecture"][0]
        assert a[["code", "indicateur", "valeur"]].equals(b[["code", "indicateur", "valeur"]])
        assert "epargne_brute" in set(b["indicateur"])  # « Epargne brute » reconnu

    def test_regions_codes_a_deux_chiffres(self, tmp_path: Path) -> None:
        regs = [("76", "Occitanie", 6_100_000), ("94", "Corse", 350_000),
                ("1", "Guadeloupe", 384_000), ("04", "La Réunion", 880_000)]
        rows = [{"Exercice": 2022, "Code Insee 2024 Région": code, "Nom 2024 Région": nom,
                 "Catégorie": "REG", "Agrégat": "Encours de dette", "Montant BP": 1.5e3 * pop,
                 "Montant BA": 0.0, "Montant flux BP-BA": 0.0, "Montant": 1.5e3 * pop,
                 "Population totale": pop, "Montant en € par habitant": 1.5e3}
                for code, nom, pop in regs]
        path = _write(tmp_path / "ofgl-base-regions.csv", REG_HEADER, rows)
        values = bm.read_open_data(path)
        assert values.attrs["niveau"] == "region"
        assert set(values["code"]) == {"76", "94", "01", "04"}
        bp, _ = self._expected(path, "Code Insee 2024 Région", {"consolidé"}, "Montant BP")
        assert _value(values, "01", "encours_dette", 2022) == bp["1", "Encours de dette"]
        assert _value(values, "76", "encours_dette_hab", 2022) == pytest.approx(1.5e3)


class TestSensInconnu:
    def test_le_compte_rendu_demande_le_sens(self) -> None:
        dept = bm.read_open_data(_real(DEPT))
        line = next(x for x in dept.attrs["lecture"] if x.startswith("Sens inconnu"))
        assert "cnsa" in line and "ne le devine pas" in line
        assert set(dept.loc[dept["indicateur"] == "cnsa", "sens"]) == {""}
        given = bm.read_open_data(_real(DEPT), sens={"cnsa": "hausse", "cnsa_hab": "hausse"})
        assert set(given.loc[given["indicateur"] == "cnsa", "sens"]) == {"hausse"}
        line = next(x for x in given.attrs["lecture"] if x.startswith("Sens inconnu"))
        assert "cnsa" not in line.split(":")[1].split(".")[0].split(", ")


class TestDgfip:
    def test_comptes_individuels(self) -> None:
        rows = _rows(DGFIP)
        values = bm.read_open_data(_real(DGFIP))
        assert values.attrs["format"] == "dgfip"
        for r, code in zip(rows[:2], ("68356", "40281")):  # dep « 068 » + icom « 356 »
            assert _value(values, code, "dgfip_caf", 2017) == pytest.approx(
                float(r["caf"]) * 1000)  # milliers d'euros → euros
            assert _value(values, code, "dgfip_caf_hab", 2017) == float(r["fcaf"])
            assert _value(values, code, "dgfip_dette_hab", 2017) == float(r["fdette"])
            assert _value(values, code, "dgfip_tfb", 2017) == float(r["tfb"])
            means = values.attrs["moyennes_strate"]
            mean = means[(means["code"] == code) & (means["indicateur"] == "dgfip_caf_hab")]
            assert mean["moyenne_strate"].tolist() == [float(r["mcaf"])]
            assert mean["strate"].tolist() == [r["nomsst1"]]
        # ligne de test « EXCLU » (dep 099, icom 999) : code inconnu, écartée et signalée
        assert set(values["code"]) == {"68356", "40281"}
        assert any("99999" in line for line in values.attrs["lecture"])
        assert "moyennes_strate" not in "".join(values["indicateur"].unique())

    @pytest.mark.parametrize(("dep", "com", "expected"), [
        ("1", "4", "01004"), ("068", "356", "68356"), ("02A", "004", "2A004"),
        ("2B", "33", "2B033"), ("971", "101", "97101"), ("971", "1", "97101"),
        ("976", "611", "97611"), ("", "12", None)])
    def test_code_insee_forme_du_departement_et_de_la_commune(self, dep, com, expected):
        assert bm.commune_code(dep, com) == expected


class TestDgcl:
    def test_dotations_par_commune(self) -> None:
        rows = [r for r in _rows(DGCL, ",") if r["code collectivite"] == "01053"]
        assert len(rows) == 1
        r = rows[0]
        values = bm.read_open_data(_real(DGCL), annee=2019)
        population = round(float(r["recette_avantp"]) / float(r["avantp_hab"]))
        assert _value(values, "01053", "dsu", 2019) == float(r["dsu"])
        assert _value(values, "01053", "dsu_hab", 2019) == pytest.approx(
            float(r["dsu"]) / population)
        assert _value(values, "01053", "recettes_avant_perequation_hab", 2019) == \
            float(r["avantp_hab"])
        assert _value(values, "01053", "recettes_apres_perequation", 2019) == \
            float(r["MONTANT"])
        assert any("Population déduite" in line for line in values.attrs["lecture"])

    def test_annee_obligatoire(self) -> None:
        with pytest.raises(DataError, match="dotations_par_commune.csv.*annee=2024"):
            bm.read_open_data(_real(DGCL))


class TestErreurs:
    def test_export_tronque(self, tmp_path: Path) -> None:
        data = _real(OFGL).read_bytes()
        cut = tmp_path / "ofgl_coupe.csv"
        cut.write_bytes(data[: len(data) // 2])
        with pytest.raises(DataError, match="ofgl_coupe.csv.*tronqué"):
            bm.read_open_data(cut)

    def test_montant_illisible(self, tmp_path: Path) -> None:
        text = _real(OFGL).read_text(encoding="utf-8-sig")
        bad = tmp_path / "ofgl_abime.csv"
        bad.write_text(text.replace(";7758913.27;", ";77x;", 1), encoding="utf-8")
        with pytest.raises(DataError, match="ofgl_abime.csv.*« 77x ».*colonne « Montant »"):
            bm.read_open_data(bad)

    def test_ligne_mal_formee_nommee(self, tmp_path: Path) -> None:
        lines = _real(OFGL).read_text(encoding="utf-8-sig").splitlines()
        lines[100] += ";champ en trop"  # ligne 101 du fichier, en-tête compris
        bad = tmp_path / "ofgl_champ_en_trop.csv"
        bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(DataError, match=r"ofgl_champ_en_trop.csv.*\(ligne 101\).*43 "
                                            r"champ\(s\) au lieu de 42"):
            bm.read_open_data(bad)

    def test_autre_source_que_demandee(self) -> None:
        with pytest.raises(DataError, match="n'est pas un fichier OFGL.*DGCL"):
            bm.read_open_data(_real(DGCL), source="ofgl")
        with pytest.raises(DataError, match="n'est pas un fichier DGFiP.*OFGL"):
            bm.read_open_data(_real(OFGL), source="dgfip")

    def test_colonne_de_la_correspondance_absente(self, tmp_path: Path) -> None:
        f = tmp_path / "t.csv"
        f.write_text("insee;an;nom_indicateur;v\n01053;2024;dette;3\n", encoding="utf-8")
        with pytest.raises(DataError, match="t.csv.*colonne « indic ».*colonnes.indicateur"):
            bm.read_open_data(f, colonnes={"code": "insee", "annee": "an",
                                           "indicateur": "indic", "valeur": "v"})

    def test_option_inconnue(self) -> None:
        with pytest.raises(KitError, match="Option.*budget"):
            bm.read_open_data(_real(OFGL), budget="annexes")

    def test_fichier_sans_format_reconnu(self, tmp_path: Path) -> None:
        f = tmp_path / "t.csv"
        f.write_text("a;b\n1;2\n", encoding="utf-8")
        with pytest.raises(DataError, match="colonnes="):
            bm.read_open_data(f)


class TestAutreSource:
    def test_table_large(self, tmp_path: Path) -> None:
        f = tmp_path / "large.csv"
        f.write_text("Code INSEE;Année;Dette;Recettes\n1053;2024;850,5;1200\n"
                     "2a004;2024;900;\n", encoding="utf-8")
        values = bm.read_open_data(f, colonnes={"code": "code insee", "annee": "annee"},
                                   indicateurs=["Dette", "Recettes"], sens={"Dette": "baisse"})
        assert values[["code", "indicateur", "valeur"]].values.tolist() == [
            ["01053", "Dette", 850.5], ["2A004", "Dette", 900.0],
            ["01053", "Recettes", 1200.0]]
        assert set(values.loc[values["indicateur"] == "Dette", "sens"]) == {"baisse"}
        assert set(values["source"]) == {"autre source"}
        assert any("zéro initial" in line for line in values.attrs["lecture"])

    def test_table_longue_et_ancien_code(self, tmp_path: Path) -> None:
        f = tmp_path / "longue.csv"
        f.write_text("territoire,exercice,agregat,montant,unite\n69152,2023,dette,10,€\n"
                     "69149,2024,dette,12,€\n", encoding="utf-8")
        values = bm.read_open_data(f, colonnes={"code": "territoire", "annee": "exercice",
                                                "indicateur": "agregat", "valeur": "montant",
                                                "unite": "unite"})
        # Pierre-Bénite (69152) fait partie d'Oullins-Pierre-Bénite (69149) depuis 2024
        assert values[["code", "annee", "valeur", "unite"]].values.tolist() == [
            ["69149", 2023, 10.0, "€"], ["69149", 2024, 12.0, "€"]]


class TestConfiguration:
    def test_plusieurs_sources_combinees(self, tmp_path: Path) -> None:
        other = tmp_path / "maison.csv"
        other.write_text("code;annee;taux_recyclage\n97101;2023;31\n97103;2023;28\n",
                         encoding="utf-8")
        config = {"_dossier": str(tmp_path), "code_insee": "97101", "benchmark": {"sources": [
            {"fichier": str(_real(OFGL)), "source": "ofgl"},
            {"fichier": str(_real(DGCL)), "annee": 2019},
            {"fichier": "maison.csv", "source": "autre", "colonnes": {"code": "code"},
             "indicateurs": ["taux_recyclage"], "sens": {"taux_recyclage": "hausse"}}]}}
        profile, values = bm.load_from_config(config)
        assert profile["code"] == "97101"
        years = values.groupby("source")["annee"].agg(lambda s: sorted(set(s))).to_dict()
        assert years == {"OFGL": [2024], "DGCL": [2019], "autre source": [2023]}
        assert _value(values, "97101", "taux_recyclage", 2023) == 31.0
        assert len(values.attrs["lecture"]) > 10

    def test_meme_valeur_par_deux_sources(self, tmp_path: Path) -> None:
        config = {"_dossier": str(tmp_path), "code_insee": "97101", "benchmark": {"sources": [
            {"fichier": str(_real(OFGL))}, {"fichier": str(_real(OFGL))}]}}
        with pytest.raises(DataError, match="deux sources"):
            bm.load_from_config(config)

    def test_erreurs_de_configuration(self, tmp_path: Path) -> None:
        config = {"_dossier": str(tmp_path), "code_insee": "97101",
                  "benchmark": {"sources": [{"fichier": "absent.csv"}]}}
        with pytest.raises(ConfigError, match="absent.csv"):
            bm.load_from_config(config)
        config["benchmark"]["sources"] = [{"fichier": str(_real(OFGL)), "budjet": "x"}]
        with pytest.raises(ConfigError, match="budjet"):
            bm.load_from_config(config)


def test_definitions_livrees_sans_doublon() -> None:
    table = bm.definitions_table()
    assert not table.duplicated(["source", "indicateur"]).any()
    assert set(table["sens"]) <= {"hausse", "baisse", ""}
    by = defaultdict(set)
    for row in table.itertuples():
        by[row.indicateur].add(row.sens)
    for ident, sens in (("epargne_brute", "hausse"), ("encours_dette", "baisse"),
                        ("depenses_fonctionnement", "baisse"),
                        ("recettes_fonctionnement", "hausse"),
                        ("depenses_equipement", "hausse"), ("dgf", "hausse"),
                        ("impots_locaux", "hausse")):
        assert by[ident] == {sens}, ident
