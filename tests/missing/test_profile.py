"""The missing-from-care profile (issue 19, items 1 and 2): written by the agencies working
with the child, every version kept; its photo cleaned of everything but the picture; given
to the police looking for a missing child for the episode and a grace period after the
return, then lapsed by itself; reviewed; erased by its keeper or after its retention.

The child: looked after by Norfolk (social.worker manages the case), placed in Suffolk.
"""

import datetime as dt
import io
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from PIL import Image, PngImagePlugin

from audit.actions import Action
from cases.models import Case
from cases.services import CaseClosed, close_case
from missing import photos, profiles
from missing.models import Profile, ProfilePhoto, ProfileRelease, ProfileVersion
from missing.services import record_return, report_missing
from people.models import Area
from tests.conftest import events
from tests.missing.test_pages import client_for, text_of

pytestmark = pytest.mark.django_db

SCRIPT = b"<script>alert('x')</script>"


def png(colour="red", size=(40, 30), text: bytes = b"") -> bytes:
    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    if text:
        info.add_text("Comment", text.decode())
    Image.new("RGB", size, colour).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_location() -> bytes:
    """A phone's photo: EXIF with GPS, a comment holding a script, taken on its side."""
    picture = Image.new("RGB", (60, 20), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    exif[0x010F] = "ExamplePhone"  # make
    exif[0x010E] = SCRIPT.decode()  # image description
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, comment=SCRIPT)
    return out.getvalue()


@pytest.fixture
def case(placed_case):
    return placed_case


def write(person, case, **sections):
    fields = {"description": "Slim, 5ft 2in, long dark hair", "places": "Ipswich bus station"}
    return profiles.save_profile(person, case, **(fields | sections))


def report(people, case, *, by="social.worker", area="Norfolk", hours_ago=2):
    return report_missing(
        people[by], case, last_seen_at=timezone.now() - dt.timedelta(hours=hours_ago),
        last_seen_where="Norwich station", circumstances="Did not come home.", risk="medium",
        last_seen_area=Area.objects.get(name=area),
    )  # fmt: skip


# Versions and review ----------------------------------------------------------------


def test_each_change_is_a_new_version_and_the_old_is_kept(case, people):
    worker = people["social.worker"]
    first = write(worker, case, associates="Jay (older boyfriend) 07700 900123\n\n  ")
    second = write(
        worker,
        case,
        associates="Jay (older boyfriend) 07700 900123\nKez, friend",
        places="Ipswich bus station\n  ipswich BUS station \nMcDonald's, Carr Street",
    )
    assert [v.pk for v in profiles.versions(case.missing_profile)] == [second.pk, first.pk]
    first.refresh_from_db()
    assert first.associates == ["Jay (older boyfriend) 07700 900123"]
    # Lines trimmed, blank and repeated ones (whatever their case) dropped, in order.
    assert second.places == ["Ipswich bus station", "McDonald's, Carr Street"]
    assert second.written_by == worker and second.agency == worker.agency
    # The audit log says which sections changed, never what they say.
    changed = events(Action.PROFILE_CHANGED)
    assert changed[-1].detail == {"version": second.pk, "sections": ["associates", "places"]}
    assert "Kez" not in str([event.detail for event in changed])


def test_saving_the_same_again_records_nothing(case, people):
    write(people["social.worker"], case)
    assert write(people["social.worker"], case) is None
    assert ProfileVersion.objects.filter(profile__case=case).count() == 1
    assert len(events(Action.PROFILE_CHANGED)) == 1


def test_a_partner_with_contribute_access_adds_to_it_and_one_with_view_access_cannot(
    case, people, share
):
    write(people["social.worker"], case)
    share(case, "norfolk_police", "contribute")
    version = write(people["police.officer"], case, places="Ipswich bus station\nThe park")
    assert version.agency.name == "Norfolk Constabulary"
    with pytest.raises(PermissionDenied):  # an IG officer reads, never writes
        write(people["ig.officer"], case, places="x")


def test_a_review_is_due_after_three_months_and_after_each_return(case, people):
    worker = people["social.worker"]
    assert profiles.review_of(None).due
    write(worker, case)
    profile = Profile.objects.get(case=case)
    assert not profiles.review_of(profile).due
    later = timezone.now() + dt.timedelta(days=93)
    assert profiles.review_of(profile, later).due
    episode = report(people, case)
    record_return(worker, episode, returned_at=timezone.now(), how_found="At a friend's, alone")
    review = profiles.review_of(profile)
    assert review.due and "returned" in review.why
    profiles.mark_reviewed(worker, case)
    profile.refresh_from_db()
    assert not profiles.review_of(profile).due
    assert events(Action.PROFILE_REVIEWED)[-1].actor_id == worker.pk


def test_a_closed_case_takes_no_new_version(case, people):
    write(people["social.worker"], case)
    close_case(people["social.worker"], case, "Child moved abroad")
    with pytest.raises(CaseClosed):
        write(people["social.worker"], case, places="Somewhere new")
    assert ProfileVersion.objects.filter(profile__case=case).count() == 1


# The pages ---------------------------------------------------------------------------


def test_the_form_keeps_what_was_typed_when_refused_and_the_page_shows_it_saved(case):
    client = client_for("social.worker")
    url = reverse("missing-profile-edit", args=[case.pk])
    too_long = "x" * 201
    refused = client.post(url, {"description": "Tall", "places": f"Park\n{too_long}"})
    assert refused.status_code == 200
    assert "each line must be 200 characters or fewer" in text_of(refused)
    assert too_long in refused.content.decode() and "Tall" in refused.content.decode()
    assert not ProfileVersion.objects.exists()

    saved = client.post(url, {"description": "Tall <b>", "places": "Ipswich bus station\nPark"})
    assert saved.status_code == 302 and saved["Location"].endswith(
        reverse("missing-profile", args=[case.pk])
    )
    page = client.get(saved["Location"])
    body = page.content.decode()
    assert "Tall &lt;b&gt;" in body and "<b>" not in body.split("Physical description")[1][:200]
    places = re.search(r'data-testid="places">(.*?)</ul>', body, re.S).group(1)
    assert "Ipswich bus station" in places and "Park" in places
    assert "Missing-from-care profile" in text_of(page)


def test_the_profile_form_sent_twice_records_one_version(case):
    client = client_for("social.worker")
    url = reverse("missing-profile-edit", args=[case.pk])
    token = re.search(r'name="once" value="([^"]+)"', client.get(url).content.decode()).group(1)
    form = {"once": token, "description": "Tall", "places": "Park"}
    first, second = client.post(url, form), client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert ProfileVersion.objects.filter(profile__case=case).count() == 1


# The photo ---------------------------------------------------------------------------


def test_a_photo_keeps_its_picture_and_loses_its_metadata():
    clean = photos.clean(jpeg_with_location())
    assert clean.content_type == "image/jpeg"
    assert b"Exif" not in clean.content and b"ExamplePhone" not in clean.content
    assert SCRIPT not in clean.content and b"script" not in clean.content
    picture = Image.open(io.BytesIO(clean.content))
    assert not picture.getexif() and "comment" not in picture.info
    assert (picture.width, picture.height) == (20, 60)  # turned the right way up
    png_clean = photos.clean(png(text=SCRIPT))
    assert png_clean.content_type == "image/png" and b"script" not in png_clean.content


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        b"GIF89a" + b"\x00" * 20,
        b"",
        png()[:40],  # cut short
    ],
    ids=["html", "gif-header", "empty", "truncated-png"],
)
def test_anything_but_a_jpeg_or_png_picture_is_refused(data):
    with pytest.raises(ValidationError):
        photos.clean(data)


def test_a_gif_is_refused_even_though_it_is_a_picture():
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    with pytest.raises(ValidationError, match="JPEG or PNG"):
        photos.clean(out.getvalue())


def test_the_upload_page_refuses_a_file_that_is_not_a_photo_and_saves_nothing(case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("social.worker")
    url = reverse("missing-profile-photo-new", args=[case.pk])
    fake = SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>", "image/jpeg")
    response = client.post(url, {"photo": fake})
    assert response.status_code == 200
    assert "The file must be a photo saved as JPEG or PNG" in text_of(response)
    assert not ProfilePhoto.objects.exists()


def test_a_photo_too_large_is_refused_by_its_length(case, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PROFILE_PHOTO_MAX_BYTES = 1000
    client = client_for("social.worker")
    url = reverse("missing-profile-photo-new", args=[case.pk])
    big = SimpleUploadedFile("big.png", png(size=(400, 400)) + b"\x00" * 200_000, "image/png")
    response = client.post(url, {"photo": big})
    assert response.status_code == 200
    assert "smaller than 5 MB" in text_of(response)
    assert not ProfilePhoto.objects.exists()


def test_the_photo_is_served_cleaned_only_through_the_check_and_a_new_one_replaces_it(case, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for("social.worker")
    url = reverse("missing-profile-photo-new", args=[case.pk])
    sent = SimpleUploadedFile("photo.png", png(text=SCRIPT), "text/html")  # the claim is ignored
    assert client.post(url, {"photo": sent}).status_code == 302
    served = client.get(reverse("missing-profile-photo", args=[case.pk]))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert {"private", "no-store"} <= {part.strip() for part in served["Cache-Control"].split(",")}
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"script" not in served.content
    assert Image.open(io.BytesIO(served.content)).size == (40, 30)
    assert events(Action.PROFILE_VIEWED)[-1].detail == {"part": "photo"}

    # The same file again (a double click) is the photo already there.
    profiles.add_photo(people["social.worker"], case, png(text=SCRIPT))
    assert ProfilePhoto.objects.count() == 1
    # A new one replaces it; the old one's bytes are gone, its row says who and when.
    profiles.add_photo(people["social.worker"], case, png(colour="green"))
    old, new = ProfilePhoto.objects.order_by("id")
    assert bytes(old.content) == b"" and old.removed_at and old.removed_reason
    assert new.removed_at is None
    # Someone who may see the case but not its profile is refused the photo too.
    assert (
        client_for("suffolk.officer")
        .get(reverse("missing-profile-photo", args=[case.pk]))
        .status_code
        == 403
    )


def test_the_photo_is_never_in_an_email(case, people, settings):
    from notifications.models import Delivery
    from notifications.tasks import send_email

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    profiles.add_photo(people["social.worker"], case, png())
    episode = report(people, case)
    deliveries = Delivery.objects.filter(
        notification__subject_id=episode.pk, channel=Delivery.Channel.EMAIL
    ).select_related("notification__agency")
    assert deliveries
    for delivery in deliveries:
        send_email(delivery, lambda: None)
    assert len(mail.outbox) == len(deliveries)
    for message in mail.outbox:
        assert not message.attachments
        body = message.body + "".join(str(alt[0]) for alt in getattr(message, "alternatives", []))
        assert "/profile/photo" not in body and "image/" not in body


# The release to the police -----------------------------------------------------------


def test_a_missing_report_releases_the_profile_to_the_police_looking_until_the_grace_ends(
    case, people
):
    write(people["social.worker"], case, associates="Jay (older boyfriend)")
    episode = report(people, case, area="Norfolk")
    # The force where the child was last seen, and the host force where they live.
    assert sorted(ProfileRelease.objects.filter(episode=episode).values_list(
        "agency__name", flat=True)) == ["Norfolk Constabulary", "Suffolk Constabulary"]  # fmt: skip
    officer = client_for("suffolk.officer")
    url = reverse("missing-profile", args=[case.pk])

    page = officer.get(url)
    text = text_of(page)
    assert "Jay (older boyfriend)" in text and "Ipswich bus station" in text
    assert "Your access lasts while the child is missing" in text
    [read] = events(Action.PROFILE_VIEWED, actor_username="suffolk.officer")
    assert read.detail["part"] == "page" and read.detail["episode"] == episode.pk

    returned = timezone.now()
    record_return(people["social.worker"], episode, returned_at=returned, how_found="Home")
    grace = dt.timedelta(hours=settings.PROFILE_RELEASE_GRACE_HOURS)
    with time_machine.travel(returned + grace - dt.timedelta(minutes=5), tick=False):
        officer = client_for("suffolk.officer")
        assert "Your access ends" in text_of(officer.get(url))
    with time_machine.travel(returned + grace + dt.timedelta(minutes=5), tick=False):
        officer = client_for("suffolk.officer")
        lapsed = officer.get(url)
        assert lapsed.status_code == 403
        body = lapsed.content.decode()
        assert "cannot read this child’s missing-from-care profile any more" in body
        assert "Grab" not in body and "Testchild" not in body and case.reference not in body
        assert officer.get(reverse("missing-profile-photo", args=[case.pk])).status_code == 403
        # The case page says so.
        tab = text_of(officer.get(reverse("case-missing", args=[case.pk])))
        assert "Your agency’s access to the profile lapsed" in tab
        # Nothing ran for it to lapse: the release is still there, as history.
        assert ProfileRelease.objects.filter(episode=episode).count() == 2
    refusals = events(Action.PERMISSION_REFUSED, actor_username="suffolk.officer")
    assert [refusal.detail for refusal in refusals] == [{"need": "missing_profile"}] * 2


def test_a_view_share_alone_does_not_open_the_profile(case, people):
    """The hospital covering Suffolk was told of the placement (a view share): no release."""
    write(people["social.worker"], case)
    nurse_case = reverse("missing-profile", args=[case.pk])
    response = client_for("suffolk.officer").get(nurse_case)
    assert response.status_code == 403
    assert "for the police while the child is missing" in response.content.decode()
    assert events(Action.PERMISSION_REFUSED)[-1].detail == {"need": "missing_profile"}


def test_the_police_inbox_links_straight_to_the_profile(case, people):
    episode = report(people, case)
    inbox = client_for("suffolk.officer").get(reverse("inbox")).content.decode()
    link = reverse("missing-profile", args=[case.pk])
    assert f'href="{link}"' in inbox
    assert episode.pk  # the notification is the episode's


def test_previous_episodes_show_where_the_child_was_found_and_with_whom(case, people):
    episode = report(people, case)
    record_return(
        people["social.worker"], episode, returned_at=timezone.now(),
        how_found="Found at a flat on Carr Street with two older men",
    )  # fmt: skip
    text = text_of(client_for("social.worker").get(reverse("missing-profile", args=[case.pk])))
    assert "Found at a flat on Carr Street with two older men" in text


# Removal, erasure, retention -----------------------------------------------------------


def test_only_the_keeper_removes_the_photo_or_erases_and_each_is_audited(case, people, share):
    worker = people["social.worker"]
    write(worker, case, associates="Jay 07700 900123", contacts="Snapchat: example_user")
    write(worker, case, associates="Jay 07700 900123\nKez", contacts="Snapchat: example_user")
    profiles.add_photo(worker, case, png())
    share(case, "norfolk_police", "contribute")
    with pytest.raises(PermissionDenied):
        profiles.erase_third_parties(people["police.officer"], case, "Asked")
    with pytest.raises(PermissionDenied):
        profiles.remove_photo(people["police.officer"], case, "Old")
    # The page says why, and the refusal is recorded (the services' own are rolled back
    # with their transaction: the pages check first, as for placements).
    refused = client_for("police.officer").get(reverse("missing-profile-erase", args=[case.pk]))
    assert refused.status_code == 403
    assert "keeps the profile" in refused.content.decode()
    assert events(Action.PERMISSION_REFUSED)[-1].detail["need"] == "profile_keeper"

    client = client_for("social.worker")
    response = client.post(
        reverse("missing-profile-erase", args=[case.pk]), {"reason": "Jay asked to be removed"}
    )
    assert response.status_code == 302
    for version in ProfileVersion.objects.filter(profile__case=case):
        assert version.associates == [] and version.contacts == []
        assert version.places == ["Ipswich bus station"]  # the child's own details stay
    assert not ProfilePhoto.objects.exclude(content=b"").exists()
    [erased] = events(Action.PROFILE_ERASED)
    assert erased.actor_id == worker.pk and erased.detail["versions"] == 2
    page = text_of(client.get(reverse("missing-profile", args=[case.pk])))
    assert "The photo and third parties’ details were erased" in page and "Jay" not in page


def test_the_retention_sweep_erases_profiles_of_cases_closed_long_enough_ago(
    case, people, open_case_for
):
    worker = people["social.worker"]
    write(worker, case, associates="Jay")
    profiles.add_photo(worker, case, png())
    recent = open_case_for("social.worker", first_name="Recent")
    write(worker, recent, associates="Kez")
    close_case(worker, case, "Child is 18")
    close_case(worker, recent, "Child is 18")
    later = timezone.now() + dt.timedelta(days=settings.PROFILE_RETENTION_DAYS, hours=1)
    # The second case closed a day before the sweep runs; the first, past its retention.
    Case.objects.filter(pk=recent.pk).update(closed_at=later - dt.timedelta(days=1))

    from missing.tasks import erase_expired_profiles

    assert erase_expired_profiles(later.isoformat()) == 1
    assert ProfileVersion.objects.get(profile__case=case).associates == []
    assert ProfileVersion.objects.get(profile__case=recent).associates == ["Kez"]
    assert not ProfilePhoto.objects.exclude(content=b"").exists()
    [erased] = events(Action.PROFILE_ERASED)
    assert erased.actor_id is None and erased.target_id == str(case.pk)
    assert erase_expired_profiles(later.isoformat()) == 0  # safe to run again


# The police looking for the child record that they found them ------------------------


def test_the_police_looking_for_the_child_record_the_return_with_only_a_view_share(case, people):
    from tests.missing.test_pages import moment

    episode = report(people, case, area="Suffolk")
    officer = client_for("suffolk.officer")
    tab = officer.get(reverse("case-missing", args=[case.pk])).content.decode()
    url = reverse("missing-returned", args=[case.pk, episode.pk])
    assert f'href="{url}"' in tab
    found = timezone.now() - dt.timedelta(minutes=30)
    how = "Found at Ipswich station with an older man"
    response = officer.post(
        url, {**moment("returned_on", "returned_time", found), "how_found": how}
    )
    assert response.status_code == 302, response.content[:500]
    episode.refresh_from_db()
    assert episode.returned_at and episode.return_recorded_by == people["suffolk.officer"]
    # Still no more than a view share: no entry, no placement, no new report.
    assert officer.get(reverse("entry-new", args=[case.pk])).status_code == 404
    assert officer.get(reverse("missing-new", args=[case.pk])).status_code == 404


def test_a_force_with_no_release_for_the_episode_cannot_record_its_return(case, people, share):
    episode = report(people, case, area="Suffolk")
    # Norfolk police see the case (a view share) but were not released this episode.
    share(case, "norfolk_police", "view")
    url = reverse("missing-returned", args=[case.pk, episode.pk])
    assert client_for("police.officer").get(url).status_code == 404
    assert events(Action.PERMISSION_REFUSED)[-1].detail == {"need": "contribute"}
