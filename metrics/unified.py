"""One practice across two systems (KPI_SPEC.md): the kept rows of every canonical table.

Built once, as ibis expressions, and read by every KPI (and by the readiness schedule check):

1. Identity ``SOURCE:KEY``: legacy rows and their new-source twins (``legacy_id`` not null) carry the
   legacy source's name and key; new rows without ``legacy_id`` carry the new source's name and key.
   References in new rows are translated to the identity of the new row they name (a key that names
   no new row keeps ``NEW:KEY``).
2. Row dates per table (claim lines take their claim's ``created_at``).
3. System of record by date: legacy rows dated before go-live, new rows on or after it; the run-off
   exception keeps remits, payments and adjustments of a legacy claim without a twin at every date.
   Undated tables keep the legacy row of an identity, else the new row.
4. When both rows of a twin pair survive, the legacy row wins.
5. With only one source configured, every row of it is kept.

Nothing after ``as_of``: a dated row exists only when its row date is on or before ``as_of``;
``signed_at``, ``cosigned_at``, ``first_submitted_at`` and ``decided_at`` later than ``as_of`` read
as null.

Every kept table has the canonical columns (keys and references as identities), ``raw_key`` (the
row's own key in its source, for key order), ``source_system`` and, for dated tables, ``row_date``.
Choices where the spec is silent: with no legacy source configured, a new row's identity is always
``NEW:KEY`` (its ``legacy_id`` names nothing); ``provider_schedule`` and ``fee_schedule`` (no key,
no crosswalk) use their translated composite key as identity.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from warehouse.schema import REFERENCES, TABLES

# Row date of each dated table: (column, is_timestamp). claim_lines use their claim's created_at.
ROW_DATES: dict[str, tuple[str, bool]] = {
    "appointments": ("scheduled_start", True),
    "notes": ("visit_date", False),
    "referrals": ("received_at", True),
    "authorizations": ("requested_at", True),
    "provider_schedule": ("work_date", False),
    "claims": ("created_at", True),
    "remits": ("received_date", False),
    "payments": ("payment_date", False),
    "adjustments": ("adjustment_date", False),
}
DATED = (*ROW_DATES, "claim_lines")
RUN_OFF_TABLES = ("remits", "payments", "adjustments")
# Later timestamps on an existing row that have not happened yet at as_of.
LATER_TIMESTAMPS = {
    "notes": ("signed_at", "cosigned_at"),
    "claims": ("first_submitted_at",),
    "authorizations": ("decided_at",),
}


@dataclass(frozen=True)
class Params:
    """What the unified view depends on: go-live, as_of and the two source names."""

    go_live: dt.date
    as_of: dt.date
    legacy: str | None
    new: str | None

    @classmethod
    def from_settings(cls, settings, as_of: dt.date) -> Params:
        legacy = settings.legacy_source.name if settings.legacy_source else None
        new = settings.new_source.name if settings.new_source else None
        return cls(settings.go_live, as_of, legacy, new)


@dataclass
class Unified:
    """The kept rows of every canonical table (ibis expressions, nothing executed yet)."""

    params: Params
    tables: dict[str, ir.Table] = field(default_factory=dict)
    raw: dict[str, ir.Table] = field(default_factory=dict)  # every row of every source, untouched

    def __getitem__(self, name: str) -> ir.Table:
        return self.tables[name]

    def legacy_claims_without_twin(self) -> ir.Table:
        """Identities (column ``claim_id``) of kept legacy claims that no new-source claim twins:
        the run-off claims the old system still works."""
        c = self.tables["claims"]
        legacy = c.filter(c.source_system == self.params.legacy)
        if self.params.new is None:
            return legacy.select("claim_id")
        new = self.raw["claims"]
        new = new.filter((new.source_system == self.params.new) & new.legacy_id.notnull())
        twins = new.select(_tw=ibis.literal(f"{self.params.legacy}:") + new.legacy_id).distinct()
        return legacy.anti_join(twins, legacy.claim_id == twins._tw).select("claim_id")


def unified(con: ibis.BaseBackend, settings_or_params, as_of: dt.date | None = None) -> Unified:
    """Build the unified view over a warehouse connection (see the module docstring)."""
    if isinstance(settings_or_params, Params):
        params = settings_or_params
    else:
        params = Params.from_settings(settings_or_params, as_of or dt.date.today())
    return _Builder(con, params).build()


BOOKKEEPING = ("source_system", "legacy_id", "raw_key", "row_date", "_composite")


def materialize(con: ibis.BaseBackend, u: Unified, names: tuple[str, ...] | None = None,
                columns: dict[str, tuple[str, ...]] | None = None) -> Unified:
    """The same view with every kept table computed once into a temporary table of this connection
    (works on a read-only DuckDB file and on PostgreSQL). KPI queries then read small tables instead of
    repeating the identity translation in every sub-query.

    ``columns``: per table, the canonical columns the readers need (the view's own bookkeeping
    columns are always kept); a table not named keeps every column. Writing only what is read
    keeps the temporary tables small on a large practice."""
    token = uuid.uuid4().hex[:8]
    out = Unified(u.params, raw=dict(u.raw))
    for name, expr in u.tables.items():
        if names is None or name in names:
            wanted = (columns or {}).get(name)
            if wanted is not None:
                expr = expr.select(*[c for c in expr.columns if c in wanted or c in BOOKKEEPING])
            out.tables[name] = con.create_table(f"_kept_{name}_{token}", expr, temp=True)
        else:
            out.tables[name] = expr
    return out


def _key_of(name: str) -> str:
    return TABLES[name].key[0]


class _Builder:
    def __init__(self, con: ibis.BaseBackend, params: Params) -> None:
        self.con = con
        self.p = params
        self.raw = {name: con.table(name) for name in TABLES}
        self._id_maps: dict[str, ir.Table] = {}

    # ------------------------------------------------------------------ identities
    def _side(self, name: str, source: str | None) -> ir.Table | None:
        if source is None:
            return None
        t = self.raw[name]
        return t.filter(t.source_system == source)

    def _new_identity(self, t: ir.Table, name: str) -> ir.Value:
        key = t[_key_of(name)]
        own = ibis.literal(f"{self.p.new}:") + key
        if self.p.legacy is None or not TABLES[name].crosswalk:
            return own
        return t.legacy_id.isnull().ifelse(own, ibis.literal(f"{self.p.legacy}:") + t.legacy_id)

    def id_map(self, name: str) -> ir.Table:
        """new-source key -> identity, for translating references in new rows. Keys are unique within
        a source (the sync refuses duplicates), so no DISTINCT is needed."""
        if name not in self._id_maps:
            t = self._side(name, self.p.new)
            self._id_maps[name] = t.select(_k=t[_key_of(name)], _id=self._new_identity(t, name))
        return self._id_maps[name]

    def _translate_legacy(self, t: ir.Table, name: str) -> ir.Table:
        prefix = ibis.literal(f"{self.p.legacy}:")
        changes = {}
        if TABLES[name].crosswalk:
            changes[_key_of(name)] = prefix + t[_key_of(name)]
        for (table, col), _ref in REFERENCES.items():
            if table == name:
                changes[col] = prefix + t[col]
        return t.mutate(raw_key=t[_key_of(name)], **changes)

    def _translate_new(self, t: ir.Table, name: str) -> ir.Table:
        prefix = ibis.literal(f"{self.p.new}:")
        t = t.mutate(raw_key=t[_key_of(name)])
        if TABLES[name].crosswalk:
            t = t.mutate(**{_key_of(name): self._new_identity(t, name)})
        for (table, col), ref in REFERENCES.items():
            if table != name:
                continue
            m = self.id_map(ref).rename(**{f"_k_{col}": "_k", f"_id_{col}": "_id"})
            t = t.left_join(m, t[col] == m[f"_k_{col}"])
            t = t.mutate(**{col: ibis.coalesce(t[f"_id_{col}"], prefix + t[col])}).drop(f"_k_{col}", f"_id_{col}")
        return _composite(t, name)

    # ------------------------------------------------------------------ row dates
    def _with_row_date(self, t: ir.Table, name: str, source: str) -> ir.Table:
        if name == "claim_lines":
            c = self._side("claims", source)
            c = c.select(_cl_claim=c.claim_id, _cl_created=c.created_at)
            t = t.inner_join(c, t.claim_id == c._cl_claim)
            return t.mutate(row_date=t._cl_created.date()).drop("_cl_claim", "_cl_created")
        col, is_ts = ROW_DATES[name]
        return t.mutate(row_date=t[col].date() if is_ts else t[col])

    def _legacy_claims_without_twin(self) -> ir.Table:
        legacy = self._side("claims", self.p.legacy)
        new = self._side("claims", self.p.new)
        twins = new.filter(new.legacy_id.notnull()).select(_tw=new.legacy_id)
        lone = legacy.anti_join(twins, legacy.claim_id == twins._tw)
        return lone.select(_runoff_claim=lone.claim_id)  # claim keys are unique within a source

    # ------------------------------------------------------------------ build
    def build(self) -> Unified:
        out = Unified(self.p, raw=dict(self.raw))
        for name in TABLES:
            out.tables[name] = self._kept(name)
        return out

    def _kept(self, name: str) -> ir.Table:
        legacy = self._side(name, self.p.legacy)
        new = self._side(name, self.p.new)
        dated = name in DATED
        go_live = ibis.literal(self.p.go_live)
        as_of = ibis.literal(self.p.as_of)

        if legacy is not None:
            legacy = self._keep_legacy(legacy, name, dated, go_live)
        if new is not None:
            if dated:
                new = self._with_row_date(new, name, self.p.new)
                if legacy is not None:
                    new = new.filter(new.row_date >= go_live)
            new = self._translate_new(new, name)

        if legacy is None and new is None:
            base = self.raw[name]
            kept = base.filter(ibis.literal(False)).mutate(raw_key=base[_key_of(name)])
            if dated:
                kept = kept.mutate(row_date=ibis.null("date"))
        elif legacy is None:
            kept = new
        elif new is None:
            kept = legacy
        else:
            ident = self._identity_column(name)
            if ident is None:
                kept = legacy.union(new.select(*legacy.columns))
            else:
                lid = legacy.select(_lid=legacy[ident])
                new = new.anti_join(lid, new[ident] == lid._lid)
                kept = legacy.union(new.select(*legacy.columns))
        if dated:
            kept = kept.filter(kept.row_date <= as_of)
        for col in LATER_TIMESTAMPS.get(name, ()):
            kept = kept.mutate(**{col: (kept[col].date() > as_of).ifelse(ibis.null(kept[col].type()), kept[col])})
        return kept

    def _identity_column(self, name: str) -> str | None:
        if TABLES[name].crosswalk:
            return _key_of(name)
        if name == "fee_schedule":
            return "_composite"
        return None  # provider_schedule: dated, and no twins without a crosswalk

    def _keep_legacy(self, legacy: ir.Table, name: str, dated: bool, go_live) -> ir.Table:
        if dated:
            legacy = self._with_row_date(legacy, name, self.p.legacy)
            if self.p.new is not None:
                before = legacy.row_date < go_live
                if name in RUN_OFF_TABLES:
                    lone = self._legacy_claims_without_twin()
                    legacy = legacy.left_join(lone, legacy.claim_id == lone._runoff_claim)
                    legacy = legacy.filter(before | legacy._runoff_claim.notnull()).drop("_runoff_claim")
                else:
                    legacy = legacy.filter(before)
        return self._translate_legacy(legacy, name).pipe(_composite, name)



def _composite(t: ir.Table, name: str) -> ir.Table:
    """fee_schedule has no key of its own: its identity is (payer, CPT code, effective date)."""
    if name != "fee_schedule":
        return t
    return t.mutate(_composite=t.payer_id + "|" + t.cpt_code + "|" + t.effective_date.cast("string"))
