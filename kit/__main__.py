"""Ligne de commande du kit : ``python -m kit <commande> …``.

Commandes :

- ``valider FICHIER [--schema NOM_OU_CHEMIN] [--feuille NOM]`` : vérifie un fichier contre un
  schéma et affiche le rapport (sans schéma : affiche le profil de qualité du fichier).
- ``init DOSSIER --code-insee CODE`` (ou ``--siren``, ``--departement``) : crée l'espace de
  travail d'une collectivité réelle (configuration pré-remplie, dossiers, modèles, LISEZMOI).
- ``collecter DOSSIER`` : lit les fichiers reçus des services, écrit pour chacun un classeur
  « à corriger » et le tableau de suivi de la collecte.
- ``rapport --config FICHIER [--sortie DOSSIER] [--etapes 01,03]`` : exécute les notebooks que
  la configuration permet et écrit les rapports HTML et leur index.
- ``demo`` : ``rapport`` sur la collectivité d'exemple, rapports dans reports/.
- ``documents --config FICHIER [--sortie DOSSIER]`` : écrit la charte de la donnée, les clauses
  données des contrats, le plan d'acculturation et la note d'organisation (Word) de la
  collectivité, dans reports/documents/ par défaut (0 : écrits, 2 : configuration ou fichiers
  illisibles).

Codes de sortie de ``valider`` : 0 fichier valide, 1 fichier avec erreurs, 2 fichier ou schéma
illisible.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from kit._cli import FrenchParser
from kit.documents import DEFAULT_DIR, write_documents
from kit.errors import KitError, ReadingDoubtWarning
from kit.io import describe_reading, load_table
from kit.project import create_workspace, run_report, update_workspace
from kit.quality import profile
from kit.schemas import load_schema
from kit.validation import validate
from kit.workspace import SAMPLES_DIR, load_config, run_collection

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """Analyseur des arguments ; chaque sous-commande range sa fonction dans ``func``."""
    parser = FrenchParser(
        prog="python -m kit",
        description="Kit d'analyse de données pour les collectivités territoriales.",
        add_help=False,
    )
    parser.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    sub = parser.add_subparsers(title="commandes", dest="commande", metavar="COMMANDE",
                                parser_class=FrenchParser)
    valider = sub.add_parser(
        "valider", add_help=False,
        help="vérifie un fichier (xlsx, ods, csv…) contre un schéma de données",
        description="Vérifie un fichier contre un schéma Table Schema (SCDL, schema.data.gouv.fr"
                    " ou schéma du kit) et affiche chaque problème avec sa cellule. Sans "
                    "--schema, affiche le profil de qualité du fichier. Codes de sortie : 0 "
                    "valide, 1 erreurs trouvées, 2 fichier ou schéma illisible.")
    valider.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    valider.add_argument("fichier", metavar="FICHIER", help="fichier à vérifier")
    valider.add_argument("--schema", metavar="NOM_OU_CHEMIN",
                         help="nom d'un schéma du kit ou chemin d'un fichier JSON Table Schema")
    valider.add_argument("--feuille", metavar="NOM",
                         help="feuille du classeur à lire (par défaut : la feuille de données "
                              "détectée)")
    valider.add_argument("--max-par-colonne", type=int, default=20, metavar="N",
                         help="nombre maximal de problèmes affichés par colonne (défaut : 20)")
    valider.set_defaults(func=_cmd_valider)
    init = sub.add_parser(
        "init", add_help=False,
        help="crée l'espace de travail d'une collectivité réelle",
        description="Crée l'espace de travail d'une collectivité : collectivite.yaml pré-rempli "
                    "depuis le Code officiel géographique embarqué (nom, population, EPCI, "
                    "strates), un dossier par service, les modèles à leur envoyer et un "
                    "LISEZMOI.md. Un espace existant n'est jamais réécrit sans --forcer.")
    init.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    init.add_argument("dossier", metavar="DOSSIER", help="dossier de l'espace de travail")
    who = init.add_mutually_exclusive_group()
    who.add_argument("--code-insee", metavar="CODE", help="commune (code INSEE, ex. 34172)")
    who.add_argument("--siren", metavar="SIREN", help="intercommunalité (SIREN, 9 chiffres)")
    who.add_argument("--departement", metavar="CODE", help="département (ex. 34, 2A)")
    init.add_argument("--mettre-a-jour", action="store_true",
                      help="relit les services de collectivite.yaml et régénère les modèles")
    init.add_argument("--forcer", action="store_true",
                      help="recrée un espace existant (les fichiers reçus sont gardés)")
    init.set_defaults(func=_cmd_init)
    collecter = sub.add_parser(
        "collecter", add_help=False,
        help="lit les fichiers reçus des services et écrit leurs retours à corriger",
        description="Lit chaque fichier reçu dans DOSSIER/donnees/<service>/, reconnaît son "
                    "modèle, le vérifie, écrit pour chaque fichier à reprendre un classeur "
                    "« à corriger » (cellules surlignées et commentées, feuille « À corriger » "
                    "en tête) dans DOSSIER/retours/<service>/, et le tableau de suivi "
                    "DOSSIER/suivi_collecte.xlsx. Les fichiers reçus ne sont jamais modifiés. "
                    "Code de sortie : 0 tout est valide, 1 des fichiers à corriger ou manquants, "
                    "2 espace de travail illisible.")
    collecter.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    collecter.add_argument("dossier", metavar="DOSSIER", help="espace de travail (kit init)")
    collecter.set_defaults(func=_cmd_collecter)
    rapport = sub.add_parser(
        "rapport", add_help=False,
        help="exécute les notebooks d'une ou plusieurs collectivités et écrit les rapports",
        description="Exécute chaque notebook dont la configuration fournit les fichiers (deux à "
                    "la fois), écrit un rapport HTML hors ligne par notebook et un index.html. "
                    "Une étape sans ses fichiers est sautée (l'index dit lequel manque). Code de "
                    "sortie : 0 si tout a tourné, 1 si un notebook a échoué, 2 configuration "
                    "illisible.")
    rapport.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    rapport.add_argument("--config", metavar="FICHIER", action="append", required=True,
                         help="collectivite.yaml (répétez l'option pour plusieurs collectivités)")
    rapport.add_argument("--sortie", metavar="DOSSIER",
                         help="dossier des rapports (défaut : rapports/ à côté de la "
                              "configuration ; un sous-dossier par collectivité s'il y en a "
                              "plusieurs)")
    rapport.add_argument("--etapes", metavar="LISTE",
                         help="étapes à produire, par exemple 01,03 (défaut : toutes)")
    rapport.add_argument("--parallele", type=int, default=2, metavar="N",
                         help="notebooks exécutés en même temps (défaut : 2)")
    rapport.add_argument("--sans-pdf", action="store_true",
                         help="n'imprime pas les rapports en PDF (défaut : un PDF A4 par "
                              "rapport des élus, si Chromium est installé)")
    rapport.set_defaults(func=_cmd_rapport)
    demo = sub.add_parser(
        "demo", add_help=False,
        help="exécute tous les notebooks sur data/samples et écrit les rapports HTML",
        description="Exécute chaque notebook de notebooks/ sur les données d'exemple et écrit "
                    "un rapport HTML sans code, lisible hors ligne, dans reports/.")
    demo.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    demo.set_defaults(func=_cmd_demo)
    documents = sub.add_parser(
        "documents", add_help=False,
        help="écrit la charte, les clauses des contrats, le plan d'acculturation et la note "
             "d'organisation (Word)",
        description="Refait le diagnostic et la priorisation depuis la configuration, puis "
                    "écrit les documents de la méthode en Word modifiable : "
                    "charte_donnees.docx, clauses_donnees_<operateur>.docx, "
                    "plan_acculturation.docx, organisation.docx. Codes de sortie : 0 écrits, "
                    "2 configuration ou fichiers illisibles.")
    documents.add_argument("-h", "--help", action="help", help="affiche cette aide et quitte")
    documents.add_argument("--config", required=True, metavar="FICHIER",
                           help="configuration YAML de la collectivité")
    documents.add_argument("--sortie", metavar="DOSSIER", default=None,
                           help="dossier des documents (défaut : reports/documents/)")
    documents.set_defaults(func=_cmd_documents)
    return parser


def _cmd_init(args: argparse.Namespace) -> int:
    try:
        if args.mettre_a_jour:
            workspace = update_workspace(args.dossier)
        else:
            workspace = create_workspace(args.dossier, code_insee=args.code_insee,
                                         siren=args.siren, departement=args.departement,
                                         force=args.forcer)
    except KitError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(workspace.to_text())
    return EXIT_OK


def _cmd_documents(args: argparse.Namespace) -> int:
    try:
        written = write_documents(load_config(args.config), args.sortie)
    except KitError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except OSError as exc:
        print(f"Erreur : impossible d'écrire dans « {args.sortie or DEFAULT_DIR} » "
              f"({exc.strerror or exc}). Choisissez un autre dossier avec --sortie.",
              file=sys.stderr)
        return EXIT_UNREADABLE
    paths = written.paths()
    print(f"{len(paths)} document(s) écrit(s) dans {paths[0].parent} :")
    for path in paths:
        print(f"- {path.name}")
    return EXIT_OK



def _cmd_collecter(args: argparse.Namespace) -> int:
    try:
        collection = run_collection(args.dossier)
    except KitError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(collection.to_text())
    complete = collection.suivi["statut"].isin(["valide", "reçu", "remplacé"]) | (
        collection.suivi["attendu"] == "non")
    return EXIT_OK if bool(complete.all()) else EXIT_INVALID


def _reports(configs: list[str], output: str | None, steps: str | None, workers: int,
             pdf: bool = True) -> int:
    wanted = steps.split(",") if steps else None
    several = len(configs) > 1
    status = EXIT_OK
    for config in configs:
        folder = output
        if output and several:
            folder = str(Path(output) / Path(config).resolve().parent.name)
        try:
            result = run_report(config, folder, steps=wanted, workers=workers,
                                pdf=pdf)
        except KitError as exc:
            print(f"Erreur ({config}) : {exc}", file=sys.stderr)
            status = max(status, EXIT_UNREADABLE)
            continue
        print(result.to_text())
        if not result.ok:
            status = max(status, EXIT_INVALID)
    return status


def _cmd_rapport(args: argparse.Namespace) -> int:
    if args.parallele < 1:
        print("Erreur : --parallele doit valoir au moins 1.", file=sys.stderr)
        return EXIT_UNREADABLE
    return _reports(args.config, args.sortie, args.etapes, args.parallele, not args.sans_pdf)


def _cmd_demo(args: argparse.Namespace) -> int:
    return _reports([str(SAMPLES_DIR / "collectivite.yaml")], str(Path.cwd() / "reports"), None,
                    2)


def _cmd_valider(args: argparse.Namespace) -> int:

    try:
        schema = load_schema(args.schema) if args.schema else None
        with warnings.catch_warnings():  # les doutes figurent dans le compte rendu ci-dessous
            warnings.simplefilter("ignore", ReadingDoubtWarning)
            df = load_table(args.fichier, sheet=args.feuille, schema=schema)
    except KitError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    reading = describe_reading(df)
    print(reading.to_text().rstrip() + "\n")
    if reading.doubts:
        print(f"Attention : le kit doute de {len(reading.doubts)} point(s) de cette lecture "
              "(voir « Doutes » ci-dessus) ; vérifiez-les avant d'utiliser les nombres.\n")
    if schema is None:
        print(f"Profil de {args.fichier} (aucun schéma donné : pas de validation ; "
              "utilisez --schema pour vérifier le fichier).\n")
        print(profile(df).to_text(), end="")
        return EXIT_OK
    report = validate(df, schema)
    print(report.to_text(max_per_column=args.max_par_colonne), end="")
    return EXIT_OK if report.ok else EXIT_INVALID


def main(argv: Sequence[str] | None = None) -> int:
    """Point d'entrée de ``python -m kit`` et de ``kit-territoires``.

    Parameters
    ----------
    argv
        Arguments (sans le nom du programme) ; par défaut ceux de la ligne de commande.

    Returns
    -------
    int
        Code de sortie.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] | None = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_UNREADABLE
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
