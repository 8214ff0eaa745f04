from django.urls import path
from django.views.generic import RedirectView

from booking_page.views import assets, booking, course, manage, manage_code, waitlist

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="book-types", query_string=True), name="home"),
    path("embed.js", assets.embed_script, name="embed-script"),
    path("book/theme.css", assets.theme, name="book-theme"),
    path("book/logo", assets.logo, name="clinic-logo"),
    path("book/", booking.appointment_types, name="book-types"),
    # The hold's id and the manage token travel in POST bodies: no URL names them (booking_page/passes.py).
    path("book/details/", booking.details, name="book-details"),
    path("book/details/release/", booking.release, name="book-release"),
    path("book/hold/<str:hold_id>/", booking.hold_link_gone),
    path("book/booked/<str:reference>/", manage.confirmation_link),
    path("book/<slug:appointment_type>/", booking.practitioners, name="book-practitioner"),
    path("book/<slug:appointment_type>/calendar/", booking.calendar, name="book-calendar"),
    path("book/<slug:appointment_type>/times/", booking.times, name="book-times"),
    path("book/<slug:appointment_type>/waitlist/", waitlist.join, name="book-waitlist"),
    path("book/<slug:appointment_type>/course/", course.book_course, name="book-course"),
    path("book/<slug:appointment_type>/course/details/", course.course_details, name="book-course-details"),
    path("waitlist/<str:reference>/", waitlist.entry_page, name="waitlist-entry"),
    path("offer/<str:reference>/", waitlist.offer_page, name="waitlist-offer"),
    path("manage/code/", manage_code.enter_code, name="manage-code"),  # before <reference>: "code" is none
    path("manage/course/<str:reference>/", course.manage_course, name="manage-course"),  # "course" is none either
    path("manage/<str:reference>/", manage.manage, name="manage-booking"),
    path("manage/<str:reference>/move/", manage.move, name="manage-move"),
    path("manage/<str:reference>/move/times/", manage.move_times, name="manage-move-times"),
    path("manage/<str:reference>/appointment.ics", manage.invite, name="manage-invite"),
]
