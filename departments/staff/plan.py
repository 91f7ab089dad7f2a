"""From a read roster to a plan of changes for one ward, and committing that plan in one transaction.

The roster lists the ward's memberships from an effective date (適用日) on. Compared
with what is stored:
- a row that matches a membership open on that day (same person, department and role) keeps it;
  a different 終了日 changes it;
- any other row is a new membership (a person the app does not know yet is created without a
  password: they choose one through the set-up mail or sign in with the directory);
- a membership open on the day that no row mentions ends the day before (異動 when the person
  has other rows, 転出・退職 when they have none); one that would only start later is withdrawn.
Nothing is deleted otherwise: ended memberships stay and show who was where.
"""

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from departments.models import Department, Membership, Ward

from .reader import DEPARTMENT, EMAIL, NAME, ROLE, VALID_FROM, ParsedRoster, Problem, RosterRow

CHANGE_REASON = "職員名簿の読み込み"


def next_april_first(today: datetime.date) -> datetime.date:
    """The usual 異動日: this year's 4月1日 until it has passed, then next year's."""
    april = datetime.date(today.year, 4, 1)
    return april if today <= april else datetime.date(today.year + 1, 4, 1)


def split_name(full: str) -> tuple[str, str]:
    """「川崎 太郎」 → (川崎, 太郎); a name without a space is kept whole as the family name."""
    family, _, given = full.strip().partition(" ")
    return family.strip()[:150], given.strip()[:150]


@dataclass
class NewMembership:
    row: int
    username: str
    department: str
    role: str
    valid_from: datetime.date
    valid_until: datetime.date | None

    @property
    def role_label(self) -> str:
        return dict(Membership.Role.choices).get(self.role, self.role)


@dataclass
class EndedMembership:
    pk: int
    username: str
    person: str
    department: str
    role: str
    valid_from: datetime.date
    valid_until: datetime.date | None  # the new end; None when the membership is withdrawn


@dataclass
class Plan:
    ward: Ward
    effective: datetime.date
    new_people: list[dict] = field(default_factory=list)
    changed_people: list[dict] = field(default_factory=list)
    new_memberships: list[NewMembership] = field(default_factory=list)
    changed_ends: list[EndedMembership] = field(default_factory=list)
    moves: list[EndedMembership] = field(default_factory=list)
    leavers: list[EndedMembership] = field(default_factory=list)
    withdrawn: list[EndedMembership] = field(default_factory=list)
    unchanged: int = 0
    unknown_departments: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return any(
            (
                self.new_people,
                self.changed_people,
                self.new_memberships,
                self.changed_ends,
                self.moves,
                self.leavers,
                self.withdrawn,
            )
        )

    def fingerprint(self) -> str:
        """What the preview showed; the commit refuses when the same file now plans anything else."""
        payload = {
            "effective": self.effective.isoformat(),
            "new_people": self.new_people,
            "changed_people": self.changed_people,
            "new": [vars(m) for m in self.new_memberships],
            "ends": [vars(m) for m in (*self.changed_ends, *self.moves, *self.leavers, *self.withdrawn)],
        }
        text = json.dumps(payload, default=str, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def _roles() -> dict[str, str]:
    names = {label: value for value, label in Membership.Role.choices}
    names.update({value: value for value, _ in Membership.Role.choices})
    return names


def _person_label(user) -> str:
    return f"{user.last_name} {user.first_name}".strip() or user.username


def _overlaps(a_from, a_until, b_from, b_until) -> bool:
    return (a_until is None or b_from <= a_until) and (b_until is None or a_from <= b_until)


def build_plan(parsed: ParsedRoster, ward: Ward, effective: datetime.date, *, by) -> Plan:
    """Compare the roster with the stored memberships; writes nothing."""
    plan = Plan(ward=ward, effective=effective, problems=list(parsed.problems))
    roles = _roles()
    departments = {d.name: d for d in Department.objects.filter(ward=ward)}
    User = get_user_model()
    usernames = {row.username for row in parsed.rows}
    users = {u.username: u for u in User.objects.filter(username__in=usernames)}
    elsewhere = set(
        Membership.objects.filter(user__in=users.values())
        .exclude(department__ward=ward)
        .values_list("user__username", flat=True)
    )
    history = defaultdict(list)  # (username, department) → every stored membership, for the overlap check
    for m in Membership.objects.filter(user__in=users.values(), department__ward=ward).select_related(
        "user", "department"
    ):
        history[(m.user.username, m.department.name)].append(m)
    open_memberships = (
        Membership.objects.filter(department__ward=ward)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=effective))
        .select_related("user", "department")
        .order_by("pk")
    )
    unmatched = {m.pk: m for m in open_memberships}
    by_person_department = defaultdict(list)
    for m in unmatched.values():
        by_person_department[(m.user.username, m.department.name)].append(m)

    _people(plan, parsed.rows, users, elsewhere, by)
    final = defaultdict(list)  # (username, department) → (from, until, row or None) after the plan
    rows_of_person = defaultdict(list)
    for row in parsed.rows:
        rows_of_person[row.username].append(row)
        department = departments.get(row.department)
        role = roles.get(row.role)
        if department is None:
            if row.department not in plan.unknown_departments:
                plan.unknown_departments.append(row.department)
            plan.problems.append(
                Problem(row.row, DEPARTMENT, f"部署「{row.department}」は{ward}に登録されていません。")
            )
            continue
        if department.is_retired:
            plan.problems.append(
                Problem(row.row, DEPARTMENT, f"部署「{row.department}」は廃止されています。")
            )
            continue
        if role is None:
            known = "、".join(label for _, label in Membership.Role.choices)
            plan.problems.append(
                Problem(row.row, ROLE, f"役割「{row.role}」はありません（{known}のどれか）。")
            )
            continue
        key = (row.username, row.department)
        match = next((m for m in by_person_department[key] if m.role == role and m.pk in unmatched), None)
        if match is not None:
            del unmatched[match.pk]
            if row.valid_until != match.valid_until:
                if row.valid_until is not None and row.valid_until < match.valid_from:
                    plan.problems.append(
                        Problem(
                            row.row, "終了日", f"終了日が今の所属の開始日（{match.valid_from}）より前です。"
                        )
                    )
                    continue
                plan.changed_ends.append(_ended(match, row.valid_until))
            else:
                plan.unchanged += 1
            final[key].append((match.valid_from, row.valid_until, row.row, match.pk))
            continue
        start = row.valid_from or effective
        if row.valid_until is not None and row.valid_until < start:
            plan.problems.append(Problem(row.row, "終了日", "終了日が開始日（適用日）より前です。"))
            continue
        plan.new_memberships.append(
            NewMembership(row.row, row.username, row.department, role, start, row.valid_until)
        )
        final[key].append((start, row.valid_until, row.row, None))

    for m in unmatched.values():
        if m.valid_from >= effective:
            plan.withdrawn.append(_ended(m, None))
            continue
        ended = _ended(m, effective - datetime.timedelta(days=1))
        (plan.moves if m.user.username in rows_of_person else plan.leavers).append(ended)
        final[(m.user.username, m.department.name)].append((m.valid_from, ended.valid_until, None, m.pk))
    _check_overlaps(plan, final, history, unmatched)
    plan.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return plan


def _ended(m: Membership, until) -> EndedMembership:
    return EndedMembership(
        m.pk, m.user.username, _person_label(m.user), m.department.name, m.role, m.valid_from, until
    )


def _people(plan: Plan, rows: list[RosterRow], users, elsewhere, by) -> None:
    seen: dict[str, RosterRow] = {}
    for row in rows:
        first = seen.setdefault(row.username, row)
        for column, a, b in ((NAME, first.name, row.name), (EMAIL, first.email, row.email)):
            if a and b and a != b:
                plan.problems.append(
                    Problem(row.row, column, f"{first.row}行目と同じ職員なのに{column}が違います。")
                )
    for username, row in seen.items():
        user = users.get(username)
        if user is None:
            family, given = split_name(row.name)
            plan.new_people.append(
                {"username": username, "last_name": family, "first_name": given, "email": row.email}
            )
            continue
        change = {}
        if row.name:
            family, given = split_name(row.name)
            if (family, given) != (user.last_name, user.first_name):
                change.update(last_name=family, first_name=given)
        if row.email and row.email != user.email:
            change["email"] = row.email
        if not change:
            continue
        protected = user.is_superuser or user.is_staff or username in elsewhere
        if protected and not by.is_superuser:
            plan.problems.append(
                Problem(
                    row.row,
                    EMAIL if "email" in change else NAME,
                    "この職員はほかの区にも所属しているか管理者のため、氏名・メールはこの名簿からは変えられません。"
                    "システム管理者に依頼してください。",
                )
            )
            continue
        plan.changed_people.append({"username": username, **change})


def _check_overlaps(plan: Plan, final, history, unmatched_or_ended) -> None:
    planned_pks = {pk for periods in final.values() for *_, pk in periods if pk}
    for key, periods in final.items():
        # Memberships ended before the effective date stay as they are and still count.
        periods = periods + [
            (m.valid_from, m.valid_until, None, m.pk)
            for m in history.get(key, [])
            if m.pk not in planned_pks and m.pk not in unmatched_or_ended
        ]
        periods.sort(key=lambda p: p[0])
        for i, (a_from, a_until, a_row, _) in enumerate(periods):
            for b_from, b_until, b_row, _ in periods[i + 1 :]:
                if _overlaps(a_from, a_until, b_from, b_until) and (a_row or b_row):
                    row = b_row or a_row
                    other = f"{a_row}行目" if a_row and b_row else "登録済みの所属"
                    plan.problems.append(
                        Problem(
                            row,
                            VALID_FROM,
                            f"{key[0]}の「{key[1]}」の所属が{other}と期間が重なっています。",
                        )
                    )


class RosterRefused(Exception):
    """The roster cannot be committed; the message says why in Japanese."""


def commit_plan(parsed: ParsedRoster, ward: Ward, effective: datetime.date, *, by, fingerprint: str) -> Plan:
    """Write the previewed plan in one transaction; refuse if the same file now plans something else."""
    with transaction.atomic():
        # Lock the ward's memberships so two commits cannot interleave.
        list(
            Membership.objects.select_for_update().filter(department__ward=ward).values_list("pk", flat=True)
        )
        plan = build_plan(parsed, ward, effective, by=by)
        if plan.problems:
            raise RosterRefused("名簿に直すところがあるため、読み込みませんでした。")
        if plan.fingerprint() != fingerprint:
            raise RosterRefused(
                "確認の後に所属が変更されたため、読み込みませんでした。もう一度ファイルを選んで確認してください。"
            )
        _apply(plan, by)
    return plan


def _apply(plan: Plan, by) -> None:
    User = get_user_model()
    created = []
    for person in plan.new_people:
        user = User(**person)
        user.set_unusable_password()
        created.append(user)
    User.objects.bulk_create(created)
    for change in plan.changed_people:
        User.objects.filter(username=change["username"]).update(
            **{k: v for k, v in change.items() if k != "username"}
        )
    usernames = {m.username for m in plan.new_memberships}
    users = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    departments = dict(Department.objects.filter(ward=plan.ward).values_list("name", "pk"))
    bulk_create_with_history(
        [
            Membership(
                user_id=users[m.username],
                department_id=departments[m.department],
                role=m.role,
                valid_from=m.valid_from,
                valid_until=m.valid_until,
            )
            for m in plan.new_memberships
        ],
        Membership,
        default_user=by,
        default_change_reason=CHANGE_REASON,
    )
    ends = {m.pk: m.valid_until for m in (*plan.changed_ends, *plan.moves, *plan.leavers)}
    changed = list(Membership.objects.filter(pk__in=ends))
    for m in changed:
        m.valid_until = ends[m.pk]
    bulk_update_with_history(
        changed, Membership, ["valid_until"], default_user=by, default_change_reason=CHANGE_REASON
    )
    for m in Membership.objects.filter(pk__in=[w.pk for w in plan.withdrawn]):
        m._change_reason = CHANGE_REASON
        m.delete()
