"""Référentiels embarqués (Code officiel géographique de l'INSEE) : voir README.md."""
