"""Reconnaissance des données personnelles dans un texte, en temps linéaire.

Natures reconnues dans une cellule : e-mail, téléphone français, NIR (numéro de sécurité
sociale) et IBAN ; une colonne entière peut aussi ressembler à des adresses postales.

Chaque motif est écrit pour ne jamais revenir en arrière sans borne : quantificateurs
possessifs (``++``) précédés d'une assertion qui n'autorise un départ qu'au début d'une suite de
caractères (un e-mail ne se cherche qu'au début d'un mot), ou longueurs bornées (téléphone, NIR,
IBAN). Le temps d'analyse d'une cellule croît donc comme sa longueur : une cellule de 5 millions
de caractères se lit en quelques secondes, pas en dizaines de minutes (voir
``benchmarks/bench_profile.py``).

Hypothèse (NIR) : la clé de contrôle vaut 97 − (les 13 premiers chiffres modulo 97), la Corse
comptant « 2A » pour 19 et « 2B » pour 18. Un NIR à clé juste est toujours retenu ; un NIR à clé
fausse (faute de frappe, ou numéro fictif) n'est retenu que s'il est écrit avec au moins quatre
séparateurs (« 1 85 03 75 112 004 27 ») : quinze chiffres collés sans clé juste sont plus souvent
une autre référence.
Hypothèse (IBAN) : clé ISO 13616 exacte (modulo 97), sinon ce n'est pas un IBAN.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Part minimale des valeurs (non vides) qui doivent ressembler à une donnée personnelle.
PERSONAL_SHARE = 0.3

EMAIL, PHONE, NIR, IBAN, ADDRESS = "e-mail", "téléphone", "NIR", "IBAN", "adresse"

# Recherche dans un texte libre : un seul passage, un groupe nommé par nature.
_FRAGMENT = re.compile(
    # e-mail : départ seulement au début d'une suite de caractères permis, puis possessif
    r"(?P<mail>(?<![\w.+'-])[\w.+'-]++@[\w-]++(?:\.[\w-]++)++)"
    # IBAN : au plus 34 caractères utiles, la clé est vérifiée ensuite
    r"|(?P<iban>(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ \u00a0]?[A-Za-z0-9]{4}){2,7}"
    r"(?:[ \u00a0]?[A-Za-z0-9]{1,3})?)"
    # NIR : 13 chiffres (2A/2B pour la Corse) et clé facultative, séparateurs facultatifs
    r"|(?P<nir>(?<!\w)[12][ .]?\d{2}[ .]?(?:0[1-9]|1[0-2]|[2-9]\d)[ .]?(?:\d{2}|2[ABab])"
    r"[ .]?\d{3}[ .]?\d{3}(?:[ .]?\d{2})?(?!\w))"
    # téléphone français : 0X ou +33 / 0033, puis quatre paires de chiffres (pas de décimale
    # derrière : « 0612345678,5 » est un nombre)
    r"|(?P<phone>(?:(?<![\w+])(?:\+|00)33[\s.\-]?(?:\(0\)[\s.\-]?)?[1-9]|(?<!\w)0[1-9])"
    r"(?:[\s.\-]?\d{2}){4}(?!\w|[.,]\d))")
_GROUP_KIND = {"mail": EMAIL, "iban": IBAN, "nir": NIR, "phone": PHONE}

# Reconnaissance d'une valeur entière (colonne) : motifs ancrés, sans retour arrière sans borne.
_EMAIL_FULL = re.compile(r"[\w.+'-]++@[\w-]++(?:\.[\w-]++)++")
_PHONE_FULL = re.compile(r"(?:\+33|0033|0)[1-9]\d{8}")
_NIR_FULL = re.compile(r"[12]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2[AB])\d{6}(?:\d{2})?")
_IBAN_FULL = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_ADDRESS_FULL = re.compile(
    r"\d{1,4}(?:\s*+(?:bis|ter))?,?\s++(?:rue|avenue|av\.?|bd|boulevard|chemin|impasse|place|"
    r"all[ée]e|route|quai|cours|r[ée]sidence|lotissement|square|passage)\b.*+",
    re.IGNORECASE | re.DOTALL)
_COMPACT = re.compile(r"[\s.\-()/]")


def nir_key_ok(compact: str) -> bool:
    """Clé d'un NIR de 15 caractères sans séparateur : 97 − (13 premiers chiffres mod 97).

    Examples
    --------
    >>> nir_key_ok("185037511200447"), nir_key_ok("185037511200427")
    (True, False)
    """
    if len(compact) != 15 or not compact[13:].isdigit():
        return False
    body = compact[:13].upper().replace("2A", "19", 1).replace("2B", "18", 1)
    if not body.isdigit():
        return False
    return 97 - int(body) % 97 == int(compact[13:])


def iban_ok(compact: str) -> bool:
    """Clé de contrôle ISO 13616 (modulo 97) d'un IBAN sans espaces.

    Examples
    --------
    >>> iban_ok("FR7630006000011234567890189"), iban_ok("FR7630006000011234567890188")
    (True, False)
    """
    text = compact.upper()
    if not _IBAN_FULL.fullmatch(text):
        return False
    digits = "".join(str(int(c, 36)) for c in text[4:] + text[:4])
    return int(digits) % 97 == 1


def _nir_accepted(raw: str) -> bool:
    compact = _COMPACT.sub("", raw)
    if nir_key_ok(compact):
        return True
    # clé fausse ou absente : retenu seulement s'il a la mise en forme d'un NIR
    return len(raw) - len(compact) >= 4


def _iban_end(raw: str) -> int | None:
    """Longueur du plus long début de `raw` qui est un IBAN à clé juste (au plus 20 essais)."""
    kept = [i for i, c in enumerate(raw) if c.isalnum()]
    compact = "".join(raw[i] for i in kept)
    for size in range(min(len(compact), 34), 14, -1):
        if iban_ok(compact[:size]):
            return kept[size - 1] + 1
    return None


def find_personal(text: str) -> list[tuple[int, int, str]]:
    """Fragments personnels d'un texte libre : (début, fin, nature), dans l'ordre du texte.

    Un candidat refusé (clé fausse) ne coûte qu'un nombre borné de caractères : la recherche
    reprend au caractère suivant son début, et le temps total reste proportionnel à la
    longueur du texte.

    Examples
    --------
    >>> find_personal("écrire à a.b@exemple.fr ou au 06 12 34 56 78.")
    [(9, 23, 'e-mail'), (30, 44, 'téléphone')]
    >>> find_personal("réf. 185037511200427")  # quinze chiffres collés, clé fausse
    []
    """
    found: list[tuple[int, int, str]] = []
    pos = 0
    while True:
        m = _FRAGMENT.search(text, pos)
        if m is None:
            return found
        group = m.lastgroup or ""
        start, end = m.span()
        if group == "iban":
            size = _iban_end(m.group())
            end = start + size if size else -1
        elif group == "nir" and not _nir_accepted(m.group()):
            end = -1
        if end < 0:
            pos = start + 1
            continue
        found.append((start, end, _GROUP_KIND[group]))
        pos = end


def has_personal(text: str) -> bool:
    """Vrai si le texte contient au moins un fragment personnel (voir `find_personal`)."""
    return bool(find_personal(text))


def value_kind(text: str) -> str | None:
    """Nature d'une valeur entière qui est une donnée personnelle, ou None.

    Examples
    --------
    >>> value_kind("+33 6 98 76 54 32"), value_kind("12 rue des Lilas"), value_kind("Lyon")
    ('téléphone', 'adresse', None)
    """
    compact = _COMPACT.sub("", text).upper()
    if _EMAIL_FULL.fullmatch(text):
        return EMAIL
    if _PHONE_FULL.fullmatch(compact):
        return PHONE
    if _NIR_FULL.fullmatch(compact) and _nir_accepted(text.strip()):
        return NIR
    if _IBAN_FULL.fullmatch(compact) and iban_ok(compact):
        return IBAN
    if _ADDRESS_FULL.fullmatch(text):
        return ADDRESS
    return None


def column_kind(texts: Iterable[str]) -> str | None:
    """Nature la plus probable d'une colonne dont au moins 30 % des valeurs (non vides) sont
    des données personnelles de cette nature, ou None.

    L'ordre de préférence est e-mail, téléphone, NIR, IBAN, adresse.

    Examples
    --------
    >>> column_kind(["06 12 34 56 78", "+33 6 98 76 54 32", "Lyon", "Paris"])
    'téléphone'
    """
    counts: dict[str | None, int] = {}
    total = 0
    for text in texts:
        total += 1
        kind = value_kind(text)
        counts[kind] = counts.get(kind, 0) + 1
    if not total:
        return None
    for kind in (EMAIL, PHONE, NIR, IBAN, ADDRESS):
        if counts.get(kind, 0) / total >= PERSONAL_SHARE:
            return kind
    return None
