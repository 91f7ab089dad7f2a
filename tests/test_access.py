"""Who may read which ward's sheets, and who reviews a ward."""

from django.contrib.auth.models import AnonymousUser

from departments.models import Ward
from goals.models import Sheet


def test_ward_members_read_their_ward_only(
    seed, editor, other_editor, reviewer, other_ward_reviewer, outsider
):
    for member in (editor, other_editor, reviewer):
        assert list(Sheet.objects.for_user(member)) == [seed]
    assert not Sheet.objects.for_user(other_ward_reviewer).exists()
    assert not Sheet.objects.for_user(outsider).exists()
    assert not Sheet.objects.for_user(AnonymousUser()).exists()


def test_superuser_reads_every_ward(seed, other_ward, superuser):
    assert set(Ward.objects.for_user(superuser)) == {seed.ward, other_ward}


def test_only_reviewers_of_the_ward_review_it(seed, editor, reviewer, other_ward_reviewer, superuser):
    ward = seed.ward
    assert ward.is_reviewed_by(reviewer)
    assert ward.is_reviewed_by(superuser)
    assert not ward.is_reviewed_by(editor)
    assert not ward.is_reviewed_by(other_ward_reviewer)
    assert not ward.is_reviewed_by(AnonymousUser())
