"""The demo catalogue words each CPD course's learning outcomes (DESIGN.md's course facts) and
names its accreditation; the demo certificates print them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.certificates.models import Certificate
from network.demo.seed import load_demo
from network.training.models import Course


async def test_demo_courses_have_outcomes_and_their_certificates_print_them(
    session: AsyncSession,
) -> None:
    await load_demo(session)

    courses = {c.title: c for c in (await session.scalars(select(Course))).all()}
    certified = [c for c in courses.values() if c.cpd_certified]
    assert len(certified) == 4
    for course in certified:
        assert sorted(course.learning_outcomes) == ["cy", "en", "fr"], course.title
        counts = {len(outcomes) for outcomes in course.learning_outcomes.values()}
        assert len(counts) == 1, course.title  # the same outcomes in every language
        assert course.accreditation == "CPD Standards Office"
        assert course.accreditation_reference == "40123"
    star = courses["Co-Production Star training for managers"]
    assert any("Four Co's" in outcome for outcome in star.learning_outcomes["en"])
    assert any("action plan" in outcome for outcome in star.learning_outcomes["en"])
    briefing = courses["Co-Production Star briefing"]
    assert (briefing.accreditation, briefing.learning_outcomes) == (None, {})

    issued = (await session.scalars(select(Certificate))).all()
    assert len(issued) == 4
    for certificate in issued:
        particulars = certificate.particulars
        assert particulars["provider"] == "Governance International"
        assert particulars["accreditation"] == "CPD Standards Office"
        printed = [item["language"] for item in particulars["learning_outcomes"]]
        # Welsh holders get Welsh then English; the German holder the English list.
        assert printed == {"cy": ["cy", "en"], "fr": ["fr"]}.get(certificate.language, ["en"])
