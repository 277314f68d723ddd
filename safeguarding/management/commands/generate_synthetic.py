"""Fill an empty scratch database with a synthetic partnership, for benchmarks.

    manage.py generate_synthetic --tier county      # ~85,000 cases, 3 million entries
    manage.py generate_synthetic --tier national    # 1,000,000 cases, 10 million entries
    manage.py generate_synthetic --tier tiny        # a few hundred cases (the tests)

Everything is fictional and obviously so ("Synthetic County 001", children called
"Kaben Mockwick"): no real child, place or case detail. A run is repeatable: the same
--seed and --anchor (the moment the data treats as "now"; by default the current hour)
give the same rows. Rows are streamed with PostgreSQL COPY, with ids written explicitly
and every sequence moved past them afterwards, so the app can add rows as usual.

A tier is made of counties. The first county of every tier has the same shape (the
county tier is that county alone): its children's services' MASH sees about 85,000
cases, one of them with exactly 1,000 chronology entries, and a search for "quorvel"
finds a handful of its children. The national tier adds 59 smaller counties around it
(450 agencies, 1,000,000 cases in all), so a benchmark can ask whether a page's cost
follows what an agency can see or the size of the country.

Chronology entries and audit events are append-only (the database refuses UPDATE and
DELETE), so they are written once, right. The command refuses a database that already
holds cases, and one whose name does not say it is for benchmarks or tests, unless
--force: synthetic rows must never reach a real database. It writes a row into
`bench_synthetic_build` (a table of its own) when it has finished, in the same
transaction as the data, so a half-built database has no such row.
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import json
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.text import slugify

from cases.models import Case, searchable_names
from people.models import Agency, Area

# Bump when the shape of the data changes: `make bench` rebuilds databases of an older one.
VERSION = 4
SEARCH_TERM = "quorvel"
BENCH_CASE_ENTRIES = 1000
MARKER_TABLE = "bench_synthetic_build"


@dataclass(frozen=True)
class CountySpec:
    cases: int
    entries: int
    contacts: int
    health: int = 2
    education: int = 2
    other: int = 1
    heavy: int = 0  # cases with more than 1,000 entries
    search_matches: int = 0  # children called "Quorvelle"


@dataclass(frozen=True)
class Tier:
    counties: tuple[CountySpec, ...]
    audit_events: int


# The first county of every tier: a big shire county's worth of casework.
BIG_COUNTY = CountySpec(
    cases=85_000, entries=3_000_000, contacts=210_000, health=4, education=4, other=2,
    heavy=85, search_matches=6,
)  # fmt: skip
TINY_COUNTY = CountySpec(
    cases=300, entries=9_000, contacts=600, health=2, education=1, other=1, heavy=2,
    search_matches=4,
)  # fmt: skip


def _national_counties(seed: int) -> tuple[CountySpec, ...]:
    """59 smaller counties around the big one: 1,000,000 cases and 450 agencies in all."""
    rng = random.Random(f"{seed}:national-sizes")
    count, cases, entries = 59, 1_000_000 - BIG_COUNTY.cases, 10_000_000 - BIG_COUNTY.entries
    weights = [rng.lognormvariate(0, 0.5) for _ in range(count)]
    total = sum(weights)
    sizes = [max(2_000, round(cases * w / total)) for w in weights]
    sizes[-1] += cases - sum(sizes)
    # 450 agencies: the big county has 12, each other county 7, and 25 of them an 8th.
    agencies_left = 450 - (2 + BIG_COUNTY.health + BIG_COUNTY.education + BIG_COUNTY.other)
    extra = agencies_left - 7 * count
    specs = []
    entries_left = entries
    for i, size in enumerate(sizes):
        share = round(entries * size / cases) if i < count - 1 else entries_left
        entries_left -= share
        specs.append(
            CountySpec(
                cases=size, entries=share, contacts=size // 2,
                health=3 if i < extra else 2, education=2, other=1,
                heavy=max(1, size // 5000), search_matches=2 if i % 5 == 0 else 0,
            )
        )  # fmt: skip
    return tuple(specs)


def tier_spec(name: str, seed: int) -> Tier:
    if name == "tiny":
        small = CountySpec(cases=80, entries=600, contacts=60, health=1, education=1, other=0)
        return Tier(counties=(TINY_COUNTY, small, small), audit_events=3_000)
    if name == "county":
        return Tier(counties=(BIG_COUNTY,), audit_events=1_000_000)
    if name == "national":
        return Tier(counties=(BIG_COUNTY, *_national_counties(seed)), audit_events=2_500_000)
    raise CommandError(f"unknown tier {name!r}")


# --- Obviously fictional words ---------------------------------------------------------

FIRST_A = ["Ka", "Lo", "Mi", "Ta", "Re", "Zu", "Vo", "Ny", "Fe", "Ba", "Do", "Si", "Ar", "El"]
FIRST_B = ["ben", "lia", "dor", "vin", "sa", "mo", "bel", "tix", "rya", "nox", "ela", "rin"]
LAST_A = ["Mock", "Synth", "Testa", "Sample", "Fict", "Dummy", "Proto", "Stub", "Demo", "Pseudo"]
LAST_B = ["wick", "ford", "ley", "son", "more", "by", "ham", "stead", "worth", "field", "ton"]
RARE_LAST = "Quorvelle"
ALIAS_WORDS = ["Kay", "Jojo", "Little", "Smudge", "Pip", "Bear", "Rocket", "Moss", "Tiny", "Ace"]

PHRASES = {
    "note": ["Home visit completed; child seen alone", "Telephone call with carer",
             "Case discussed in supervision", "Letter sent to family", "Worker checked in"],
    "concern": ["School reports change in behaviour", "Seen with older unknown adults",
                "New phone and clothes, source unexplained", "Late nights reported by carer"],
    "intelligence": ["Vehicle of interest seen near home", "Associate known to police",
                     "Information received from patrol", "Address linked to concern"],
    "health_attendance": ["Attended emergency department", "Sexual health clinic attendance",
                          "GP appointment missed", "Seen by school nurse"],
    "education": ["Absent from school three days", "Attendance below 80 percent",
                  "Met with designated safeguarding lead", "Exclusion meeting held"],
    "disclosure": ["Child disclosed worries to a trusted adult", "Partial disclosure made"],
    "missing": ["Reported missing overnight", "Returned after being missing"],
    "placement": ["Placement review held", "Moved to new foster placement"],
    "strategy_discussion": ["Strategy discussion held with police and health",
                            "Multi-agency meeting agreed a safety plan"],
}  # fmt: skip
BY_KIND = {
    Agency.Kind.SOCIAL_CARE: ["note", "note", "concern", "strategy_discussion", "placement",
                              "disclosure", "missing"],
    Agency.Kind.POLICE: ["intelligence", "intelligence", "concern", "missing", "note"],
    Agency.Kind.HEALTH: ["health_attendance", "health_attendance", "note", "concern"],
    Agency.Kind.EDUCATION: ["education", "education", "note", "concern"],
    Agency.Kind.OTHER: ["note", "concern"],
}  # fmt: skip
INDICATORS = [
    "missing",
    "older_partner",
    "money_or_gifts",
    "substance_misuse",
    "sexual_health",
    "school_absence",
    "adults_of_concern",
    "self_harm",
    "unexplained_travel",
    "online",
]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
]  # fmt: skip
RAG_HOURS = {"red": 4, "amber": 24, "green": 72}
DECISIONS = (["strategy_discussion"] * 10 + ["assessment"] * 20 + ["early_help"] * 20
             + ["advice"] * 20 + ["no_further_action"] * 25 + ["transfer"] * 5)  # fmt: skip
OPENS_CASE = {"strategy_discussion", "assessment", "early_help"}
LEVEL_PERMS = {"view": ["view_case"], "contribute": ["view_case", "contribute_case"],
               "manage": ["view_case", "contribute_case", "manage_case"]}  # fmt: skip
HOUR, DAY = 60, 1440
N = r"\N"


# --- Helpers -----------------------------------------------------------------------------


class _Lines(io.TextIOBase):
    """A file to COPY from, reading text chunks from an iterator as the server asks."""

    def __init__(self, chunks: Iterable[str]) -> None:
        self._chunks = iter(chunks)
        self._buffer = ""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        parts, have = [self._buffer], len(self._buffer)
        while size < 0 or have < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(chunk)
            have += len(chunk)
        text = "".join(parts)
        if size < 0:
            self._buffer = ""
            return text
        self._buffer = text[size:]
        return text[:size]


def _copy(table: str, columns: list[str], chunks: Iterable[str]) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(sql, _Lines(chunks), size=1 << 18)


def _batched(lines: Iterable[str], size: int = 2000) -> Iterator[str]:
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


@dataclass
class AgencyInfo:
    pk: int
    group_id: int
    name: str
    kind: str
    county: int
    practitioners: list[int] = field(default_factory=list)
    managers: list[int] = field(default_factory=list)
    usernames: dict[int, str] = field(default_factory=dict)


@dataclass
class CountyInfo:
    index: int
    spec: CountySpec
    area_id: int
    cs: AgencyInfo  # children's services: the MASH
    police: AgencyInfo
    health: list[AgencyInfo]
    education: list[AgencyInfo]
    other: list[AgencyInfo]
    case_ids: list[int] = field(default_factory=list)
    case_opened: list[int] = field(default_factory=list)
    viewers: list[list[int]] = field(default_factory=list)  # agency pks with access
    child0: int = 0  # children and cases are made one for one, in the same order

    @property
    def agencies(self) -> list[AgencyInfo]:
        return [self.cs, self.police, *self.health, *self.education, *self.other]


class Command(BaseCommand):
    help = "Fill an empty scratch database with synthetic data for benchmarks (see bench/)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tier", choices=["tiny", "county", "national"], default="county")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--anchor",
            help="the moment the data treats as now (ISO 8601, UTC); default: this hour",
        )
        parser.add_argument(
            "--force", action="store_true",
            help="write even into a database whose name does not mention bench or test",
        )  # fmt: skip

    # -- orchestration ------------------------------------------------------------------

    def handle(self, *args, tier: str, seed: int, anchor: str | None, force: bool, **options):
        name = connection.settings_dict["NAME"]
        if not force and "bench" not in name and not name.startswith("test"):
            raise CommandError(
                f"refusing to write synthetic data into {name!r}: use a scratch database "
                "whose name mentions bench (make bench makes them), or --force"
            )
        if Case.objects.exists():
            raise CommandError(f"{name!r} already holds cases; synthetic data needs an empty one")
        if anchor:
            now = dt.datetime.fromisoformat(anchor)
            now = now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now.astimezone(dt.UTC)
        else:
            now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
        self.verbose = options.get("verbosity", 1) >= 1
        self.spec = tier_spec(tier, seed)
        self.tier, self.seed, self.now_dt = tier, seed, now
        self.rng = random.Random(seed)
        self.bulk = tier != "tiny"
        self.started = time.monotonic()
        self._clock(now)
        with transaction.atomic():
            self._prepare()
            info = self._generate()
            self._finish(info)
        self._analyze()
        total = time.monotonic() - self.started
        self._say(f"done: {tier} tier, seed {seed}, anchor {now:%Y-%m-%dT%H:%MZ} in {total:.0f} s")
        return None

    def _say(self, message: str) -> None:
        if self.verbose:
            elapsed = time.monotonic() - self.started
            self.stdout.write(f"[{elapsed:7.1f} s] {message}")

    def _clock(self, now: dt.datetime) -> None:
        """Times are whole minutes since an epoch 8 years before now, written cheaply."""
        epoch = dt.datetime.combine(now.date() - dt.timedelta(days=8 * 366), dt.time(), dt.UTC)
        self.epoch = epoch
        self.NOW = int((now - epoch).total_seconds() // 60)
        days = self.NOW // DAY + 30
        self._days = [f"{epoch + dt.timedelta(days=d):%Y-%m-%d} " for d in range(days)]
        self._mins = [f"{m // 60:02d}:{m % 60:02d}:00+00" for m in range(DAY)]

    def ts(self, minute: int) -> str:
        return self._days[minute // DAY] + self._mins[minute % DAY]

    def _prepare(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = cursor.fetchone()[0]
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            if superuser:
                # Foreign keys are checked by triggers; the rows are made consistent by
                # construction, so loading skips them (this transaction only).
                cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (tier text PRIMARY KEY, "
                "seed integer NOT NULL, version integer NOT NULL, anchor timestamptz NOT NULL, "
                "finished_at timestamptz NOT NULL, seconds real NOT NULL, info jsonb NOT NULL)"
            )
            cursor.execute(
                "SELECT id, codename FROM auth_permission WHERE content_type_id = "
                "(SELECT id FROM django_content_type WHERE app_label = 'cases' AND model = 'case')"
            )
            self.perm_ids = {codename: pk for pk, codename in cursor.fetchall()}
        self.ids = {}
        self.dropped: list[tuple[str, str]] = []
        if self.bulk:
            self._drop_indexes(
                ["cases_entry", "audit_event", "cases_casegroupobjectpermission", "cases_child",
                 "sharing_share", "triage_contact", "triage_partnercheck",
                 "notifications_notification", "triage_contactrating", "cases_screening",
                 "cases_case", "cases_alias"]
            )  # fmt: skip

    def _next_ids(self, table: str, count: int) -> int:
        """The first of `count` fresh ids for the table (past any row already there)."""
        if table not in self.ids:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(max(id), 0) FROM {table}")
                self.ids[table] = cursor.fetchone()[0] + 1
        first = self.ids[table]
        self.ids[table] += count
        return first

    def _drop_indexes(self, tables: list[str]) -> None:
        """Secondary indexes are built once after loading (much faster than row by row)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "JOIN pg_class c ON c.relname = i.indexname "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)",
                [tables],
            )
            self.dropped = cursor.fetchall()
            for name, _ in self.dropped:
                cursor.execute(f'DROP INDEX "{name}"')

    def _restore_indexes(self) -> None:
        with connection.cursor() as cursor:
            for name, definition in self.dropped:
                began = time.monotonic()
                cursor.execute(definition)
                self._say(f"  index {name} ({time.monotonic() - began:.1f} s)")
        self.dropped = []

    def _finish(self, info: dict) -> None:
        self._restore_indexes()
        with connection.cursor() as cursor:
            # Loading skipped the triggers that count each group's permission rows and
            # give each group its high-risk screenings and assessments.
            cursor.execute("SELECT cases_recount_group_permissions()")
            cursor.execute("SELECT cases_rebuild_high_risk()")
            for table, next_id in self.ids.items():
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [table, next_id]
                )
            cursor.execute("SELECT setval('cases_case_reference_seq', %s)", [self.references])
            if self.contact_refs:
                cursor.execute(
                    "SELECT setval('triage_contact_reference_seq', %s)", [self.contact_refs]
                )
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} (tier, seed, version, anchor, finished_at, seconds, "
                "info) VALUES (%s, %s, %s, %s, now(), %s, %s) ON CONFLICT (tier) DO UPDATE SET "
                "seed = EXCLUDED.seed, version = EXCLUDED.version, anchor = EXCLUDED.anchor, "
                "finished_at = EXCLUDED.finished_at, seconds = EXCLUDED.seconds, "
                "info = EXCLUDED.info",
                [self.tier, self.seed, VERSION, self.now_dt, time.monotonic() - self.started,
                 json.dumps(info)],
            )  # fmt: skip

    def _analyze(self) -> None:
        """Statistics, and the visibility map (index-only scans), for what was loaded."""
        with connection.cursor() as cursor:
            if connection.in_atomic_block:  # the tests: inside their transaction
                cursor.execute("ANALYZE")
                return
            self._say("vacuum analyze")
            cursor.execute("VACUUM (ANALYZE)")

    # -- the data -------------------------------------------------------------------------

    def _generate(self) -> dict:
        self.references = 0
        self.case_refs: dict[int, str] = {}
        self.contact_refs = 0
        counties = self._partnership()
        for county in counties:
            # One generator per county: the first county is the same in every tier.
            self.rng = random.Random(f"{self.seed}:county:{county.index}")
            # Interviews' outcomes from a stream of their own: the rest stays as it was.
            self.outcomes = random.Random(f"{self.seed}:interviews:{county.index}")
            self._cases(county, counties)
            self._contacts(county, counties)
            self._say(f"county {county.index + 1}/{len(counties)} written")
        self.rng = random.Random(f"{self.seed}:audit")
        self._audit(counties)
        big = counties[0]
        subject = big.cs.usernames[big.cs.managers[0]]
        return {
            "subject": subject,
            "bench_case": self.bench_case,
            "search": SEARCH_TERM,
            "cases": sum(len(c.case_ids) for c in counties),
            "agencies": sum(len(c.agencies) for c in counties),
            "counties": len(counties),
        }

    def _partnership(self) -> list[CountyInfo]:
        """Areas and agencies (through the ORM: each agency makes its group), then people."""
        areas = Area.objects.bulk_create(
            Area(ons_code=f"E99{i + 1:06d}", name=f"Synthetic County {i + 1:03d}")
            for i in range(len(self.spec.counties))
        )
        counties = []
        for i, (spec, area) in enumerate(zip(self.spec.counties, areas, strict=True)):
            label = f"Synthetic County {i + 1:03d}"

            def agency(name: str, kind: str, i=i, area=area) -> AgencyInfo:
                made = Agency(name=name, kind=kind, duty_email=f"duty@{slugify(name)}.example")
                made.save()
                made.areas.add(area)
                return AgencyInfo(made.pk, made.group_id, name, kind, i)

            counties.append(
                CountyInfo(
                    index=i, spec=spec, area_id=area.pk,
                    cs=agency(f"{label} Children's Services", Agency.Kind.SOCIAL_CARE),
                    police=agency(f"{label} Constabulary", Agency.Kind.POLICE),
                    health=[agency(f"{label} Health Trust {k + 1}", Agency.Kind.HEALTH)
                            for k in range(spec.health)],
                    education=[agency(f"{label} Schools Trust {k + 1}", Agency.Kind.EDUCATION)
                               for k in range(spec.education)],
                    other=[agency(f"{label} Youth Justice Service {k + 1}", Agency.Kind.OTHER)
                           for k in range(spec.other)],
                )
            )  # fmt: skip
        self._people(counties)
        self._say(f"{sum(len(c.agencies) for c in counties)} agencies and their people")
        return counties

    def _people(self, counties: list[CountyInfo]) -> None:
        lines, groups = [], []
        staff = {
            Agency.Kind.SOCIAL_CARE: (120, 8), Agency.Kind.POLICE: (80, 4),
            Agency.Kind.HEALTH: (30, 1), Agency.Kind.EDUCATION: (15, 1),
            Agency.Kind.OTHER: (10, 1),
        }  # fmt: skip
        short = {"social_care": "cs", "police": "pol", "health": "hlt", "education": "edu",
                 "other": "oth"}  # fmt: skip
        joined = self.ts(self.NOW - 3 * 365 * DAY)
        for county in counties:
            scale = min(1.0, county.spec.cases / BIG_COUNTY.cases)
            for n_agency, agency in enumerate(county.agencies):
                practitioners, managers = staff[agency.kind]
                practitioners = max(3, round(practitioners * scale))
                prefix = f"{short[agency.kind]}{county.index + 1:03d}{n_agency:02d}"
                roles = ([("mash_manager", "MASH manager")] * managers
                         + [("agency_admin", "Systems administrator")]
                         + [("information_governance", "Information governance officer")]
                         + [("practitioner", "Practitioner")] * practitioners)  # fmt: skip
                first = self._next_ids("people_person", len(roles))
                for k, (role, title) in enumerate(roles):
                    pk = first + k
                    username = f"{prefix}-{role.split('_')[0]}-{k + 1:03d}"
                    first_name = self.rng.choice(FIRST_A) + self.rng.choice(FIRST_B)
                    last_name = self.rng.choice(LAST_A) + self.rng.choice(LAST_B)
                    staff_flag = "t" if role == "agency_admin" else "f"
                    lines.append(
                        f"{pk}\t!synthetic-no-password\t{N}\tf\t{username}\t{first_name}\t"
                        f"{last_name}\t{username}@synthetic.example\t{staff_flag}\tt\t{joined}\t"
                        f"{role}\t{title}\t{agency.pk}\n"
                    )
                    groups.append((pk, agency.group_id))
                    agency.usernames[pk] = username
                    if role == "mash_manager":
                        agency.managers.append(pk)
                    elif role == "practitioner":
                        agency.practitioners.append(pk)
        _copy(
            "people_person",
            ["id", "password", "last_login", "is_superuser", "username", "first_name",
             "last_name", "email", "is_staff", "is_active", "date_joined", "role", "job_title",
             "agency_id"],
            _batched(lines),
        )  # fmt: skip
        first = self._next_ids("people_person_groups", len(groups))
        _copy(
            "people_person_groups",
            ["id", "person_id", "group_id"],
            _batched(f"{first + k}\t{p}\t{g}\n" for k, (p, g) in enumerate(groups)),
        )

    def _entry_counts(self, spec: CountySpec, bench_index: int | None) -> list[int]:
        """Skewed like real records: most cases a few entries, a few over a thousand."""
        rng, n = self.rng, spec.cases
        heavy = set(rng.sample(range(n), min(spec.heavy, n)))
        heavy.discard(bench_index)
        counts = [0] * n
        for i in heavy:
            counts[i] = rng.randint(1001, 2500)
        if bench_index is not None:
            counts[bench_index] = BENCH_CASE_ENTRIES
        rest = [i for i in range(n) if counts[i] == 0]
        budget = max(len(rest) * 2, spec.entries - sum(counts))
        draws = [rng.lognormvariate(0, 1.4) for _ in rest]
        scale = budget / sum(draws)
        for i, draw in zip(rest, draws, strict=True):
            counts[i] = min(900, max(2, round(draw * scale)))
        return counts

    def _cases(self, county: CountyInfo, counties: list[CountyInfo]) -> None:
        """Children (with aliases), their cases, shares, permissions, screenings,
        placements, missing episodes and the chronology, for one county."""
        rng, spec, NOW = self.rng, county.spec, self.NOW
        n = spec.cases
        child0 = county.child0 = self._next_ids("cases_child", n)
        case0 = self._next_ids("cases_case", n)
        # Ids follow time, as they do in a real database: sort the opening times first.
        opened = sorted(NOW - int(rng.random() ** 1.6 * 6 * 365 * DAY) - 60 for _ in range(n))
        bench_index = n // 2 if county.index == 0 else None
        counts = self._entry_counts(spec, bench_index)
        rare = set(rng.sample(range(n), spec.search_matches))
        others = [c for c in counties if c is not county]
        cs, police = county.cs, county.police

        children, aliases, cases, shares, perms = [], [], [], [], []
        screenings, placements, missing, interviews, notifications = [], [], [], [], []
        plans = []  # per case: (case id, opened, end, writers, count, reference)
        for i in range(n):
            child_id, case_id = child0 + i, case0 + i
            start = opened[i]
            closed = start < NOW - 2 * 365 * DAY and rng.random() < 0.6 and i != bench_index
            end = min(NOW, start + rng.randint(60, 700) * DAY) if closed else NOW
            lead = police if (rng.random() < 0.05 and i != bench_index) else cs
            opener = rng.choice(lead.practitioners)
            # Shares: the lead manages; others view or contribute.
            granted = [(lead, "manage")]
            if lead is police:
                granted.append((cs, "contribute"))
            elif rng.random() < 0.65:
                granted.append((police, "contribute" if rng.random() < 0.7 else "view"))
            for agency in county.health:
                if rng.random() < 0.15:
                    granted.append((agency, "contribute" if rng.random() < 0.4 else "view"))
            for agency in county.education:
                if rng.random() < 0.08:
                    granted.append((agency, "view"))
            for agency in county.other:
                if rng.random() < 0.05:
                    granted.append((agency, "view"))
            if others and rng.random() < 0.02:
                granted.append((rng.choice(others).police, "view"))
            writers, viewers = [], []
            share0 = self._next_ids("sharing_share", len(granted))
            for k, (agency, level) in enumerate(granted):
                when = start if k == 0 else min(end, start + rng.randint(0, 30 * DAY))
                revoked = k > 0 and rng.random() < 0.03 and i != bench_index
                ack_by = rng.choice(agency.practitioners)
                ack = self.ts(min(NOW, when + rng.randint(5, 2 * DAY)))
                revoked_at = self.ts(min(NOW, when + 30 * DAY)) if revoked else N
                revoked_by = opener if revoked else N
                basis = (
                    "ca2004_s11"
                    if k == 0
                    else rng.choice(["ca1989_s47", "ca1989_s17", "cda1998_s115", "gdpr_6e_9g"])
                )
                purpose = "Lead agency for the case" if k == 0 else "Synthetic multi-agency work"
                shares.append(
                    f"{share0 + k}\t{level}\t{basis}\t{purpose}\t{self.ts(when)}\t{ack}\t"
                    f"{revoked_at}\t{ack_by}\t{agency.pk}\t{case_id}\t{revoked_by}\t{opener}\n"
                )  # fmt: skip
                if revoked:
                    continue
                viewers.append(agency.pk)
                if level != "view":
                    writers.append(agency)
                for codename in LEVEL_PERMS[level]:
                    # Each row names the share it comes from (cases.access), as the services do.
                    perms.append((self.perm_ids[codename], agency.group_id, case_id, share0 + k))
            county.case_ids.append(case_id)
            county.case_opened.append(start)
            county.viewers.append(viewers)

            # The child.
            first = rng.choice(FIRST_A) + rng.choice(FIRST_B)
            last = RARE_LAST if i in rare else rng.choice(LAST_A) + rng.choice(LAST_B)
            names = [f"{first} {last}"]
            if rng.random() < 0.12:
                alias = rng.choice(ALIAS_WORDS)
                names.append(alias)
                aliases.append((child_id, alias))
            # COPY's text format: each line break written as \n.
            search_text = searchable_names(names[0], names[1:]).replace("\n", "\\n")
            dob = self.epoch.date() + dt.timedelta(
                days=start // DAY - rng.randint(8 * 365, 17 * 365)
            )
            gender = rng.choice(["female", "female", "male", "male", "other", "not_known"])
            looked_after = rng.random() < 0.06
            if looked_after:
                self._placements(
                    county, others, child_id, case_id, start, end, placements, notifications
                )
            children.append(
                f"{child_id}\t{first}\t{last}\t{dob:%Y-%m-%d}\t{gender}\t\t\t"
                f"LA-{county.index + 1:03d}-{i + 1:06d}\t{rng.randint(1, 200)} Synthetic Road\t"
                f"ZX{county.index % 99 + 1} {rng.randint(1, 9)}ZZ\t"
                f"{'t' if looked_after else 'f'}\t{search_text}\t{self.ts(start)}\t{opener}\t"
                f"{cs.pk if looked_after else N}\n"
            )

            # CSE screenings; the case shows the latest level.
            risk = "not_screened"
            if rng.random() < 0.6:
                times = sorted(rng.randint(start, end) for _ in range(rng.randint(1, 3)))
                first_screening = self._next_ids("cases_screening", len(times))
                for k, when in enumerate(times):
                    risk = rng.choice(["low", "low", "medium", "medium", "high"])
                    chosen = json.dumps(sorted(rng.sample(INDICATORS, rng.randint(1, 4))))
                    screenings.append(
                        f"{first_screening + k}\t{self.ts(when)}\t{chosen}\t{risk}\t"
                        f"Synthetic screening notes.\t{lead.pk}\t{case_id}\t"
                        f"{rng.choice(lead.practitioners)}\n"
                    )
            self.references += 1
            year = (self.epoch + dt.timedelta(minutes=start)).year
            reference = f"CSE-{year}-{self.references:06d}"
            status = "closed" if closed else "open"
            cases.append(
                f"{case_id}\t{reference}\t{status}\t{risk}\t{self.ts(start)}\t"
                f"{self.ts(end) if closed else N}\t{lead.pk}\t{opener}\t{child_id}\n"
            )
            if rng.random() < 0.03:
                self._missing(county, case_id, start, end, missing, interviews, notifications)
            plans.append((case_id, start, end, lead, writers or [lead], counts[i], reference))
            self.case_refs[case_id] = reference
        if county.index == 0:
            self.bench_case = case0 + bench_index
        # A few children missing right now, as a MASH's morning has.
        for i in rng.sample(range(n), max(2, n // 10_000)):
            if plans[i][2] == NOW:
                self._missing(county, case0 + i, NOW - 3 * DAY, NOW, missing, interviews,
                              notifications, still_missing=True)  # fmt: skip

        _copy(
            "cases_child",
            ["id", "first_name", "last_name", "date_of_birth", "gender", "nhs_number",
             "police_reference", "local_authority_reference", "address", "postcode",
             "looked_after", "search_text", "created_at", "created_by_id",
             "responsible_authority_id"],
            _batched(children),
        )  # fmt: skip
        alias0 = self._next_ids("cases_alias", len(aliases))
        _copy(
            "cases_alias",
            ["id", "child_id", "name"],
            _batched(f"{alias0 + k}\t{c}\t{a}\n" for k, (c, a) in enumerate(aliases)),
        )
        _copy(
            "cases_case",
            ["id", "reference", "status", "risk_level", "opened_at", "closed_at",
             "lead_agency_id", "opened_by_id", "child_id"],
            _batched(cases),
        )  # fmt: skip
        _copy(
            "sharing_share",
            ["id", "level", "lawful_basis", "purpose", "shared_at", "acknowledged_at",
             "revoked_at", "acknowledged_by_id", "agency_id", "case_id", "revoked_by_id",
             "shared_by_id"],
            _batched(shares),
        )  # fmt: skip
        perm0 = self._next_ids("cases_casegroupobjectpermission", len(perms))
        _copy(
            "cases_casegroupobjectpermission",
            ["id", "permission_id", "group_id", "content_object_id", "source_type", "source_id"],
            _batched(
                f"{perm0 + k}\t{p}\t{g}\t{c}\tshare\t{s}\n" for k, (p, g, c, s) in enumerate(perms)
            ),
        )
        _copy(
            "cases_screening",
            ["id", "screened_at", "indicators", "risk_level", "notes", "agency_id", "case_id",
             "screened_by_id"],
            _batched(screenings),
        )  # fmt: skip
        _copy(
            "missing_placement",
            ["id", "address", "postcode", "provider_type", "started_at", "ended_at",
             "end_reason", "recorded_at", "area_id", "case_id", "child_id",
             "placing_authority_id", "recorded_by_id"],
            _batched(placements),
        )  # fmt: skip
        _copy(
            "missing_missingepisode",
            ["id", "last_seen_at", "last_seen_where", "circumstances", "risk", "reported_at",
             "returned_at", "how_found", "case_id", "reported_by_id", "reporting_agency_id",
             "return_recorded_by_id"],
            _batched(missing),
        )  # fmt: skip
        _copy(
            "missing_returninterview",
            ["id", "due_at", "completed_at", "held_on", "summary", "escalated_at", "agency_id",
             "completed_by_id", "episode_id", "host_area_id", "outcome", "offered_by",
             "outcome_reason", "push_factors", "pull_factors", "factors_detail", "child_words",
             "people_mentioned", "places_mentioned", "risk_change", "shared_with_police"],
            _batched(interviews),
        )  # fmt: skip
        self._notifications(notifications)
        _copy(
            "cases_entry",
            ["id", "category", "occurred_at", "recorded_at", "text", "restricted",
             "amendment_reason", "agency_id", "case_id", "recorded_by_id", "supersedes_id"],
            self._entries(plans),
        )  # fmt: skip

    def _placements(self, county, others, child_id, case_id, start, end, rows, notifications):
        """A looked-after child's placements: sometimes an earlier one, then the current."""
        rng = self.rng
        area_county = rng.choice(others) if others and rng.random() < 0.15 else county
        spans = [start]
        if rng.random() < 0.3 and end - start > 20 * DAY:
            spans.append(rng.randint(start + 10 * DAY, end - DAY))
        first = self._next_ids("missing_placement", len(spans))
        for k, began in enumerate(spans):
            current = k == len(spans) - 1
            ended = N if current else self.ts(spans[k + 1])
            provider = rng.choice(["childrens_home", "foster_care", "foster_care",
                                   "supported_accommodation"])  # fmt: skip
            rows.append(
                f"{first + k}\t{rng.randint(1, 99)} Synthetic Close\tZX9 {rng.randint(1, 9)}ZZ\t"
                f"{provider}\t{self.ts(began)}\t{ended}\t{'' if current else 'Moved'}\t"
                f"{self.ts(began)}\t{area_county.area_id}\t{case_id}\t{child_id}\t{county.cs.pk}\t"
                f"{rng.choice(county.cs.practitioners)}\n"
            )
            for agency in (area_county.police, area_county.cs):
                if agency is not county.cs:
                    notifications.append(
                        (agency, "placement", first + k, case_id, None,
                         rng.choice(county.cs.practitioners), county.cs, began, DAY)
                    )  # fmt: skip

    def _missing(self, county, case_id, start, end, rows, interviews, notifications,
                 still_missing=False) -> None:  # fmt: skip
        rng = self.rng
        episodes = 1 if still_missing else rng.randint(1, 4)
        first = self._next_ids("missing_missingepisode", episodes)
        for k in range(episodes):
            seen = (
                (self.NOW - rng.randint(60, 2 * DAY))
                if still_missing
                else rng.randint(start, max(start, end - DAY))
            )
            reporter_agency = rng.choice([county.cs, county.police])
            reporter = rng.choice(reporter_agency.practitioners)
            returned = None if still_missing else min(self.NOW, seen + rng.randint(120, 3 * DAY))
            risk = rng.choice(["high", "medium", "medium", "low"])
            rows.append(
                f"{first + k}\t{self.ts(seen)}\tNear Synthetic Park\tLeft placement after an "
                f"argument (synthetic).\t{risk}\t{self.ts(seen + 60)}\t"
                f"{self.ts(returned) if returned else N}\t"
                f"{'Found by police (synthetic)' if returned else ''}\t{case_id}\t{reporter}\t"
                f"{reporter_agency.pk}\t{reporter if returned else N}\n"
            )
            for agency in (county.police, county.cs, *county.health[:1]):
                if agency is not reporter_agency:
                    notifications.append(
                        (agency, "missing", first + k, case_id, None, reporter,
                         reporter_agency, seen + 60, 15)
                    )  # fmt: skip
            if returned:
                interviews.append(self._interview(county, first + k, returned))

    def _interview(self, county, episode_id: int, returned: int) -> str:
        """An episode's return home interview: outcomes near the national picture (about
        63% held within 72 hours; some late, some declined, some not held), still owed if
        the return was recent."""
        rng = self.outcomes
        due = returned + 72 * HOUR
        interview_id = self._next_ids("missing_returninterview", 1)
        # The county's own stream draws what it drew before outcomes were made, so that
        # everything generated after an interview stays as it was.
        _ = due < self.NOW and self.rng.random() < 0.9
        completer = self.rng.choice(county.cs.practitioners)
        recorded_after = self.rng.randint(HOUR, 70 * HOUR)
        roll = rng.random()
        if due >= self.NOW and roll < 0.5:
            outcome, held = "", None  # not held yet, and not late yet
        elif roll < 0.63:
            outcome, held = "held", returned + rng.randint(HOUR, 70 * HOUR)
        elif roll < 0.75:
            outcome, held = "held", returned + rng.randint(73 * HOUR, 20 * DAY)
        elif roll < 0.88:
            outcome, held = "declined", None
        elif roll < 0.97:
            outcome, held = "not_held", None
        else:
            outcome, held = "", None  # still owed, overdue
        done = outcome and (held or due) <= self.NOW
        if not done:
            outcome, held = "", None
        completed = self.ts(min(self.NOW, held or returned + recorded_after))
        reason = "Synthetic reason." if outcome in ("declined", "not_held") else ""
        return (
            f"{interview_id}\t{self.ts(due)}\t{completed if done else N}\t"
            f"{self.ts(held) if held else N}\t{'Synthetic interview summary.' if held else ''}\t"
            f"{N}\t{county.cs.pk}\t{completer if done else N}\t{episode_id}\t"
            f"{county.area_id}\t{outcome}\t\t{reason}\t[]\t[]\t\t\t[]\t[]\t\tf\n"
        )

    def _notifications(self, items) -> None:
        """The outbox rows: (agency, kind, subject, case, contact reference, by, by agency, at,
        ack)."""
        rng, lines = self.rng, []
        first = self._next_ids("notifications_notification", len(items))
        summaries = {
            "placement": "Child placed in your area", "missing": "Child reported missing",
            "partner_check": "MASH partner check requested",
        }  # fmt: skip
        for k, (agency, kind, subject, case, contact, by, by_agency, at, ack_minutes) in enumerate(
            items
        ):
            acknowledged = at < self.NOW - 6 * HOUR or rng.random() < 0.5
            ack_at = min(self.NOW, at + rng.randint(2, 3 * ack_minutes))
            who = rng.choice(agency.practitioners)
            lines.append(
                f"{first + k}\t{kind}\t{summaries[kind]} (synthetic)\t{subject}\t{self.ts(at)}\t"
                f"{self.ts(at + ack_minutes)}\t{self.ts(ack_at) if acknowledged else N}\t{N}\t"
                f"{who if acknowledged else N}\t{agency.pk}\t{case or N}\t{by}\t{by_agency.pk}\t"
                f"{self.case_refs[case] if case else contact}\n"
            )
        _copy(
            "notifications_notification",
            ["id", "kind", "summary", "subject_id", "created_at", "acknowledge_by",
             "acknowledged_at", "escalated_at", "acknowledged_by_id", "agency_id", "case_id",
             "caused_by_id", "caused_by_agency_id", "subject_reference"],
            _batched(lines),
        )  # fmt: skip

    def _entries(self, plans) -> Iterator[str]:
        """The chronology, case by case, oldest entry first (ids follow time)."""
        # Ids first: no other query may run on the connection once the COPY has begun.
        first = self._next_ids("cases_entry", sum(plan[5] for plan in plans))
        return self._entry_lines(plans, first)

    def _entry_lines(self, plans, eid: int) -> Iterator[str]:
        rng, ts, NOW = self.rng, self.ts, self.NOW
        random_, randint, choice = rng.random, rng.randint, rng.choice
        texts = {cat: [f"{p} (synthetic)." for p in phrases] for cat, phrases in PHRASES.items()}
        kinds = {kind: cats for kind, cats in BY_KIND.items()}
        for case_id, start, end, lead, writers, count, reference in plans:
            lines = [
                f"{eid}\tcase_opened\t{ts(start)}\t{ts(start)}\tCase {reference} opened by "
                f"{lead.name}.\tf\t\t{lead.pk}\t{case_id}\t{choice(lead.practitioners)}\t{N}\n"
            ]
            eid += 1
            span = max(1, end - start)
            times = sorted(start + int(random_() * span) for _ in range(count - 1))
            last = None  # the previous entry, which a correction may supersede
            for when in times:
                if last is not None and random_() < 0.004:
                    agency, person, category, restricted, previous = last
                    lines.append(
                        f"{eid}\t{category}\t{ts(when)}\t{ts(when)}\tCorrected entry "
                        f"(synthetic).\t{restricted}\tWrong date recorded (synthetic)\t"
                        f"{agency.pk}\t{case_id}\t{person}\t{previous}\n"
                    )
                    last = None
                    eid += 1
                    continue
                agency = lead if random_() < 0.55 else choice(writers)
                person = choice(agency.practitioners)
                category = choice(kinds[agency.kind])
                restricted = "t" if random_() < (0.08 if agency.kind == "police" else 0.02) else "f"
                recorded = min(NOW, when + randint(0, 2 * DAY))
                lines.append(
                    f"{eid}\t{category}\t{ts(when)}\t{ts(recorded)}\t{choice(texts[category])}\t"
                    f"{restricted}\t\t{agency.pk}\t{case_id}\t{person}\t{N}\n"
                )
                last = (agency, person, category, restricted, eid)
                eid += 1
            yield "".join(lines)

    def _contacts(self, county: CountyInfo, counties: list[CountyInfo]) -> None:
        """Contacts to the county's MASH over three years, their ratings and partner checks.

        Older contacts are decided; the last day and a half are the morning's queue (new
        or open), with a few stragglers left open long past their deadline.
        """
        rng, spec, NOW, ts = self.rng, county.spec, self.NOW, self.ts
        cs = county.cs
        n = spec.contacts
        received = sorted(NOW - int(rng.random() * 3 * 365 * DAY) for _ in range(n))
        first = self._next_ids("triage_contact", n)
        transfer_to = [c.cs for c in counties if c is not county]
        partners = [county.police, *county.health, *county.education]
        referrers = ([county.police] * 8 + county.health * 2 + county.education * 3
                     + county.other + [cs])  # fmt: skip
        rows, ratings, checks, notifications = [], [], [], []
        n_cases = len(county.case_ids)
        for k, at in enumerate(received):
            contact_id = first + k
            self.contact_refs += 1
            reference = (
                f"MASH-{(self.epoch + dt.timedelta(minutes=at)).year}-{self.contact_refs:06d}"
            )
            index = min(n_cases - 1, int(rng.random() ** 0.5 * n_cases))  # recent children
            child_id = county.child0 + index
            case_id = county.case_ids[index]
            public = rng.random() < 0.1
            referrer = cs if public else rng.choice(referrers)
            recorder = rng.choice(referrer.practitioners)
            referrer_type = "public" if public else "professional"
            referrer_name = "A member of the public" if public else "Synthetic Referrer"
            role = "Neighbour" if public else "Practitioner"
            rag = rng.choice(["red", "amber", "amber", "green", "green"])
            rated_at = at + rng.randint(10, 90)
            straggler = rng.random() < 0.0005
            decided_at = at + int(RAG_HOURS[rag] * HOUR * rng.random() * 1.3) + 30
            decided_at = max(decided_at, rated_at + 5)
            if rated_at > NOW:
                state, rag_out, due = "new", "", at + 4 * HOUR
            elif decided_at <= NOW and not straggler:
                state, rag_out, due = "decided", rag, at + RAG_HOURS[rag] * HOUR
            else:
                state, rag_out, due = "open", rag, at + RAG_HOURS[rag] * HOUR
            manager = rng.choice(cs.managers)
            assigned = rng.choice(cs.practitioners + cs.managers) if state != "new" else None
            decision = rationale = ""
            decided_by = linked_case = transfer = None
            if state == "decided":
                decision = rng.choice(DECISIONS)
                if decision == "transfer" and not transfer_to:
                    decision = "advice"
                rationale = "Synthetic rationale for the decision."
                decided_by = manager
                linked_case = case_id if decision in OPENS_CASE else None
                transfer = rng.choice(transfer_to).pk if decision == "transfer" else None
            rows.append(
                f"{contact_id}\t{reference}\t{referrer_type}\t{referrer_name}\t{role}\t\t\t"
                f"{ts(at)}\tConcern reported about the child (synthetic).\t{ts(at + 5)}\t"
                f"{state}\t{rag_out}\t{ts(due)}\t{decision}\t{rationale}\t"
                f"{ts(decided_at) if decided_by else N}\t{county.area_id}\t{assigned or N}\t"
                f"{linked_case or N}\t{child_id}\t{decided_by or N}\t{cs.pk}\t{recorder}\t"
                f"{referrer.pk}\t{transfer or N}\t{{}}\n"
            )
            if state == "new":
                continue
            ratings.append((rag, rated_at, at + RAG_HOURS[rag] * HOUR, contact_id, manager))
            if rng.random() < 0.1 and rated_at + 2 * HOUR <= NOW:
                # Re-rated: the first rating was another colour.
                earlier = rng.choice([r for r in RAG_HOURS if r != rag])
                ratings.insert(
                    len(ratings) - 1,
                    (earlier, rated_at - 1, at + RAG_HOURS[earlier] * HOUR, contact_id, manager),
                )
            asked = [p for p, chance in zip(partners, [0.8] + [0.45 / max(1, len(county.health))]
                                            * len(county.health) + [0.25] * len(county.education),
                                            strict=True) if rng.random() < chance]  # fmt: skip
            for partner in asked:
                check_id = self._next_ids("triage_partnercheck", 1)
                check_due = rated_at + RAG_HOURS[rag] * HOUR
                answer_at = rated_at + int(RAG_HOURS[rag] * HOUR * rng.random() * 1.2) + 5
                answered = answer_at <= NOW and (state != "decided" or rng.random() < 0.95)
                if state == "decided":
                    answer_at = min(answer_at, decided_at)
                    answered = rng.random() < 0.95
                answerer = rng.choice(partner.practitioners)
                restricted = "Restricted detail (synthetic)." if rng.random() < 0.1 else ""
                checks.append(
                    f"{check_id}\tWhat do you hold on this child? (synthetic)\t{ts(rated_at)}\t"
                    f"{ts(check_due)}\t{ts(answer_at) if answered else N}\t"
                    f"{'Known to us; details on file (synthetic).' if answered else ''}\t"
                    f"{restricted if answered else ''}\t{partner.pk}\t"
                    f"{answerer if answered else N}\t{contact_id}\t{manager}\n"
                )
                notifications.append(
                    (partner, "partner_check", check_id, None, reference, manager, cs,
                     rated_at, RAG_HOURS[rag] * HOUR)
                )  # fmt: skip
        _copy(
            "triage_contact",
            ["id", "reference", "referrer_type", "referrer_name", "referrer_role",
             "referrer_phone", "referrer_email", "received_at", "concern", "recorded_at", "state",
             "rag", "due_at", "decision", "rationale", "decided_at", "area_id", "assigned_to_id",
             "case_id", "child_id", "decided_by_id", "mash_id", "recorded_by_id",
             "referring_agency_id", "transfer_to_id", "child_as_given"],
            _batched(rows),
        )  # fmt: skip
        rating0 = self._next_ids("triage_contactrating", len(ratings))
        _copy(
            "triage_contactrating",
            ["id", "rag", "reason", "rated_at", "due_at", "contact_id", "rated_by_id"],
            _batched(
                f"{rating0 + k}\t{rag}\tSynthetic rating reason.\t{ts(at)}\t{ts(due)}\t{c}\t{by}\n"
                for k, (rag, at, due, c, by) in enumerate(ratings)
            ),
        )
        _copy(
            "triage_partnercheck",
            ["id", "question", "requested_at", "due_at", "answered_at", "answer",
             "restricted_answer", "agency_id", "answered_by_id", "contact_id", "requested_by_id"],
            _batched(checks),
        )  # fmt: skip
        self._notifications(notifications)

    def _audit(self, counties: list[CountyInfo]) -> None:
        """Audit events over the last year, in time order, as the app writes them."""
        rng, NOW, ts = self.rng, self.NOW, self.ts
        total = self.spec.audit_events
        weights = [len(c.case_ids) for c in counties]
        cumulative = []
        running = 0
        for w in weights:
            running += w
            cumulative.append(running)
        actions = (["case_viewed"] * 45 + ["case_listed"] * 10 + ["search"] * 10
                   + ["sign_in"] * 8 + ["second_factor_verified"] * 7 + ["entry_added"] * 10
                   + ["contacts_listed"] * 5 + ["contact_viewed"] * 5)  # fmt: skip
        first = self._next_ids("audit_event", total)
        times = sorted(NOW - int(rng.random() * 365 * DAY) for _ in range(total))

        def lines() -> Iterator[str]:
            for k, when in enumerate(times):
                county = counties[bisect.bisect(cumulative, int(rng.random() * running))]
                action = rng.choice(actions)
                agency = county.cs if rng.random() < 0.6 else county.police
                actor = rng.choice(agency.practitioners + agency.managers)
                target_type = target_id = ""
                detail = "{}"
                if action in ("case_viewed", "entry_added"):
                    index = rng.randrange(max(1, bisect.bisect(county.case_opened, when)))
                    target_type, target_id = "case", str(county.case_ids[index])
                    if action == "case_viewed":
                        detail = '{"view": "case", "via": "share", "page": 1}'
                elif action == "search":
                    detail = '{"found": 3, "shown": [], "terms": {"name": "synthetic"}}'
                elif action == "case_listed":
                    target_type, detail = "case", '{"list": "cases", "page": 1}'
                address = f"10.{county.index % 250}.{rng.randrange(250)}.{rng.randrange(1, 250)}"
                yield (
                    f"{first + k}\t{ts(when)}\t{action}\t{actor}\t{agency.usernames[actor]}\t"
                    f"{agency.pk}\t{agency.name}\t{target_type}\t{target_id}\t"
                    f"{rng.getrandbits(64):016x}\t{address}\t{rng.choice(USER_AGENTS)}\t{detail}\n"
                )

        _copy(
            "audit_event",
            ["id", "occurred_at", "action", "actor_id", "actor_username", "actor_agency_id",
             "actor_agency", "target_type", "target_id", "request_id", "client_address",
             "user_agent", "detail"],
            _batched(lines()),
        )  # fmt: skip
        self._say(f"{total:,} audit events")
