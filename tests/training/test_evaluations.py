"""Feedback after training: the invitation owed once a session has ended, the one-use form,
the certificate that waits for it, the summaries each caller may see, erasure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.audit.models import AuditEvent
from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.certificates import service as certificates
from network.certificates.models import Certificate
from network.contacts.models import Contact
from network.db import act_as, acting, utcnow
from network.kit.errors import DomainError
from network.kit.owed import Job, take_owed
from network.messaging.models import OutboxMessage
from network.messaging.rendering import Renderer
from network.privacy.erasure import erase_person
from network.training import evaluations
from network.training.enums import TrainingSessionStatus
from network.training.models import Booking, Course, TrainingEvaluation
from network.usecases import attendance
from tests.support.factories import Factory
from tests.support.helpers import snapshot
from tests.support.training import Attended, TrainingFactory
from workers.certificates import sweep_evaluations

GOOD = {"relevance": 5, "trainer": 4, "materials": "3", "practice": 4, "overall": 5}


def _codes(error: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in error.value.errors]


async def _invitations(session: AsyncSession) -> list[OutboxMessage]:
    found = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.template == evaluations.EMAIL_TEMPLATE)
        .order_by(OutboxMessage.to_email)
    )
    return list(found.all())


async def _evaluation(session: AsyncSession, booking: Booking) -> TrainingEvaluation:
    found = await session.scalars(
        select(TrainingEvaluation)
        .where(TrainingEvaluation.booking_id == booking.id)
        .execution_options(populate_existing=True)
    )
    return found.one()


async def _invite(session: AsyncSession) -> int:
    return await evaluations.invite_due_evaluations(session, now=utcnow(), limit=100)


# -- the invitation -----------------------------------------------------------------------------


async def test_each_attendee_of_an_ended_session_is_owed_one_invitation_in_their_language(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    welsh = await make.contact(member, "a.welsh@example.org", language="cy", first_name="Siân")
    french = await make.contact(member, "b.french@example.org", language="fr")
    await attended.session_with([welsh, french], title="Map It")

    assert await _invite(session) == 2
    assert await _invite(session) == 0  # a second sweep owes nothing more

    messages = await _invitations(session)
    assert [(m.to_email, m.language) for m in messages] == [
        ("a.welsh@example.org", "cy"),
        ("b.french@example.org", "fr"),
    ]
    first = attended.bookings[0]
    assert messages[0].dedup_key == f"evaluation:{first.id}"
    assert messages[0].context["first_name"] == "Siân"
    assert messages[0].context["course_title"] == "Map It"
    url = messages[0].context["evaluation_url"]
    assert url.endswith(f"/feedback/{evaluations.evaluation_token(first.id)}")
    assert evaluations.booking_id_from_token(url.rsplit("/", 1)[1]) == first.id
    row = await _evaluation(session, first)
    assert (row.language, row.submitted_at, row.overall) == ("cy", None, None)


async def test_attendance_marked_after_the_end_is_invited_by_the_next_sweep(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    person = await make.contact(member)
    await attended.session_with([person], mark=False)
    assert await _invite(session) == 0  # booked, not marked attended: nothing owed

    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[attended.bookings[0].id], attended=True
    )

    assert await _invite(session) == 1
    assert [m.to_email for m in await _invitations(session)] == [person.email]


async def test_nothing_is_owed_before_the_end_nor_for_a_cancelled_session_nor_an_erased_person(
    session: AsyncSession, make: Factory, train: TrainingFactory, attended: Attended
) -> None:
    member = await make.member()
    during, cancelled, erased = [await make.contact(member) for _ in range(3)]
    running = await train.session_of(starts_at=utcnow() + timedelta(days=3))
    booking = await train.book(running, during)
    running.starts_at = utcnow() - timedelta(hours=1)
    running.ends_at = utcnow() + timedelta(hours=2)
    await session.flush()
    await attendance.mark_attendance(session, SYSTEM, booking_ids=[booking.id], attended=True)
    called_off = await attended.session_with([cancelled])
    called_off.status = TrainingSessionStatus.CANCELLED
    await attended.session_with([erased])
    await erase_person(session, SYSTEM, erased.id, "asked to be forgotten")
    await session.flush()

    assert await _invite(session) == 0
    assert await _invitations(session) == []

    # Once the running session has ended, its attendee is owed the form.
    assert (
        await evaluations.invite_due_evaluations(
            session, now=utcnow() + timedelta(hours=3), limit=10
        )
        == 1
    )


async def test_the_worker_pass_owes_the_forms_once_even_run_twice(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make: Factory,
    attended: Attended,
) -> None:
    member = await make.member()
    await attended.session_with([await make.contact(member), await make.contact(member)])
    await session.commit()

    async def nothing(session: AsyncSession) -> None:
        return None

    with acting(SYSTEM):  # as the worker runs
        now = utcnow()
        assert await sweep_evaluations(session_factory, now=now, after_commit=nothing) == 2
        assert await sweep_evaluations(session_factory, now=now, after_commit=nothing) == 0
    assert len(await _invitations(session)) == 2


# -- the form -----------------------------------------------------------------------------------


async def test_an_evaluation_is_recorded_once_and_audited(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    person = await make.contact(member)
    await attended.session_with([person])
    booking = attended.bookings[0]
    await _invite(session)
    token = evaluations.evaluation_token(booking.id)

    saved = await evaluations.submit_evaluation(
        session, token, answers=GOOD, comments="  Very useful.\nMore examples, please. "
    )

    assert (saved.relevance, saved.trainer, saved.materials, saved.practice, saved.overall) == (
        5,
        4,
        3,
        4,
        5,
    )
    assert saved.comments == "Very useful.\nMore examples, please."
    assert saved.submitted_at is not None
    await session.flush()
    audited = (
        await session.scalars(
            select(AuditEvent).where(AuditEvent.action == "training_evaluation.submitted")
        )
    ).one()
    assert (audited.entity_id, audited.changes["overall"]) == (booking.id, 5)
    form = await evaluations.evaluation_by_token(session, token)
    assert form is not None and form.state == "submitted"

    before = await snapshot(session)
    with pytest.raises(DomainError) as error:
        await evaluations.submit_evaluation(session, token, answers={**GOOD, "overall": 1})
    assert _codes(error) == [("token", "ALREADY_SUBMITTED")]
    assert await snapshot(session) == before
    assert (await _evaluation(session, booking)).overall == 5


async def test_bad_answers_name_their_field_and_change_nothing(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    await attended.session_with([await make.contact(member)])
    await _invite(session)
    token = evaluations.evaluation_token(attended.bookings[0].id)
    before = await snapshot(session)

    with pytest.raises(DomainError) as error:
        await evaluations.submit_evaluation(
            session,
            token,
            answers={"relevance": None, "trainer": "6", "materials": "x", "practice": 0},
            comments="x" * 2001,
        )

    assert _codes(error) == [
        ("relevance", "REQUIRED"),
        ("trainer", "OUT_OF_RANGE"),
        ("materials", "INVALID"),
        ("practice", "OUT_OF_RANGE"),
        ("overall", "REQUIRED"),
        ("comments", "TOO_LONG"),
    ]
    assert await snapshot(session) == before


async def test_a_forged_an_expired_or_an_uninvited_link_is_refused(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    await attended.session_with([await make.contact(member), await make.contact(member)])
    invited, uninvited = attended.bookings
    await _invite(session)
    row = await _evaluation(session, uninvited)
    await session.delete(row)  # as if its invitation had never been owed
    await session.flush()
    token = evaluations.evaluation_token(invited.id)

    for bad in ("nonsense", token[:-1] + ("A" if token[-1] != "A" else "B")):
        with pytest.raises(DomainError) as error:
            await evaluations.submit_evaluation(session, bad, answers=GOOD)
        assert _codes(error) == [("token", "NOT_FOUND")]
        assert await evaluations.evaluation_by_token(session, bad) is None
    other = evaluations.evaluation_token(uninvited.id)
    assert await evaluations.evaluation_by_token(session, other) is None

    later = utcnow() + timedelta(days=evaluations.VALID_DAYS + 1)
    form = await evaluations.evaluation_by_token(session, token, now=later)
    assert form is not None and form.state == "expired"
    with pytest.raises(DomainError) as error:
        await evaluations.submit_evaluation(session, token, answers=GOOD, now=later)
    assert _codes(error) == [("token", "EXPIRED")]

    # Attendance corrected to no-show: the form is closed too.
    await attendance.mark_attendance(session, SYSTEM, booking_ids=[invited.id], attended=False)
    with pytest.raises(DomainError) as error:
        await evaluations.submit_evaluation(session, token, answers=GOOD)
    assert _codes(error) == [("token", "EXPIRED")]


async def test_attendance_marked_long_after_the_end_is_invited_all_the_same(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    """The sweep looks back over recently marked attendance as well as recent sessions."""
    person = await make.contact(await make.member())
    held = await attended.session_with([person], mark=False)
    held.starts_at -= timedelta(days=40)
    held.ends_at -= timedelta(days=40)
    await session.flush()
    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[attended.bookings[0].id], attended=True
    )

    assert await _invite(session) == 1
    assert [m.to_email for m in await _invitations(session)] == [person.email]
    assert await _invite(session) == 0


# -- the certificate that waits -----------------------------------------------------------------


async def test_a_certificate_waits_no_longer_once_the_evaluation_expired_unanswered(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    held = await attended.session_with([await make.contact(await make.member())])
    course = await session.get(Course, held.course_id)
    assert course is not None
    course.certificate_waits_for_evaluation = True
    await session.flush()
    booking = attended.bookings[0]
    await _invite(session)
    evaluation = await _evaluation(session, booking)
    evaluation.invited_at = utcnow() - timedelta(days=evaluations.VALID_DAYS - 1)
    await session.flush()
    assert await certificates.issue_for_bookings(session, SYSTEM, [booking.id]) == []

    evaluation.invited_at = utcnow() - timedelta(days=evaluations.VALID_DAYS + 1)
    await session.flush()

    made = await certificates.issue_for_bookings(session, SYSTEM, [booking.id])
    assert [c.booking_id for c in made] == [booking.id]


async def test_a_course_that_waits_issues_the_certificate_once_the_evaluation_is_in(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    person = await make.contact(member)
    held = await attended.session_with([person])
    course = await session.get(Course, held.course_id)
    assert course is not None
    course.certificate_waits_for_evaluation = True
    await session.flush()
    booking = attended.bookings[0]
    take_owed(session, Job.ISSUE_CERTIFICATES)

    assert await certificates.issue_for_bookings(session, SYSTEM, [booking.id]) == []
    assert await certificates.issue_due_certificates(session, now=utcnow(), limit=10) == []
    await _invite(session)
    message = (await _invitations(session))[0]
    assert message.context["certificate_waits"] is True

    await evaluations.submit_evaluation(
        session, evaluations.evaluation_token(booking.id), answers=GOOD
    )

    assert take_owed(session, Job.ISSUE_CERTIFICATES) == [booking.id]
    made = await certificates.issue_for_bookings(session, SYSTEM, [booking.id])
    assert [c.booking_id for c in made] == [booking.id]


async def test_a_course_that_does_not_wait_issues_at_once_and_owes_nothing_on_submission(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    held = await attended.session_with([await make.contact(member)])
    booking = attended.bookings[0]
    take_owed(session, Job.ISSUE_CERTIFICATES)

    made = await certificates.issue_certificates(session, SYSTEM, session_id=held.id)
    assert [c.booking_id for c in made] == [booking.id]
    await _invite(session)
    assert (await _invitations(session))[0].context["certificate_waits"] is False
    await evaluations.submit_evaluation(
        session, evaluations.evaluation_token(booking.id), answers=GOOD
    )
    assert take_owed(session, Job.ISSUE_CERTIFICATES) == []
    issued = await session.scalars(select(Certificate).where(Certificate.booking_id == booking.id))
    assert len(issued.all()) == 1


# -- the summaries ------------------------------------------------------------------------------


async def test_staff_see_every_evaluation_a_partner_its_own_members_a_member_nothing(
    session: AsyncSession, make: Factory, attended: Attended, train: TrainingFactory
) -> None:
    wales = await make.partner()
    theirs = await make.member(partner=wales)
    others = await make.member()
    mine = await make.contact(theirs)
    other = await make.contact(others)
    silent = await make.contact(theirs)
    held = await attended.session_with([mine, other, silent])
    booking_mine, booking_other, _ = attended.bookings
    await _invite(session)
    await evaluations.submit_evaluation(
        session,
        evaluations.evaluation_token(booking_mine.id),
        answers={"relevance": 5, "trainer": 5, "materials": 4, "practice": 3, "overall": 5},
        comments="Great day",
    )
    await evaluations.submit_evaluation(
        session,
        evaluations.evaluation_token(booking_other.id),
        answers={"relevance": 2, "trainer": 4, "materials": 4, "practice": 2, "overall": 2},
        comments="Too long",
    )
    partner = Principal(PrincipalKind.PARTNER, partner_id=wales.id)
    member = Principal(PrincipalKind.MEMBER, contact_id=mine.id)

    staff = await evaluations.evaluation_summary(session, SYSTEM, session_id=held.id)
    assert staff == evaluations.EvaluationSummary(
        invited=3,
        responses=2,
        averages=[3.5, 4.5, 4.0, 2.5, 3.5],
        comments=["Great day", "Too long"],
    )
    assert await evaluations.evaluation_summary(
        session, partner, session_id=held.id
    ) == evaluations.EvaluationSummary(
        # One answer in the partner's view: too few to show averages (they would be Mine's).
        invited=2,
        responses=1,
        averages=[None] * 5,
        comments=None,
    )
    assert await evaluations.evaluation_summary(session, member, session_id=held.id) is None
    by_course = await evaluations.evaluation_summary(session, SYSTEM, course_id=held.course_id)
    assert by_course == staff
    empty = await train.session_of()
    assert await evaluations.evaluation_summary(
        session, SYSTEM, session_id=empty.id
    ) == evaluations.EvaluationSummary(0, 0, [None] * 5, [])


async def test_a_partner_sees_averages_from_three_answers_in_its_view(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    wales = await make.partner()
    theirs = await make.member(partner=wales)
    people = [await make.contact(theirs) for _ in range(3)]
    held = await attended.session_with(people)
    await _invite(session)
    partner = Principal(PrincipalKind.PARTNER, partner_id=wales.id)
    for count, booking in enumerate(attended.bookings, start=1):
        await evaluations.submit_evaluation(
            session, evaluations.evaluation_token(booking.id), answers=GOOD
        )
        seen = await evaluations.evaluation_summary(session, partner, session_id=held.id)
        assert seen is not None
        assert seen.responses == count
        if count < evaluations.MIN_PARTNER_RESPONSES:
            assert seen.averages == [None] * 5
        else:
            assert seen.averages == [5.0, 4.0, 3.0, 4.0, 5.0]
    staff = await evaluations.evaluation_summary(session, SYSTEM, session_id=held.id)
    assert staff is not None and staff.averages == [5.0, 4.0, 3.0, 4.0, 5.0]


async def test_row_level_security_shows_a_partner_only_its_members_evaluations(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make: Factory,
    attended: Attended,
) -> None:
    wales = await make.partner()
    mine = await make.contact(await make.member(partner=wales))
    other = await make.contact(await make.member())
    await attended.session_with([mine, other])
    await _invite(session)
    await session.commit()  # into the test's shared transaction

    seen = {}
    for name, principal in {
        "partner": Principal(PrincipalKind.PARTNER, partner_id=wales.id),
        "member": Principal(PrincipalKind.MEMBER, contact_id=other.id),
    }.items():
        async with session_factory() as caller:
            await act_as(caller, principal)
            seen[name] = list((await caller.scalars(select(TrainingEvaluation.booking_id))).all())

    assert seen == {"partner": [attended.bookings[0].id], "member": [attended.bookings[1].id]}


# -- erasure ------------------------------------------------------------------------------------


async def test_erasure_cuts_the_person_out_of_their_comments_and_keeps_the_ratings(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    person = await make.contact(
        member, "zebedee@example.org", first_name="Zebedee", last_name="Quillfeather"
    )
    await attended.session_with([person])
    booking = attended.bookings[0]
    await _invite(session)
    await evaluations.submit_evaluation(
        session,
        evaluations.evaluation_token(booking.id),
        answers=GOOD,
        comments="Zebedee Quillfeather here: write to zebedee@example.org. Good course.",
    )

    await erase_person(session, SYSTEM, person.id, "asked to be forgotten")

    row = await _evaluation(session, booking)
    assert row.comments == "[erased] here: write to [erased]. Good course."
    assert row.overall == 5
    erased = await session.get(Contact, person.id)
    assert erased is not None and erased.erased_at is not None
    assert (
        await evaluations.evaluation_by_token(session, evaluations.evaluation_token(booking.id))
        is None
    )


async def test_the_welsh_invitation_is_bilingual_welsh_first(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    await attended.session_with([await make.contact(member, language="cy", first_name="Siân")])
    await _invite(session)
    message = (await _invitations(session))[0]

    email = Renderer().render(message.template, message.language, message.context)

    assert email.subject.startswith("Sut aeth Co-Production Star training?")
    assert email.subject.endswith("/ How was Co-Production Star training? Tell us in two minutes")
    welsh = email.text.index("Rhoi eich adborth: ")
    english = email.text.index("Give your feedback: ")
    assert welsh < english
    assert email.text.count(message.context["evaluation_url"]) == 2
