"""The analytic warehouse: canonical schema, store connection, sync."""
