"""Contenu du questionnaire de maturité données : axes, questions, niveaux décrits, actions.

Le questionnaire est répondu par service (ou par le groupe de travail). Il compte dix axes, ceux
qu'examinent les guides publics destinés aux collectivités (gouvernance, organisation, outils,
qualité, protection des données, ouverture, citoyens, coopération, usage de la donnée pour
décider et évaluer, moyens et investissements), et trois questions par axe. Les deux derniers
axes sont arrivés avec la version 1.1.0 : un questionnaire rempli sur la version 1.0.0 (24
questions, `QUESTIONS_V1`) se lit toujours.
Chaque question décrit cinq niveaux observables, du niveau 1 (« rien n'existe ») au niveau 5
(« exemplaire, partagé avec d'autres »), et propose une action d'amélioration concrète pour les
réponses 1 ou 2.

Pour adapter le questionnaire, modifiez ce fichier puis régénérez les modèles
(``python -m kit.templates``), ou modifiez directement la feuille « Questionnaire » du
classeur généré : les réponses sont lues depuis ce classeur, pas depuis ce module.

Les libellés des axes sont exactement les valeurs permises du champ ``axe`` du schéma
``kit/schemas/questionnaire_maturite.json`` ; les codes (``GOV-1``…) suivent son motif.

Examples
--------
>>> len(AXES), len(QUESTIONS), len(QUESTIONS_V1)
(10, 30, 24)
>>> QUESTIONS[0]["code"], QUESTIONS[0]["axe"]
('GOV-1', 'Gouvernance et pilotage')
"""

from __future__ import annotations

#: Version du contenu (questions, niveaux, actions) ; à augmenter à chaque modification.
CONTENT_VERSION = "1.1.0"

#: Axes dans l'ordre : (code court, libellé exact de l'énumération du schéma).
AXES: list[tuple[str, str]] = [
    ("GOV", "Gouvernance et pilotage"),
    ("ORG", "Organisation, compétences et acculturation"),
    ("OUT", "Outils et infrastructure"),
    ("QUA", "Qualité et documentation des données"),
    ("RGPD", "Protection des données et éthique"),
    ("OUV", "Ouverture et partage"),
    ("CIT", "Implication des citoyens"),
    ("COOP", "Coopération avec les partenaires et les territoires"),
    ("EVA", "Usage de la donnée pour décider et évaluer"),
    ("MOY", "Moyens et investissements"),
]
#: Axes de la version 1.0.0 du questionnaire (avant les axes EVA et MOY).
AXES_V1 = [code for code, _ in AXES[:8]]

#: Échelle commune : sens général de chaque niveau (chaque question le précise).
SCALE: list[tuple[int, str, str]] = [
    (1, "Rien n'existe", "Le sujet n'est pas traité ; aucune pratique ni aucun document."),
    (2, "Initiatives isolées", "Quelques personnes agissent, de façon informelle et non écrite."),
    (3, "Démarche engagée", "Une démarche écrite existe, dans une partie des services ou "
        "sans suivi régulier."),
    (4, "Pratique généralisée et suivie", "La pratique couvre toute la collectivité, elle est "
        "formalisée, dotée de moyens et suivie."),
    (5, "Exemplaire, partagé avec d'autres", "La pratique est évaluée, améliorée en continu et "
        "partagée avec d'autres collectivités ou partenaires."),
]


def _q(axe: str, code: str, question: str, niveaux: tuple[str, str, str, str, str],
       action: str) -> dict[str, str]:
    labels = dict(AXES)
    row = {"axe": labels[axe], "code": code, "question": question}
    row.update({f"niveau_{i}": text for i, text in enumerate(niveaux, start=1)})
    row["action_amelioration"] = action
    return row


#: Les 30 questions, dans l'ordre des axes ; clés = noms des champs du schéma.
QUESTIONS: list[dict[str, str]] = [
    # ------------------------------------------------------------------ gouvernance et pilotage
    _q("GOV", "GOV-1",
       "La collectivité dispose-t-elle d'une stratégie (ou feuille de route) sur les données, "
       "écrite et validée par les élus ?",
       ("Aucune stratégie ni orientation écrite sur les données.",
        "Des intentions existent (projet de mandat, schéma numérique) mais aucun document n'est "
        "consacré aux données.",
        "Une feuille de route données est rédigée ou en cours, portée par la direction générale, "
        "mais ni votée ni dotée de moyens.",
        "Une stratégie données est adoptée par les élus (délibération ou décision de l'exécutif), "
        "avec des objectifs, un calendrier et des moyens ; un bilan en est fait chaque année.",
        "La stratégie est évaluée et révisée à partir d'indicateurs, publiée, et sert de "
        "référence à d'autres collectivités du territoire (EPCI, communes membres)."),
       "Rédiger une note d'orientation de deux pages (enjeux, trois à cinq objectifs, premiers "
       "chantiers), la présenter en comité de direction puis aux élus en vue d'une délibération."),
    _q("GOV", "GOV-2",
       "Les rôles sur les données sont-ils attribués : administrateur·rice des données, élu·e "
       "référent·e, responsable de chaque jeu de données ?",
       ("Personne n'est chargé des données ; les questions restent sans interlocuteur.",
        "Un agent (souvent au service informatique ou SIG) joue ce rôle de fait, sans mission "
        "écrite.",
        "Un·e administrateur·rice des données (ou chef·fe de projet données) est désigné·e par "
        "écrit, mais avec peu de temps consacré à cette mission.",
        "L'administrateur·rice des données, l'élu·e référent·e et le responsable de chaque jeu de "
        "données important sont nommés ; les services connaissent leur rôle.",
        "Les rôles figurent dans l'organigramme et les fiches de poste, disposent de temps dédié "
        "et s'articulent avec le délégué à la protection des données (DPO) et le responsable de "
        "la sécurité des systèmes d'information ; l'organisation est partagée avec d'autres "
        "collectivités."),
       "Désigner par une lettre de mission un·e administrateur·rice des données (périmètre, temps "
       "dédié, lien avec le DPO) et un·e élu·e référent·e ; nommer un responsable pour chaque jeu "
       "de données important de l'inventaire."),
    _q("GOV", "GOV-3",
       "Une instance pilote-t-elle les projets de données et arbitre-t-elle les priorités "
       "(comité de pilotage, comité données) ?",
       ("Aucune instance ; les projets de données sont décidés au cas par cas.",
        "Les sujets de données sont abordés de temps en temps en comité de direction ou en "
        "réunion de projet.",
        "Un comité données se réunit, mais sans calendrier régulier ni suivi des décisions.",
        "Un comité de pilotage réunissant élus, direction générale et services se tient au moins "
        "deux fois par an, avec un relevé de décisions et des indicateurs de suivi.",
        "Le comité pilote un portefeuille de projets et un budget, rend compte publiquement de "
        "ses travaux et associe des partenaires extérieurs (EPCI, délégataires, autres "
        "territoires)."),
       "Créer un comité de pilotage données (élu·e référent·e, direction générale, "
       "administrateur·rice des données, DPO, deux ou trois directions) qui se réunit deux fois "
       "par an et tient un tableau de suivi de ses décisions."),
    # ------------------------------------------------------------------ organisation
    _q("ORG", "ORG-1",
       "Chaque service a-t-il un·e référent·e données identifié·e, relais de "
       "l'administrateur·rice des données ?",
       ("Aucun référent ; personne ne sait qui, dans les services, connaît les données.",
        "Quelques agents motivés servent de relais informels dans certains services.",
        "Des référents sont désignés dans une partie des services, sans animation commune.",
        "Chaque direction a un·e référent·e désigné·e, dont le rôle figure dans la fiche de "
        "poste ; les référents sont réunis en réseau (réunions régulières, espace d'échange).",
        "Le réseau des référents est animé et reconnu (temps dédié, valorisation dans l'entretien "
        "annuel) et ouvert aux référents d'autres collectivités du territoire."),
       "Demander à chaque direction de désigner un·e référent·e données, puis réunir ce réseau "
       "une première fois (présentation de l'inventaire, rôle attendu, calendrier)."),
    _q("ORG", "ORG-2",
       "Les agents, l'encadrement et les élus sont-ils sensibilisés et formés aux données "
       "(culture de la donnée, RGPD, ouverture des données) ?",
       ("Aucune action de sensibilisation ou de formation sur les données.",
        "Quelques agents ont suivi une formation à leur initiative (tableur, SIG, RGPD).",
        "Des sensibilisations ont été organisées pour une partie des agents ou de l'encadrement "
        "(par exemple sur le RGPD).",
        "Un volet données figure au plan de formation (encadrement, référents, agents, élus) ; "
        "les formations suivies sont recensées et les besoins revus chaque année.",
        "L'acculturation est continue (ateliers, parcours par métier, partage de réussites), "
        "évaluée, et les supports sont partagés avec d'autres collectivités."),
       "Organiser une demi-journée de sensibilisation pour l'encadrement et les élus (pourquoi "
       "les données, RGPD, ouverture, exemples locaux) et inscrire des formations données au plan "
       "de formation (CNFPT ou autres organismes)."),
    _q("ORG", "ORG-3",
       "La collectivité connaît-elle les compétences en données de ses agents et sait-elle "
       "trouver celles qui lui manquent ?",
       ("Les compétences en données ne sont pas connues ; aucun besoin n'est identifié.",
        "On sait de façon informelle « qui sait faire », sans recensement.",
        "Un recensement ponctuel des compétences (tableur, SIG, analyse) a été fait dans une "
        "partie des services.",
        "Une cartographie des compétences est tenue à jour ; elle oriente les recrutements, les "
        "fiches de poste et le plan de formation.",
        "Les compétences sont gérées de façon prévisionnelle, mutualisées entre services ou avec "
        "l'EPCI, et les parcours de montée en compétences sont partagés avec d'autres "
        "collectivités."),
       "Lancer la cartographie des compétences (modèle cartographie_competences.xlsx) auprès des "
       "agents volontaires et en tirer trois besoins prioritaires de formation ou de "
       "recrutement."),
    # ------------------------------------------------------------------ outils
    _q("OUT", "OUT-1",
       "Les données des services sont-elles rangées et partagées dans des outils communs "
       "(espace partagé, base de données, entrepôt, SIG) plutôt que dans des fichiers "
       "personnels ?",
       ("Les données sont dans des fichiers sur les postes individuels ou dans les messageries ; "
        "il n'existe aucun espace commun.",
        "Des dossiers partagés existent, sans règles de rangement ni de nommage ; les doublons "
        "sont fréquents.",
        "Un espace partagé organisé (règles de nommage, droits d'accès) est utilisé par une "
        "partie des services.",
        "Les données de référence sont centralisées dans un outil commun (entrepôt de données, "
        "base partagée, SIG), avec des droits d'accès gérés et des sauvegardes.",
        "L'outil commun est alimenté automatiquement, documenté et mutualisé avec l'EPCI ou "
        "d'autres collectivités."),
       "Définir un espace partagé unique pour les données (arborescence par service, règles de "
       "nommage, droits d'accès) et y ranger d'abord les jeux de données prioritaires de "
       "l'inventaire."),
    _q("OUT", "OUT-2",
       "Les données peuvent-elles être extraites des logiciels métiers dans des formats ouverts, "
       "de façon automatisée (exports programmés, API) ?",
       ("Les données ne peuvent pas être extraites des logiciels, ou seulement en PDF ou sur "
        "papier.",
        "Des exports manuels sont possibles (tableur, CSV), à la demande, parfois avec l'aide de "
        "l'éditeur.",
        "Des exports réguliers en format ouvert (CSV, GeoPackage) sont faits pour une partie des "
        "logiciels, encore à la main.",
        "Les principaux logiciels fournissent des exports programmés ou des API documentées, et "
        "la réversibilité des données est prévue dans les contrats.",
        "Les flux sont automatisés de bout en bout (API, traitements planifiés) et surveillés ; "
        "les exigences d'ouverture des logiciels sont partagées avec d'autres acheteurs "
        "publics."),
       "Lister les logiciels métiers de l'inventaire, vérifier pour chacun la possibilité "
       "d'export en CSV ou par API, et prévoir une clause d'export et de réversibilité des "
       "données dans les prochains marchés et renouvellements."),
    _q("OUT", "OUT-3",
       "Les données sont-elles interopérables : identifiants communs, formats standards, "
       "possibilité de croiser les données de plusieurs services ?",
       ("Chaque logiciel a ses propres codes ; croiser deux jeux de données est impossible ou "
        "très long.",
        "Des croisements sont faits à la main, au cas par cas, avec de nombreuses corrections.",
        "Quelques identifiants communs (code INSEE, SIRET, référence cadastrale) sont utilisés "
        "dans une partie des jeux de données.",
        "Identifiants et formats standards sont utilisés dans tous les nouveaux projets ; les "
        "croisements courants sont automatisés.",
        "L'interopérabilité est exigée dans tous les achats de logiciels ; les formats suivent "
        "les standards nationaux (schémas du Socle commun des données locales, standards du "
        "CNIG) et sont partagés avec les partenaires."),
       "Retenir trois identifiants communs (code INSEE de la commune, SIRET des entreprises, "
       "adresse normalisée de la Base Adresse Nationale) et les ajouter aux jeux de données "
       "prioritaires pour pouvoir les croiser."),
    # ------------------------------------------------------------------ qualité
    _q("QUA", "QUA-1",
       "Les jeux de données sont-ils recensés et documentés (inventaire, métadonnées, "
       "dictionnaire des variables) ?",
       ("Aucun inventaire ; on ne sait pas quelles données la collectivité détient.",
        "Certains services connaissent leurs données, mais rien n'est écrit ni rassemblé.",
        "Un inventaire existe pour une partie des services ; la documentation (sens des "
        "colonnes, source, date) est partielle.",
        "L'inventaire couvre tous les services, y compris les données détenues par les "
        "délégataires, et chaque jeu prioritaire a ses métadonnées (producteur, fréquence de mise "
        "à jour, licence, dictionnaire des variables).",
        "Le catalogue est tenu à jour en continu, publié (par exemple au format du schéma "
        "« catalogue simplifié » du Socle commun des données locales) et moissonné par "
        "data.gouv.fr ou un portail régional."),
       "Remplir l'inventaire des données (modèle inventaire_donnees.xlsx) service par service et "
       "rédiger pour chaque jeu prioritaire une fiche de métadonnées (source, mise à jour, sens "
       "des colonnes)."),
    _q("QUA", "QUA-2",
       "Les données de référence (adresses, entreprises, découpage territorial, parcelles) "
       "s'appuient-elles sur les référentiels nationaux (Base Adresse Nationale, répertoire "
       "SIRENE, code officiel géographique de l'INSEE, cadastre) ?",
       ("Chaque service saisit ses propres adresses et libellés, sans référentiel.",
        "Les référentiels nationaux sont connus mais utilisés ponctuellement.",
        "Une partie des jeux de données utilise les codes de référence (code INSEE, SIRET) ; les "
        "adresses ne sont pas encore rapprochées de la Base Adresse Nationale.",
        "La commune (ou l'EPCI pour elle) tient à jour sa Base Adresse Locale et la publie dans "
        "la Base Adresse Nationale ; les jeux de données principaux utilisent les codes de "
        "référence.",
        "Les référentiels locaux sont tenus à jour en continu et synchronisés avec les "
        "référentiels nationaux ; la collectivité accompagne d'autres communes dans cette "
        "démarche."),
       "Vérifier que la commune publie sa Base Adresse Locale (adresse.data.gouv.fr) et "
       "normaliser adresses et codes (INSEE, SIRET) dans les jeux de données prioritaires."),
    _q("QUA", "QUA-3",
       "La qualité des données est-elle contrôlée (champs manquants, doublons, cohérence, "
       "fraîcheur) et les erreurs sont-elles corrigées à la source ?",
       ("Aucun contrôle ; les erreurs sont découvertes par hasard, parfois par les usagers.",
        "Des vérifications manuelles sont faites ponctuellement, avant une publication ou un "
        "rapport.",
        "Des règles de saisie et des contrôles existent pour une partie des jeux de données, sans "
        "suivi dans le temps.",
        "Les jeux prioritaires sont contrôlés à chaque mise à jour (contrôles automatiques par "
        "rapport à un schéma, indicateurs de qualité) et les corrections sont faites dans le "
        "logiciel source.",
        "La qualité est suivie par des indicateurs publiés ; usagers et réutilisateurs peuvent "
        "signaler les erreurs, et les méthodes de contrôle sont partagées."),
       "Choisir trois jeux de données prioritaires, écrire pour chacun les règles attendues "
       "(champs obligatoires, valeurs permises) dans un schéma, et les contrôler avec le kit à "
       "chaque mise à jour."),
    # ------------------------------------------------------------------ protection des données
    _q("RGPD", "RGPD-1",
       "Le registre des activités de traitement (article 30 du RGPD) est-il complet et à jour ?",
       ("Il n'existe pas de registre des traitements.",
        "Un registre existe, mais il est incomplet ou n'a pas été mis à jour depuis sa création.",
        "Le registre couvre la plupart des traitements ; il n'est mis à jour que lorsque le DPO "
        "relance les services.",
        "Le registre est complet, mis à jour à chaque nouveau traitement ou changement de "
        "logiciel, et relié à l'inventaire des données.",
        "Le registre est revu chaque année avec les services, ses fiches servent à informer les "
        "personnes concernées, et la démarche est mutualisée (DPO partagé avec l'EPCI ou le "
        "centre de gestion, par exemple)."),
       "Rapprocher le registre des traitements de l'inventaire des données : chaque jeu "
       "contenant des données personnelles doit renvoyer à une fiche du registre (modèle "
       "registre_traitements.xlsx)."),
    _q("RGPD", "RGPD-2",
       "Le délégué à la protection des données (DPO) est-il désigné et associé dès le début des "
       "projets ? Les analyses d'impact (AIPD) sont-elles faites quand elles sont requises ?",
       ("Aucun DPO n'est désigné, alors que sa désignation est obligatoire pour toute "
        "collectivité.",
        "Un DPO est désigné, mais il n'est pas consulté sur les projets, ou seulement après coup.",
        "Le DPO est consulté sur une partie des projets ; les analyses d'impact ne sont pas "
        "systématiques.",
        "Le DPO est associé dès la conception des projets (protection des données dès la "
        "conception) et une AIPD est réalisée pour chaque traitement susceptible d'engendrer un "
        "risque élevé (liste publiée par la CNIL).",
        "Les avis du DPO sont suivis et tracés, son bilan annuel est présenté aux élus, et les "
        "méthodes (modèles d'AIPD, procédures) sont partagées avec d'autres collectivités."),
       "Vérifier que la désignation du DPO a été déclarée à la CNIL et inscrire sa consultation "
       "dans la procédure de lancement des projets et des achats de logiciels."),
    _q("RGPD", "RGPD-3",
       "Les principes de minimisation, de sécurité et de transparence sont-ils appliqués, y "
       "compris aux algorithmes qui aident à prendre des décisions ?",
       ("Les données personnelles sont collectées et conservées sans limite ; aucune règle ne "
        "s'applique aux algorithmes.",
        "Les services appliquent quelques bonnes pratiques (habilitations, mots de passe) sans "
        "politique écrite.",
        "Durées de conservation et habilitations sont définies pour une partie des traitements ; "
        "les algorithmes utilisés ne sont pas recensés.",
        "Minimisation, durées de conservation et habilitations sont appliquées à tous les "
        "traitements ; les décisions individuelles prises sur le fondement d'un algorithme "
        "portent la mention explicite prévue par le code des relations entre le public et "
        "l'administration, et les règles des principaux algorithmes sont publiées.",
        "La collectivité s'est dotée d'une charte éthique des données et des algorithmes, évalue "
        "ses usages (y compris d'intelligence artificielle), publie l'inventaire de ses "
        "algorithmes et partage sa démarche."),
       "Recenser les traitements algorithmiques qui fondent des décisions individuelles "
       "(attribution d'aides, de places en crèche, tarification…), ajouter la mention explicite "
       "prévue par le code des relations entre le public et l'administration et vérifier les "
       "durées de conservation."),
    # ------------------------------------------------------------------ ouverture
    _q("OUV", "OUV-1",
       "La collectivité publie-t-elle ses données en open data, comme la loi pour une République "
       "numérique le prévoit pour les collectivités de plus de 3 500 habitants et au moins 50 "
       "agents ?",
       ("Aucune donnée n'est publiée.",
        "Quelques fichiers sont publiés ponctuellement sur le site internet, souvent en PDF.",
        "Plusieurs jeux sont publiés en format ouvert sur un portail (data.gouv.fr, portail "
        "régional ou local), sans mise à jour régulière.",
        "Les jeux prioritaires, dont ceux à publier obligatoirement (subventions de plus de "
        "23 000 €, données essentielles des marchés publics), sont publiés et mis à jour selon "
        "un calendrier, avec une licence de réutilisation.",
        "La publication est automatisée et fait partie du travail normal des services "
        "(ouverture par défaut) ; les réutilisations sont suivies et valorisées."),
       "Publier sur data.gouv.fr (ou le portail régional) trois jeux de données simples et "
       "demandés, par exemple les subventions versées, les délibérations et les équipements "
       "publics, sous Licence Ouverte."),
    _q("OUV", "OUV-2",
       "Les données publiées suivent-elles les standards nationaux (schémas du Socle commun des "
       "données locales sur schema.data.gouv.fr), avec une licence et une documentation ?",
       ("Rien n'est publié, ou les fichiers publiés n'ont ni format défini ni licence.",
        "Les fichiers publiés reprennent la structure des logiciels, sans standard ni "
        "documentation.",
        "Certains jeux suivent un schéma national (subventions, délibérations, équipements…) ; "
        "la licence est indiquée.",
        "Tous les jeux couverts par un schéma national sont publiés selon ce schéma et validés "
        "(avec Validata, par exemple) ; chaque jeu a une licence (Licence Ouverte ou ODbL) et "
        "une description.",
        "La collectivité contribue à l'élaboration ou à l'amélioration des schémas nationaux et "
        "aide d'autres collectivités à les utiliser."),
       "Pour chaque jeu publié ou à publier, chercher s'il existe un schéma sur "
       "schema.data.gouv.fr, adapter le fichier, le valider avec Validata et indiquer la "
       "licence."),
    _q("OUV", "OUV-3",
       "Les demandes d'accès aux documents et aux données (particuliers, associations, "
       "journalistes, réutilisateurs) sont-elles traitées selon une procédure connue, avec une "
       "personne responsable (PRADA) ?",
       ("Aucune procédure ; les demandes sont traitées au hasard ou restent sans réponse.",
        "Le service concerné répond aux demandes, sans suivi ni délai connu.",
        "Une personne responsable de l'accès aux documents administratifs (PRADA) ou un "
        "référent est désigné et les demandes sont enregistrées, mais le délai d'un mois n'est "
        "pas toujours tenu.",
        "Les demandes sont suivies dans un registre et traitées dans le délai d'un mois ; les "
        "données souvent demandées sont publiées pour éviter de nouvelles demandes.",
        "Les demandes et leurs suites sont rendues publiques ; elles servent à choisir les "
        "données à ouvrir, et la procédure est partagée avec d'autres collectivités."),
       "Désigner (ou faire connaître) la personne responsable de l'accès aux documents "
       "administratifs, tenir un registre simple des demandes et publier les données demandées "
       "plus d'une fois."),
    # ------------------------------------------------------------------ citoyens
    _q("CIT", "CIT-1",
       "Les habitants sont-ils consultés ou associés aux projets de données (choix des données "
       "à ouvrir, services numériques, capteurs, usages) ?",
       ("Les habitants ne sont jamais consultés sur les données.",
        "Les habitants sont informés après coup (article, réunion publique), sans pouvoir "
        "contribuer.",
        "Des consultations ponctuelles ont eu lieu (questionnaire, atelier) sur un projet "
        "précis.",
        "Habitants et associations sont associés régulièrement : choix des jeux à ouvrir, "
        "ateliers, place dans les instances (par exemple au comité données).",
        "Les habitants co-construisent des projets (ateliers de réutilisation, budget "
        "participatif, collecte contributive) et les enseignements sont partagés avec d'autres "
        "territoires."),
       "Organiser une consultation simple (questionnaire en ligne ou atelier) pour demander aux "
       "habitants et aux associations quelles données publiques leur seraient utiles."),
    _q("CIT", "CIT-2",
       "La collectivité rend-elle compte aux habitants de ce qu'elle fait avec les données "
       "(restitutions, visualisations, tableaux de bord publics) ?",
       ("Aucune restitution des données aux habitants.",
        "Quelques chiffres paraissent dans le magazine ou le rapport d'activité, sans les "
        "données sources.",
        "Des visualisations ou tableaux de bord sont publiés sur quelques sujets (budget, "
        "déchets, énergie), sans mise à jour régulière.",
        "Des tableaux de bord publics sur les principales politiques sont mis à jour "
        "régulièrement, avec les données sources téléchargeables et expliquées.",
        "Les restitutions sont conçues avec les habitants, accessibles (RGAA), et la "
        "collectivité mesure leur consultation et leur compréhension."),
       "Publier une page de restitution sur un sujet attendu (budget, déchets ou eau) avec deux "
       "ou trois graphiques commentés et le lien vers les données sources."),
    _q("CIT", "CIT-3",
       "Les réutilisations des données par les habitants, associations, entreprises ou "
       "chercheurs sont-elles connues, encouragées et suivies ?",
       ("On ne sait pas si les données sont réutilisées.",
        "Quelques réutilisations sont connues par hasard.",
        "Les réutilisations sont recensées (par exemple sur data.gouv.fr) mais pas encouragées.",
        "La collectivité anime les réutilisations : contact identifié, retours des "
        "réutilisateurs pris en compte, réutilisations mises en valeur.",
        "Un réseau local de réutilisateurs (associations, écoles, entreprises) existe, soutenu "
        "par des événements ou des partenariats, et l'expérience est partagée avec d'autres "
        "territoires."),
       "Indiquer un contact sur chaque jeu publié, recenser les réutilisations connues et les "
       "présenter sur le portail ou le site de la collectivité."),
    # ------------------------------------------------------------------ coopération
    _q("COOP", "COOP-1",
       "Les contrats de délégation de service public (DSP) et les marchés prévoient-ils la "
       "remise des données à la collectivité (données d'intérêt général) ?",
       ("Les contrats ne disent rien des données ; la collectivité dépend du délégataire pour "
        "obtenir des chiffres.",
        "Les données arrivent par le rapport annuel du délégataire, souvent en PDF.",
        "Certains contrats récents contiennent une clause données, sans format ni fréquence "
        "précisés.",
        "Tous les nouveaux contrats concernés comportent une clause type : données remises dans "
        "un format ouvert, à une fréquence définie, publiables, comme le prévoit le code de la "
        "commande publique pour les concessions.",
        "Les clauses sont appliquées et contrôlées (données réellement reçues et exploitées), et "
        "la clause type est partagée avec d'autres collectivités."),
       "Recenser les DSP et grands marchés en cours (eau, déchets, transports, énergie, "
       "restauration), vérifier leurs clauses données et préparer une clause type à insérer au "
       "prochain avenant ou renouvellement."),
    _q("COOP", "COOP-2",
       "Les données, les outils et les compétences sont-ils mutualisés entre la commune, l'EPCI "
       "et les communes membres (SIG, référentiels, portail, administration des données) ?",
       ("Aucune mutualisation ; chaque structure travaille seule.",
        "Des fichiers sont échangés ponctuellement entre la commune et l'EPCI.",
        "Certains outils ou données sont partagés (par exemple un SIG intercommunal), sans "
        "gouvernance commune.",
        "Un service commun ou une convention organise le partage des outils, des données et des "
        "compétences (SIG, administration des données, DPO) entre l'EPCI et ses communes.",
        "La mutualisation couvre toute la chaîne (collecte, stockage, publication) et s'étend au "
        "département ou à la région (plateforme territoriale de données)."),
       "Faire la liste des outils et données déjà partagés avec l'EPCI (ou les communes "
       "membres) et proposer une convention de mutualisation sur un premier sujet (SIG, "
       "adresses ou open data)."),
    _q("COOP", "COOP-3",
       "La collectivité partage-t-elle ses données et ses méthodes avec d'autres territoires et "
       "acteurs publics (autres collectivités, services de l'État, réseaux de collectivités) ?",
       ("Aucun échange avec d'autres territoires sur les données.",
        "Des échanges informels ont lieu à l'occasion de rencontres.",
        "La collectivité participe à un réseau (réseau régional, association de collectivités, "
        "club d'utilisateurs) sans y contribuer activement.",
        "La collectivité partage ses données selon des standards communs, participe à des "
        "projets d'autres territoires et s'inspire de leurs retours d'expérience.",
        "La collectivité porte ou anime des projets communs (plateforme régionale, schémas de "
        "données, logiciels libres) et publie ses méthodes et ses outils."),
       "Rejoindre un réseau de collectivités sur les données (réseau régional, OpenDataFrance) "
       "et y présenter un projet de la collectivité lors d'une rencontre."),
    # ------------------------------------------------------- usage pour décider et évaluer
    _q("EVA", "EVA-1",
       "Les décisions des élus et de la direction s'appuient-elles sur des données (notes de "
       "décision, arbitrages budgétaires, choix d'investissement) ?",
       ("Les décisions se prennent sans chiffres, sur l'expérience ou l'urgence.",
        "Quelques chiffres sont cités au cas par cas, quand un agent les a sous la main.",
        "Les notes de décision importantes comportent des données, sans règle commune ni "
        "vérification de leur source.",
        "Toute décision importante est accompagnée d'une note chiffrée (sources citées, "
        "hypothèses écrites), présentée aux élus avant l'arbitrage.",
        "Les données des décisions sont publiées avec elles et leur usage est évalué ; la "
        "pratique est partagée avec d'autres collectivités."),
       "Ajouter à la trame des notes pour le bureau municipal une rubrique « ce que disent les "
       "données » (deux ou trois chiffres sourcés) et l'utiliser pour les trois prochains "
       "arbitrages."),
    _q("EVA", "EVA-2",
       "Les politiques publiques sont-elles suivies avec des indicateurs définis à l'avance "
       "(objectif, cible, source, fréquence) ?",
       ("Aucun indicateur de suivi des politiques publiques.",
        "Des indicateurs existent dans certains services, sans cible ni calendrier.",
        "Un tableau de bord suit quelques politiques, mis à jour irrégulièrement.",
        "Chaque politique prioritaire a des indicateurs avec cible, source et fréquence, "
        "présentés régulièrement aux élus.",
        "Les indicateurs sont publiés, comparés à d'autres territoires et révisés à chaque "
        "bilan."),
       "Choisir une politique prioritaire et lui donner trois indicateurs avec cible, source et "
       "fréquence, suivis dans le catalogue des indicateurs du kit."),
    _q("EVA", "EVA-3",
       "Les actions et services sont-ils évalués après coup à l'aide de données (effets "
       "mesurés, comparaison avant et après, retours des usagers) ?",
       ("Aucune évaluation : les actions sont reconduites sans bilan.",
        "Des bilans qualitatifs sont faits ponctuellement, sans données.",
        "Quelques actions sont évaluées avec des données, à l'initiative d'un service.",
        "Un programme d'évaluation est adopté : les actions importantes sont évaluées avec des "
        "données et les résultats présentés aux élus.",
        "Les évaluations sont publiées, modifient les politiques et nourrissent les échanges "
        "avec d'autres territoires."),
       "Évaluer une action récente (coût, bénéficiaires, effet mesuré avant et après) et en "
       "présenter le bilan chiffré en commission."),
    # ------------------------------------------------------------- moyens et investissements
    _q("MOY", "MOY-1",
       "La collectivité consacre-t-elle un budget identifié aux données (outils, formation, "
       "accompagnement, ouverture) ?",
       ("Aucun budget : les dépenses liées aux données sont dispersées ou inexistantes.",
        "Des dépenses ponctuelles existent dans les budgets des services, sans vue d'ensemble.",
        "Un budget données est identifié pour un projet ou une année, sans programmation.",
        "Un budget pluriannuel est voté pour la stratégie données (fonctionnement et "
        "investissement) et son exécution est suivie.",
        "Le budget est évalué au regard des résultats obtenus et des économies réalisées ; des "
        "financements extérieurs (État, région, Europe) sont mobilisés."),
       "Recenser les dépenses liées aux données de l'année passée (logiciels, prestations, "
       "formations) et proposer une ligne budgétaire dédiée au prochain budget."),
    _q("MOY", "MOY-2",
       "Du temps d'agent est-il dédié aux données (administration des données, analyse, "
       "relais dans les services) ?",
       ("Personne n'a de temps dédié aux données.",
        "Des agents s'en occupent en plus de leur poste, sans temps reconnu.",
        "Un agent a une part de son temps dédiée aux données, inscrite dans sa fiche de poste.",
        "Une équipe (administrateur des données, analyste) et des relais identifiés dans les "
        "services disposent de temps dédié.",
        "Les effectifs sont ajustés aux besoins, les parcours professionnels reconnus et "
        "l'équipe partagée avec d'autres structures."),
       "Inscrire dans les fiches de poste le temps consacré aux données par l'administrateur "
       "des données et par un relais dans chaque service."),
    _q("MOY", "MOY-3",
       "Les moyens (outils, expertise, achats) sont-ils mutualisés avec l'EPCI, d'autres "
       "collectivités ou des opérateurs publics ?",
       ("Aucune mutualisation des moyens.",
        "Des échanges ponctuels de prestations ou de licences ont lieu.",
        "Une mutualisation existe pour un outil ou une compétence (SIG, DPO), sans convention "
        "d'ensemble.",
        "Une convention organise la mutualisation des outils, des achats et de l'expertise "
        "données avec l'EPCI ou un syndicat.",
        "La mutualisation est évaluée et étendue (groupements de commande, plateforme "
        "régionale, équipe partagée)."),
       "Proposer à l'EPCI un groupement de commande ou une convention de mutualisation pour un "
       "premier outil ou une compétence données (SIG, DPO, portail open data)."),
]

#: Les 24 questions de la version 1.0.0 (huit premiers axes), pour écrire ou relire les
#: questionnaires remplis sur l'ancien modèle.
QUESTIONS_V1: list[dict[str, str]] = [q for q in QUESTIONS
                                      if q["code"].split("-")[0] in AXES_V1]
