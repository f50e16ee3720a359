"""Orchestration run outside the page scripts: first-run setup, syncs, the scheduler process."""
