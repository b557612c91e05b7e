"""Banc d'essai de la lecture des exports OFGL : `read_open_data` + positionnement contre pandas.

Données synthétiques (graine fixe), écrites dans un dossier temporaire : un CSV au format de
l'export ``ofgl-base-communes`` de data.ofgl.fr (42 colonnes, ``;``, UTF-8 avec BOM) de
2 millions de lignes : toutes les communes du référentiel du kit × 50 agrégats pour le budget
principal, plus des budgets annexes (mêmes agrégats) pour une partie des communes.

Chaque variante tourne dans un sous-processus neuf (mémoire de pointe = ``ru_maxrss`` du
processus : tracemalloc ne voit pas la mémoire d'Arrow), en alternance kit /
pandas, ``--repeat`` fois ; on garde le meilleur temps de chaque côté.

- **kit** : ``read_open_data(csv)`` (le lecteur CSV d'Arrow lit les seules colonnes utiles,
  textes en dictionnaires, sur tous les cœurs ; contrôle des codes, budget principal, deux
  indicateurs par agrégat, compte rendu), puis
  ``position_all`` de chaque commune dans sa strate (colonne « Strate population » du
  fichier) : rang et percentile, par indicateur ;
- **pandas** (la même chose écrite simplement, la référence du ratio) : ``read_csv`` du
  fichier entier (codes en texte), filtre du budget principal, ``pivot_table`` (montant et
  par habitant, une colonne par agrégat), puis ``groupby(strate).rank(method="max",
  pct=True)`` ;
- **pandas_usecols** (pour information) : le même script avec ``usecols=`` (seules les 7
  colonnes utiles sont lues), variante qu'un analyste averti écrirait ; le ratio contre elle
  est affiché aussi.

Contrôle : les deux côtés calculent la même chose. Hors chronomètre, chaque sous-processus
renvoie le rang (1 = la plus forte valeur de la strate) et le percentile des communes dont le
code finit par « 001 » (une centaine, chaque agrégat, montant et par habitant) ; le rang côté
pandas est recalculé par ``rank(method="min", ascending=False)`` sur son tableau large. Les
deux échantillons doivent être identiques (ligne « contrôle : … »).

Le générateur tourne lui aussi dans un sous-processus : sous Linux, ``ru_maxrss`` d'un
processus fils hérite de la pointe du parent au moment du ``fork``.

Objectif : au moins 3 fois plus rapide que pandas, au plus 1 Gio de mémoire de pointe. Dernière
ligne : ``bench open_data: ratio=X goal=3 time_s=T peak_mib=M``.

Usage : python benchmarks/bench_open_data.py [--rows 2000000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_RATIO = 3.0
GOAL_PEAK_MIB = 1024.0
HEADER = [
    "Exercice", "Outre-mer", "Code Insee 2024 Région", "Nom 2024 Région",
    "Code Insee 2024 Département", "Nom 2024 Département", "Code Siren 2024 EPCI",
    "Nom 2024 EPCI", "Strate population 2024", "Commune rurale", "Commune de montagne",
    "Commune touristique", "Tranche revenu par habitant", "Présence QPV",
    "Code Insee 2024 Commune", "Nom 2024 Commune", "Catégorie", "Code Siren Collectivité",
    "Code Insee Collectivité", "Siret Budget", "Libellé Budget", "Type de budget",
    "Nomenclature", "Agrégat", "Montant", "Montant en millions", "Population totale",
    "Montant en € par habitant", "Compte 2024 Disponible", "code_type_budget",
    "ordre_analyse1_section1", "ordre_analyse1_section2", "ordre_analyse1_section3",
    "ordre_analyse2_section1", "ordre_analyse2_section2", "ordre_analyse2_section3",
    "ordre_analyse3_section1", "ordre_analyse3_section2", "ordre_analyse3_section3",
    "ordre_analyse4_section1", "annee_join", "Population totale du dernier exercice",
]
CODE, STRATE, TYPE, AGREGAT = ("Code Insee 2024 Commune", "Strate population 2024",
                               "Type de budget", "Agrégat")
MONTANT, HAB = "Montant", "Montant en € par habitant"


def generate(path: Path, rows: int, seed: int = 20241202) -> int:
    """Écrit l'export synthétique ; renvoie le nombre de lignes de données."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    sys.path.insert(0, str(ROOT))
    from kit.benchmark import assign_strata, definitions_table
    from kit.territories import load_territories

    rng = np.random.default_rng(seed)
    communes = load_territories("commune")
    communes = communes[communes["population"].notna() & (communes["population"] > 0)]
    codes = communes["code"].to_numpy(str)
    n_com = len(codes)
    agregats = np.array(definitions_table("ofgl")["cle"].drop_duplicates().tolist()[:50])
    n_agg = len(agregats)
    n_annex = max(0, rows // n_agg - n_com)  # budgets annexes pour compléter
    owner = np.concatenate([np.arange(n_com), rng.choice(n_com, n_annex)])
    is_annex = np.r_[np.zeros(n_com, bool), np.ones(n_annex, bool)]
    n_budgets = len(owner)
    total = n_budgets * n_agg
    bud = np.repeat(np.arange(n_budgets), n_agg)
    agg = np.tile(np.arange(n_agg), n_budgets)
    com = owner[bud]
    pop = communes["population"].to_numpy(float)
    strata = assign_strata(communes["population"], "ofgl").to_numpy(int)
    montant = np.round(rng.lognormal(4.5, 1.0, total) * pop[com], 2)
    montant[rng.random(total) < 0.002] = 0.0

    def text(values: np.ndarray) -> pa.Array:
        uniques, inverse = np.unique(values, return_inverse=True)
        return pa.DictionaryArray.from_arrays(pa.array(inverse.astype(np.int32)),
                                              pa.array(uniques)).cast(pa.string())

    def const(value: str) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(np.zeros(total, np.int32)),
                                              pa.array([value])).cast(pa.string())

    siret = np.array([f"2{codes[o]}{i:08d}" for i, o in enumerate(owner)])
    names = communes["nom"].to_numpy(str)
    label = np.where(is_annex, "BUDGET ANNEXE " + np.arange(n_budgets).astype(str),
                     np.char.upper(names[owner].astype(str)))
    kind = np.where(is_annex, "Budget annexe", "Budget principal")
    columns = {h: const("") for h in HEADER}
    columns.update({
        "Exercice": const("2024"), "Outre-mer": const("Non"), "Catégorie": const("Commune"),
        "Code Insee 2024 Département": text(communes["dep"].to_numpy(str)[com]),
        STRATE: text(strata[com].astype(str)), CODE: text(codes[com]),
        "Code Insee Collectivité": text(codes[com]), "Nom 2024 Commune": text(names[com]),
        "Siret Budget": text(siret[bud]), "Libellé Budget": text(label[bud]),
        TYPE: text(kind[bud]), "Nomenclature": const("M57"), AGREGAT: text(agregats[agg]),
        MONTANT: pa.array(montant), "Montant en millions": pa.array(montant / 1e6),
        "Population totale": pa.array(pop[com].astype(np.int64)),
        HAB: pa.array(montant / pop[com]), "annee_join": const("2024"),
        "Population totale du dernier exercice": pa.array(pop[com].astype(np.int64)),
    })
    table = pa.table([columns[h] for h in HEADER], names=HEADER)
    with path.open("wb") as fh:
        fh.write(b"\xef\xbb\xbf")
        pcsv.write_csv(table, fh, pcsv.WriteOptions(delimiter=";", quoting_style="none"))
    return total


def worker(kind: str, path: Path) -> dict:
    """Une mesure, dans ce processus : temps (s), mémoire de pointe (Mio), contrôle."""
    sys.path.insert(0, str(ROOT))
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    if kind == "kit":  # imports hors chronomètre, comme celui de pandas
        from kit.benchmark import position_all, read_open_data
    start = time.perf_counter()
    if kind == "kit":
        values = read_open_data(path)
        groups = values.attrs["territoires"][["code", "strate_fichier"]]
        res = position_all(values, groups, group_column="strate_fichier",
                           columns=["rang", "percentile"])
        check = float(res["percentile"].astype(float).sum())
        n = len(res)
    else:
        usecols = [CODE, STRATE, TYPE, AGREGAT, MONTANT, HAB, "Exercice"] \
            if kind == "pandas_usecols" else None
        raw = pd.read_csv(path, sep=";", encoding="utf-8-sig", usecols=usecols,
                          dtype={CODE: str})
        main = raw[raw[TYPE] == "Budget principal"]
        wide = main.pivot_table(index=[CODE, STRATE, "Exercice"], columns=AGREGAT,
                                values=[MONTANT, HAB], aggfunc="sum")
        pct = wide.groupby(level=[STRATE, "Exercice"]).rank(method="max", pct=True) * 100
        check = float(pct.sum().sum())
        n = int(pct.notna().sum().sum())
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Kio → Mio (Linux)
    # hors chronomètre : rangs et percentiles d'un échantillon de communes, pour le contrôle
    sample = _sample_kit(res) if kind == "kit" else _sample_pandas(wide, pct)
    return {"kind": kind, "time_s": elapsed, "peak_mib": peak, "n": n, "check": check,
            "sample": sample}


def _in_sample(code: str) -> bool:
    """Échantillon du contrôle : les communes dont le code finit par « 001 » (01001…)."""
    return code.endswith("001")


def _sample_kit(res) -> dict[str, list]:
    """Rang et percentile du kit, clé « code|agrégat|montant ou hab|exercice »."""
    from kit.benchmark import definitions_table

    defs = definitions_table("ofgl").set_index("indicateur")
    part = res[res["code"].astype(str).map(_in_sample) & res["percentile"].notna()]
    out = {}
    for code, ind, year, rang, pct in zip(part["code"].astype(str), part["indicateur"],
                                          part["annee"], part["rang"], part["percentile"]):
        kind = "montant" if defs.loc[ind, "unite"] == "€" else "hab"
        out[f"{code}|{defs.loc[ind, 'cle']}|{kind}|{int(year)}"] = [int(rang), float(pct)]
    return out


def _sample_pandas(wide, pct) -> dict[str, list]:
    """Même échantillon côté pandas : percentile du script chronométré, rang (1 = la plus
    forte valeur de la strate) recalculé ici, hors chronomètre, par ``rank(method="min",
    ascending=False)``."""
    rang = wide.groupby(level=[STRATE, "Exercice"]).rank(method="min", ascending=False)
    mask = [_in_sample(c) for c in pct.index.get_level_values(CODE)]
    out = {}
    for ((code, _, year), row), (_, ranks) in zip(pct[mask].iterrows(), rang[mask].iterrows()):
        for (column, agregat), value in row.items():
            if not math.isnan(value):  # valeur présente
                kind = "montant" if column == MONTANT else "hab"
                out[f"{code}|{agregat}|{kind}|{int(year)}"] = [
                    int(ranks[(column, agregat)]), float(value)]
    return out


def compare_samples(kit: dict[str, list], ref: dict[str, list]) -> str:
    """Phrase du contrôle : rangs et percentiles du kit égaux à ceux de pandas."""
    if set(kit) != set(ref):
        return (f"attention : échantillons différents ({len(set(kit) - set(ref))} valeur(s) "
                f"seulement dans le kit, {len(set(ref) - set(kit))} seulement dans pandas)")
    wrong = [k for k in kit if kit[k][0] != ref[k][0] or abs(kit[k][1] - ref[k][1]) > 1e-9]
    codes = len({k.split("|")[0] for k in kit})
    if wrong:
        return (f"attention : {len(wrong)} rang(s) ou percentile(s) différent(s) sur "
                f"{len(kit)}, par exemple {wrong[0]} (kit {kit[wrong[0]]}, pandas "
                f"{ref[wrong[0]]})")
    return (f"contrôle : rangs et percentiles du kit identiques à ceux de pandas pour "
            f"{len(kit)} valeurs de {codes} communes (codes en « 001 »)")


def run(kind: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", kind, str(path)],
                         check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], Path(args.worker[1]))))
        return
    if args.generate:
        print(generate(Path(args.generate[0]), int(args.generate[1])))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ofgl-base-communes.csv"
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--generate", str(path),
                              str(args.rows)], check=True, capture_output=True, text=True,
                             cwd=ROOT)
        total = int(out.stdout.strip().splitlines()[-1])
        print(f"export synthétique : {total:,} lignes".replace(",", " ")
              + f", {path.stat().st_size / 2**20:.0f} Mio, écrit en "
              f"{time.perf_counter() - t0:.1f} s")
        results: dict[str, list[dict]] = {"kit": [], "pandas": [], "pandas_usecols": []}
        for _ in range(args.repeat):
            for kind, runs in results.items():
                runs.append(run(kind, path))
    best = {k: min(v, key=lambda r: r["time_s"]) for k, v in results.items()}
    print(f"{'variante':<15} {'temps (s)':>10} {'pointe (Mio)':>13} {'valeurs classées':>17}")
    for kind, r in best.items():
        print(f"{kind:<15} {r['time_s']:>10.2f} {r['peak_mib']:>13.0f} {r['n']:>17,}"
              .replace(",", " "))
    kit, ref = best["kit"], best["pandas"]
    for other in ("pandas", "pandas_usecols"):
        if abs(kit["check"] - best[other]["check"]) > 1e-6 * max(1.0, abs(ref["check"])):
            print(f"attention : sommes des percentiles différentes (kit {kit['check']:.6g}, "
                  f"{other} {best[other]['check']:.6g})")
    print(compare_samples(kit["sample"], ref["sample"]))
    print(f"ratio contre pandas avec usecols (pour information) : "
          f"{best['pandas_usecols']['time_s'] / kit['time_s']:.2f}")
    ratio = ref["time_s"] / kit["time_s"]
    ok = ratio >= GOAL_RATIO and kit["peak_mib"] <= GOAL_PEAK_MIB
    print(f"objectif : ≥ {GOAL_RATIO:g}× pandas et ≤ {GOAL_PEAK_MIB:.0f} Mio : "
          + ("atteint" if ok else "NON atteint"))
    print(f"bench open_data: ratio={ratio:.2f} goal={GOAL_RATIO:g} time_s={kit['time_s']:.2f} "
          f"peak_mib={kit['peak_mib']:.0f}")


if __name__ == "__main__":
    main()
