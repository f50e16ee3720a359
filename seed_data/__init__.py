"""Deterministic demo practice: a PT/OT/SLP group switching practice management systems.

generator.generate(PracticeParams) -> two SQLite databases in two vendors' schemas (read through
config/mappings/legacy_pms.yaml and new_pms.yaml) and a manifest of the migration findings.
Pipeline: practice (one simulated timeline) -> systems (what each PMS holds, the migration between)
-> styles (how each stores names and phones) -> defects (planted) -> expected (the findings, from
MIGRATION_SPEC.md) -> writers (the vendor tables). demo.generate_for_settings wires it to a config.
"""
