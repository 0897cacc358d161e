"""Portal labels: the liaison desk's course and session pages (staff only, in English; other
languages fall back to it)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        # the sessions listing and a session's page
        "desk_session_actions": "Session actions",
        "desk_register": "Register",
        "desk_edit": "Edit",
        "desk_edit_session": "Edit session",
        "desk_cancel_session": "Cancel session",
        "desk_bookings": "Bookings on this session",
        "desk_no_bookings": "Nobody is booked on this session.",
        "desk_new_session": "Schedule a session",
        "desk_courses": "Courses",
        "desk_any": "Any",
        "desk_language": "Language",
        "desk_status_SCHEDULED": "Scheduled",
        "desk_status_CANCELLED": "Cancelled",
        "desk_month": "Month",
        "desk_has_seats": "Has seats",
        "desk_filter": "Filter",
        "desk_clear_filters": "Clear filters",
        "desk_seats": "Seats taken / capacity",
        "desk_reserved_for": "Reserved for",
        "desk_over_capacity": "over capacity",
        "desk_open_to_all": "Open to all",
        "desk_session_added": "Session scheduled.",
        "desk_session_saved": "Session saved; booked people are told of any change.",
        "desk_session_cancelled": "Session cancelled; everyone booked is being told.",
        # courses
        "desk_new_course": "Add a course",
        "desk_edit_course": "Edit course",
        "desk_no_courses": "No courses yet.",
        "desk_back_to_courses": "Back to courses",
        "desk_course_title": "Title",
        "desk_description": "Description",
        "desk_format": "Format",
        "desk_format_HALF_DAY": "Half day",
        "desk_format_ONE_DAY": "One day",
        "desk_format_TWO_DAY": "Two days",
        "desk_cpd_hours": "CPD hours",
        "desk_cpd_certified": "CPD certified",
        "desk_certificate_waits_for_evaluation": (
            "Issue the certificate only once the attendee's evaluation is in"
        ),
        "desk_accreditation": "Accreditation",
        "desk_accredited_by": "Accredited by (e.g. CPD Standards Office)",
        "desk_accreditation_reference": "Provider's reference number",
        "desk_learning_outcomes": "Learning outcomes",
        "desk_outcomes_hint": "One outcome per line, for each language a certificate is issued in.",
        "desk_yes": "Yes",
        "desk_no": "No",
        "desk_its_sessions": "Sessions",
        "desk_course_added": "Course added.",
        "desk_course_saved": "Course saved.",
        # the session form
        "desk_choose": "Choose...",
        "desk_capacity": "Capacity (seats)",
        "desk_booking_deadline": "Booking deadline (optional, in the session's time zone)",
        "desk_reserved_hint": "Leave both empty for a session open to every member.",
        "desk_reserved_cohort": "A cohort",
        "desk_reserved_member": "A member",
        "desk_no_one": "Not reserved",
        "desk_bad_deadline": "Not a date and time (YYYY-MM-DD HH:MM).",
        "desk_bad_capacity": "A whole number of seats.",
        "desk_choose_offered": "Choose one of the options offered.",
        # cancelling a session
        "desk_cannot_cancel_started": "This session has started: it can no longer be cancelled.",
        "desk_cancel_will_tell": (
            "{booked} people hold a seat and {waiting} are on the waiting list: every one of "
            "them will be told by email that the session is cancelled, with the reason below."
        ),
        "desk_cancel_reason": "Reason (sent to everyone booked)",
        "desk_confirm_cancel": "Yes, cancel the session",
        "desk_keep_session": "Keep the session and go back",
    },
}
