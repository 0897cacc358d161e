"""The demo training data: a catalogue, sessions with seats left and a waiting list; idempotent."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.demo.seed import load_demo
from network.training.demo import load_training_demo
from network.training.models import Booking


async def test_demo_training_data_loads_once(session: AsyncSession) -> None:
    summary = await load_demo(session)  # loads the training demo among the rest
    # three upcoming sessions, and one held last month whose attendees have certificates
    assert "4 training sessions, 11 bookings" in summary
    assert summary.endswith(", 4 certificates")
    statuses = Counter((await session.scalars(select(Booking.status))).all())
    assert statuses == {"CONFIRMED": 4, "WAITLISTED": 3, "ATTENDED": 4}
    assert await load_training_demo(session) == "training: 0 courses added, 0 bookings made"
