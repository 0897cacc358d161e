"""Retention that runs itself: how long each kind of personal data is kept, and the daily run.

A rule says how many days one kind of data is kept (RetentionRuleKind). Staff set rules
network-wide or for the members of one partner (a partner in France may keep prospects'
contacts three years, as the CNIL recommends, where the network keeps them two); where no row
exists, DEFAULT_DAYS below applies (README "Personal data: retention" gives the reasons).
Which partner's rules apply to a person is the partner of their member; a member without a
partner, and anything not tied to a member (staff accounts, emails to bare addresses), follow
the network-wide rules.

`plan` says what a run would do now, per partner and rule, with the ids, and changes nothing;
`apply` computes the same plan and carries it out in batches, each batch its own transaction,
checking every row again as it goes (something may have happened since the plan was read), so
a run cut short loses nothing and a second run finds nothing left to do:

- contacts are erased through `network.privacy.erasure.erase_person` (anonymised in place);
- outbox bodies are pruned: the template context emptied and the attachments deleted;
- portal sessions, sign-in links and API tokens are deleted N days after they stopped working;
- personal-data exports past their expiry lose their ZIP (the row stays, EXPIRED).

The due rows are found by a few set-based statements (network/privacy/retention_queries.py),
never by walking contacts in Python.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.audit import service as audit
from network.auth.policy import require_staff
from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.contacts.models import Contact
from network.db import AfterCommit, unit_of_work, utcnow
from network.kit.errors import DomainError, Errors, NotFound, PermissionDenied
from network.partners.models import Partner
from network.privacy import retention_queries as queries
from network.privacy.erasure import erase_people, erase_person
from network.privacy.models import RetentionRule, RetentionRuleKind

logger = logging.getLogger("network.privacy.retention")

Kind = RetentionRuleKind
DAYS_PER_YEAR = 365

# The network's defaults, used where no rule row exists (README "Personal data: retention").
DEFAULT_DAYS: dict[RetentionRuleKind, int] = {
    # Six years without any activity: the UK limitation period for claims in contract, and
    # how long councils keep CPD evidence; after that we have no reason to know the person.
    Kind.INACTIVE_CONTACTS: 6 * DAYS_PER_YEAR,
    # Two years after the last activity for people at prospects: long enough for a council's
    # decision to join, short enough for "legitimate interest" in prospecting.
    Kind.PROSPECT_CONTACTS: 2 * DAYS_PER_YEAR,
    # A year after a contact was archived (they left the member): time for late certificates
    # and questions; the member's counts and CPD hours survive erasure.
    Kind.ARCHIVED_CONTACTS: DAYS_PER_YEAR,
    # Ninety days: long enough to answer "did you send me ...?", then the body goes.
    Kind.OUTBOX_BODIES: 90,
    # Thirty days after a session, link or token stopped working: enough to look into an
    # incident, then the record of who signed in when goes.
    Kind.SIGN_IN_RECORDS: 30,
}

# The fewest days a rule may say: a typo must not erase half the contacts at 03:17.
MINIMUM_DAYS: dict[RetentionRuleKind, int] = {
    Kind.INACTIVE_CONTACTS: DAYS_PER_YEAR,
    Kind.PROSPECT_CONTACTS: 180,
    Kind.ARCHIVED_CONTACTS: 30,
    Kind.OUTBOX_BODIES: 1,
    Kind.SIGN_IN_RECORDS: 1,
}
MAXIMUM_DAYS = 36_500  # a hundred years: "keep for ever" is not a retention rule

DESCRIPTIONS: dict[RetentionRuleKind, str] = {
    Kind.INACTIVE_CONTACTS: "Contacts with no activity for this many days are erased.",
    Kind.PROSPECT_CONTACTS: (
        "Contacts at prospect members with no activity for this many days are erased."
    ),
    Kind.ARCHIVED_CONTACTS: (
        "Archived contacts are erased this many days after their last activity."
    ),
    Kind.OUTBOX_BODIES: (
        "Bodies and attachments of emails sent, failed or skipped this many days ago are pruned."
    ),
    Kind.SIGN_IN_RECORDS: (
        "Portal sessions, sign-in links and API tokens are deleted this many days after they"
        " expired, were used or were revoked."
    ),
}

# The rules that erase contacts (a contact due under several is counted under the most
# specific: archived, then prospect, then inactive; network/privacy/retention_queries.py).
CONTACT_KINDS = (Kind.INACTIVE_CONTACTS, Kind.PROSPECT_CONTACTS, Kind.ARCHIVED_CONTACTS)
DEFAULT_BATCH_SIZE = 200


class RuleSource(StrEnum):
    """Where the days of an effective rule come from."""

    PARTNER = "PARTNER"  # the partner's own rule
    NETWORK = "NETWORK"  # the network-wide rule staff set
    BUILT_IN = "BUILT_IN"  # DEFAULT_DAYS: nobody set one


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    """The rule that applies to one kind of data of one partner's members (partner_id None:
    network-wide, for members without a partner)."""

    partner_id: uuid.UUID | None
    partner_slug: str | None
    kind: RetentionRuleKind
    days: int
    source: RuleSource


@dataclass(frozen=True, slots=True)
class Rules:
    """Every rule row, and the partners: enough to answer the days of any (partner, kind)."""

    network: dict[RetentionRuleKind, int]
    partners: dict[uuid.UUID, dict[RetentionRuleKind, int]]
    slugs: dict[uuid.UUID, str]

    def effective(self, partner_id: uuid.UUID | None, kind: RetentionRuleKind) -> EffectiveRule:
        """The rule of `kind` for the members of `partner_id` (None: network-wide)."""
        slug = self.slugs.get(partner_id) if partner_id else None
        own = self.partners.get(partner_id, {}) if partner_id else {}
        if kind in own:
            return EffectiveRule(partner_id, slug, kind, own[kind], RuleSource.PARTNER)
        if kind in self.network:
            return EffectiveRule(partner_id, slug, kind, self.network[kind], RuleSource.NETWORK)
        return EffectiveRule(partner_id, slug, kind, DEFAULT_DAYS[kind], RuleSource.BUILT_IN)

    def days(self, partner_id: uuid.UUID | None, kind: RetentionRuleKind) -> int:
        """The days of that rule."""
        return self.effective(partner_id, kind).days

    def scopes(self) -> list[uuid.UUID | None]:
        """Network-wide first, then each partner by slug."""
        ordered = sorted(self.slugs, key=lambda partner_id: self.slugs[partner_id])
        return [None, *ordered]


# -- reading and setting rules ----------------------------------------------------------------


async def _rule_rows(session: AsyncSession, partner_ids: Iterable[uuid.UUID] | None) -> list[Any]:
    statement = select(RetentionRule.partner_id, RetentionRule.kind, RetentionRule.days)
    if partner_ids is not None:
        wanted = list(partner_ids)
        statement = statement.where(RetentionRule.partner_id.in_(wanted))
    return list((await session.execute(statement)).all())


async def _network_wide_rows(session: AsyncSession) -> list[Any]:
    """The network-wide rule rows, whoever asks: nobody's personal data, and they bind every
    partner's members where it has no rule of its own (migration 0010 lets a partner read them,
    as it reads its own, and write neither)."""
    statement = select(RetentionRule.partner_id, RetentionRule.kind, RetentionRule.days)
    return list((await session.execute(statement.where(RetentionRule.partner_id.is_(None)))).all())


def _rules_of(rows: Iterable[Any], slugs: dict[uuid.UUID, str]) -> Rules:
    network: dict[RetentionRuleKind, int] = {}
    partners: dict[uuid.UUID, dict[RetentionRuleKind, int]] = {}
    for row in rows:
        kind = RetentionRuleKind(row.kind)
        if row.partner_id is None:
            network[kind] = row.days
        else:
            partners.setdefault(row.partner_id, {})[kind] = row.days
    return Rules(network=network, partners=partners, slugs=slugs)


async def load_rules(session: AsyncSession) -> Rules:
    """Every rule and partner (for the run, which acts as the system)."""
    slugs = {row.id: row.slug for row in await session.execute(select(Partner.id, Partner.slug))}
    return _rules_of(await _rule_rows(session, None), slugs)


async def retention_rules(
    session: AsyncSession, principal: Principal, partner_id: uuid.UUID | None = None
) -> list[EffectiveRule]:
    """The effective rules: staff see the network-wide ones and every partner's (or one
    partner's, given `partner_id`); a partner user sees its own; others none (refused)."""
    if principal.sees_everything:
        partners = select(Partner.id, Partner.slug)
        if partner_id is not None:
            partners = partners.where(Partner.id == partner_id)
        slugs = {row.id: row.slug for row in await session.execute(partners)}
        if partner_id is not None and partner_id not in slugs:
            raise NotFound("partnerId", "partner")
        rules = _rules_of(await _rule_rows(session, None), slugs)
        scopes = [partner_id] if partner_id is not None else rules.scopes()
    elif principal.kind is PrincipalKind.PARTNER and principal.partner_id is not None:
        own = principal.partner_id
        if partner_id is not None and partner_id != own:
            raise NotFound("partnerId", "partner")  # another partner's reads as missing
        slug = await session.scalar(select(Partner.slug).where(Partner.id == own))
        rows = [*await _rule_rows(session, [own]), *await _network_wide_rows(session)]
        rules = _rules_of(rows, {own: slug or ""})
        scopes = [own]
    else:
        raise PermissionDenied("partnerId", "Only network staff and partners may see these.")
    return [rules.effective(scope, kind) for scope in scopes for kind in RetentionRuleKind]


def _check_days(errors: Errors, kind: RetentionRuleKind, days: int) -> None:
    if days < MINIMUM_DAYS[kind]:
        errors.add(
            "days",
            "TOO_SMALL",
            f"A {kind.value} rule must keep data at least {MINIMUM_DAYS[kind]} days.",
        )
    elif days > MAXIMUM_DAYS:
        errors.add("days", "TOO_LARGE", f"A rule may keep data at most {MAXIMUM_DAYS} days.")


async def _partner_slug(
    session: AsyncSession, errors: Errors, partner_id: uuid.UUID | None
) -> str | None:
    if partner_id is None:
        return None
    slug = await session.scalar(select(Partner.slug).where(Partner.id == partner_id))
    if slug is None:
        errors.add("partnerId", "NOT_FOUND", "No partner with this id.")
    return slug


async def _current_days(
    session: AsyncSession, partner_id: uuid.UUID | None, kind: RetentionRuleKind
) -> tuple[uuid.UUID, int] | None:
    owner = (
        RetentionRule.partner_id.is_(None)
        if partner_id is None
        else RetentionRule.partner_id == partner_id
    )
    row = (
        await session.execute(
            select(RetentionRule.id, RetentionRule.days)
            .where(owner, RetentionRule.kind == kind)
            .with_for_update()
        )
    ).one_or_none()
    return (row.id, row.days) if row else None


async def _effective_after(
    session: AsyncSession, partner_id: uuid.UUID | None, kind: RetentionRuleKind
) -> EffectiveRule:
    """The rule as it stands after a change (staff, who see every rule)."""
    return (await load_rules(session)).effective(partner_id, kind)


async def set_retention_rule(
    session: AsyncSession,
    principal: Principal,
    partner_id: uuid.UUID | None,
    kind: RetentionRuleKind,
    days: int | None,
) -> EffectiveRule:
    """Keep `kind` of data `days` days, network-wide (partner_id None) or for one partner's
    members; days None removes the rule (back to the network-wide one, or the default).
    Staff only: a partner reads its rules but the network's data protection officer sets them."""
    require_staff(principal, "partnerId")
    if days is None:
        return await clear_retention_rule(session, principal, partner_id, kind)
    errors = Errors()
    await _partner_slug(session, errors, partner_id)
    _check_days(errors, kind, days)
    errors.raise_if_any()
    current = await _current_days(session, partner_id, kind)
    if current is None or current[1] != days:
        statement = insert(RetentionRule).values(
            id=uuid.uuid4(), partner_id=partner_id, kind=kind, days=days
        )
        where = (
            RetentionRule.partner_id.is_(None)
            if partner_id is None
            else RetentionRule.partner_id.is_not(None)
        )
        index = ["kind"] if partner_id is None else ["partner_id", "kind"]
        rule_id = await session.scalar(
            statement.on_conflict_do_update(
                index_elements=index,
                index_where=where,
                set_={"days": days, "updated_at": utcnow()},
            ).returning(RetentionRule.id)
        )
        assert rule_id is not None
        audit.record(
            session,
            principal,
            "retention_rule.set",
            "RetentionRule",
            rule_id,
            {
                "partner_id": partner_id,
                "kind": kind,
                "days": days,
                "previous_days": current[1] if current else None,
            },
        )
    return await _effective_after(session, partner_id, kind)


async def clear_retention_rule(
    session: AsyncSession,
    principal: Principal,
    partner_id: uuid.UUID | None,
    kind: RetentionRuleKind,
) -> EffectiveRule:
    """Remove a rule: a partner's falls back to the network-wide one, the network-wide one to
    the default. Removing a rule that does not exist changes nothing. Staff only."""
    require_staff(principal, "partnerId")
    errors = Errors()
    await _partner_slug(session, errors, partner_id)
    errors.raise_if_any()
    current = await _current_days(session, partner_id, kind)
    if current is not None:
        rule_id, previous = current
        await session.execute(delete(RetentionRule).where(RetentionRule.id == rule_id))
        audit.record(
            session,
            principal,
            "retention_rule.cleared",
            "RetentionRule",
            rule_id,
            {"partner_id": partner_id, "kind": kind, "previous_days": previous},
        )
    return await _effective_after(session, partner_id, kind)


# -- the plan and the run ---------------------------------------------------------------------


class Action(StrEnum):
    """What a run does to what a rule finds."""

    ERASE = "erase"
    PRUNE = "prune"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class PlanLine:
    """What one rule of one partner would do now: `ids` of the rows of `what` it finds."""

    partner_id: uuid.UUID | None
    partner_slug: str | None
    kind: RetentionRuleKind | None  # None: personal-data exports past their expiry
    days: int | None
    what: queries.Target
    ids: tuple[uuid.UUID, ...]

    @property
    def count(self) -> int:
        """How many rows."""
        return len(self.ids)

    @property
    def action(self) -> Action:
        """Erase, prune or delete."""
        return ACTIONS[self.what]

    @property
    def reason(self) -> str:
        """Why, as the audit trail and the erasure record it (no personal data)."""
        if self.kind is None:
            return "retention: personal-data export past its expiry"
        return f"retention: {self.kind.value} after {self.days} days"


ACTIONS = {
    queries.Target.CONTACTS: Action.ERASE,
    queries.Target.OUTBOX_BODIES: Action.PRUNE,
    queries.Target.PORTAL_SESSIONS: Action.DELETE,
    queries.Target.LOGIN_LINKS: Action.DELETE,
    queries.Target.API_TOKENS: Action.DELETE,
    queries.Target.EXPORT_FILES: Action.DELETE,
}


@dataclass(frozen=True, slots=True)
class RetentionPlan:
    """What a run at `now` would do, per partner and rule (lines with nothing to do too)."""

    now: datetime
    lines: tuple[PlanLine, ...]

    @property
    def total(self) -> int:
        """Rows the run would touch."""
        return sum(line.count for line in self.lines)

    def ids(self, what: queries.Target) -> set[uuid.UUID]:
        """Every id of one target, whichever rule found it."""
        return {i for line in self.lines if line.what is what for i in line.ids}


@dataclass(slots=True)
class RetentionRun:
    """What a run did: per line of its plan, how many rows it changed."""

    plan: RetentionPlan
    done: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Rows changed."""
        return sum(self.done)

    def by_kind(self) -> dict[str, int]:
        """Rows changed per rule kind and target (for the log and the audit trail)."""
        counts: dict[str, int] = {}
        for line, done in zip(self.plan.lines, self.done, strict=True):
            if done:
                key = f"{line.kind.value if line.kind else 'EXPORTS'}:{line.what.value}"
                counts[key] = counts.get(key, 0) + done
        return counts


def _lines(
    rules: Rules,
    kinds: Sequence[RetentionRuleKind],
    what: queries.Target,
    found: Iterable[tuple[uuid.UUID, uuid.UUID | None, RetentionRuleKind]],
) -> list[PlanLine]:
    grouped: dict[tuple[uuid.UUID | None, RetentionRuleKind], list[uuid.UUID]] = {}
    for row_id, partner_id, kind in found:
        scope = partner_id if partner_id in rules.slugs else None
        grouped.setdefault((scope, kind), []).append(row_id)
    return [
        PlanLine(
            partner_id=scope,
            partner_slug=rules.slugs.get(scope) if scope else None,
            kind=kind,
            days=rules.days(scope, kind),
            what=what,
            ids=tuple(sorted(grouped.get((scope, kind), []))),
        )
        for scope in rules.scopes()
        for kind in kinds
    ]


def _days_table(rules: Rules) -> queries.DaysTable:
    return queries.DaysTable.of(rules.days, list(rules.slugs))


async def _plan(session: AsyncSession, now: datetime, rules: Rules) -> RetentionPlan:
    days = _days_table(rules)
    lines: list[PlanLine] = []
    contacts = await queries.due_contacts(session, now, days)
    lines += _lines(rules, CONTACT_KINDS, queries.Target.CONTACTS, contacts)
    for what, kind in queries.KINDS_OF_TARGET.items():
        found = await queries.due_rows(session, now, days, what)
        lines += _lines(rules, [kind], what, ((i, p, kind) for i, p in found))
    exports = await queries.expired_exports(session, now)
    lines.append(PlanLine(None, None, None, None, queries.Target.EXPORT_FILES, tuple(exports)))
    return RetentionPlan(now=now, lines=tuple(lines))


async def plan(session: AsyncSession, now: datetime) -> RetentionPlan:
    """What a retention run at `now` would do, per partner and rule; changes nothing.

    The session must see every row (the system, or staff: row-level security)."""
    return await _plan(session, now, await load_rules(session))


def _chunks(ids: Sequence[uuid.UUID], size: int) -> Iterable[list[uuid.UUID]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


async def _erase(
    session: AsyncSession, principal: Principal, ids: Iterable[uuid.UUID], reason: str
) -> int:
    """Erase the batch in one pass over the shared text (network.privacy.erasure.erase_people);
    if that fails, each in a savepoint of its own instead: one that cannot be erased (an
    expected failure, or an unexpected one such as a deadlock) is logged by id and left for the
    next run, and the rest of the batch goes ahead, so one bad row never stops every run."""
    wanted = list(ids)
    try:
        async with session.begin_nested():
            await erase_people(session, principal, wanted, reason)
        return len(wanted)
    except Exception:
        pass
    erased = 0
    for contact_id in wanted:
        try:
            async with session.begin_nested():
                await erase_person(session, principal, contact_id, reason)
        except DomainError as error:
            logger.warning(
                "retention: contact %s was not erased (%s)", contact_id, error.errors[0].code
            )
            continue
        except Exception as error:
            logger.error(
                "retention: contact %s was not erased (%s)", contact_id, type(error).__name__
            )
            continue
        erased += 1
    return erased


async def _carry_out(
    session: AsyncSession,
    principal: Principal,
    line: PlanLine,
    chunk: list[uuid.UUID],
    moment: datetime,
    days: queries.DaysTable,
) -> int:
    """One batch of one line: erase, prune or delete what is still due of `chunk`."""
    if line.what is queries.Target.CONTACTS:
        # Lock first, then check again: a booking or an answer committed meanwhile is seen by
        # the check (a new statement), and one arriving after waits for this batch's commit.
        await session.execute(
            select(Contact.id).where(Contact.id.in_(chunk)).order_by(Contact.id).with_for_update()
        )
        still = await queries.still_due_contacts(session, moment, days, chunk)
        return await _erase(session, principal, (i for i in chunk if i in still), line.reason)
    if line.what is queries.Target.EXPORT_FILES:
        return await queries.expire_exports(session, moment, chunk)
    assert line.days is not None
    return await queries.carry_out(session, moment, line.what, line.days, chunk)


async def apply(
    sessions: async_sessionmaker[AsyncSession] | AsyncSession,
    now: datetime | None = None,
    principal: Principal = SYSTEM,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    after_commit: AfterCommit | None = None,
) -> RetentionRun:
    """Carry out the plan of a run at `now`: erase, prune and delete, a batch per transaction.

    Each batch checks its rows again as it changes them, so what became active, or was done
    by another run, since the plan was read is left alone; running it twice changes nothing
    the second time. The sessions must act for the system (row-level security); `principal`
    (the system, or staff) is who erases. One audit event records what the run did.
    """
    require_staff(principal, "principal")
    moment = now or utcnow()
    async with unit_of_work(sessions) as session:
        rules = await load_rules(session)
        the_plan = await _plan(session, moment, rules)
    days = _days_table(rules)
    run = RetentionRun(plan=the_plan, done=[0] * len(the_plan.lines))
    # Pruning and deleting first, erasing last: erasure searches every email body and audit
    # entry for the person's name, and bodies already pruned cost it nothing to search.
    erasing_last = sorted(
        range(len(the_plan.lines)),
        key=lambda index: the_plan.lines[index].what is queries.Target.CONTACTS,
    )
    for index in erasing_last:
        line = the_plan.lines[index]
        for chunk in _chunks(line.ids, batch_size):
            async with unit_of_work(sessions, after_commit=after_commit) as session:
                run.done[index] += await _carry_out(session, principal, line, chunk, moment, days)
    if run.total:
        async with unit_of_work(sessions, after_commit=after_commit) as session:
            audit.record(
                session, principal, "retention.applied", "Retention", uuid.uuid4(), run.by_kind()
            )
        logger.info("retention: %s", run.by_kind())
    return run
