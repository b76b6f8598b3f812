"""Fake ``common.djangoapps.student.roles`` with upstream's classes and signatures.

As upstream: ``has_user(user, check_user_activation=True)`` caches the user's roles on
``user._roles`` (one query per user) unless ``BulkRoleCache.prefetch(users)`` fetched them for
many users in one query; ``limited_staff`` inherits ``staff``; org roles have no course key.
"""
from tests.openedx_fakes import state
from tests.openedx_fakes.db import LEDGER
from tests.openedx_fakes.student_models import CourseAccessRole

INHERITANCE = {"staff": {"limited_staff"}}
CACHE = "student.roles.BulkRoleCache"


class BulkRoleCache:
    """Roles of many users in one query."""

    @classmethod
    def prefetch(cls, users):
        LEDGER.call("BulkRoleCache.prefetch")
        roles = {user.id: [] for user in users}
        for row in CourseAccessRole.objects.filter(user_id__in=list(roles)):
            roles[row.user_id].append(row)
        state.current().request_cache[CACHE] = roles

    @classmethod
    def get_user_roles(cls, user):
        return state.current().request_cache[CACHE][user.id]


class RoleCache:
    """The roles of one user (from the bulk cache, else one query)."""

    def __init__(self, user):
        try:
            self._roles = BulkRoleCache.get_user_roles(user)
        except KeyError:
            self._roles = list(CourseAccessRole.objects.filter(user_id=user.id))

    def has_role(self, role, course_id, org):
        names = INHERITANCE.get(role, set()) | {role}
        return any(row.role in names and row.org == org and row.course_id == course_id
                   for row in self._roles)


class GlobalStaff:
    def has_user(self, user):
        return bool(user and user.is_staff)


class RoleBase:
    def __init__(self, role_name, org="", course_key=None):
        self.org, self.course_key, self._role_name = org, course_key, role_name

    def has_user(self, user, check_user_activation=True):
        if check_user_activation and not (user.is_authenticated and user.is_active):
            return False
        if not hasattr(user, "_roles"):
            user._roles = RoleCache(user)  # pylint: disable=protected-access
        return user._roles.has_role(self._role_name, self.course_key, self.org)  # noqa: SLF001

    def users_with_role(self):
        rows = CourseAccessRole.objects.filter(role=self._role_name, org=self.org,
                                               course_id=self.course_key)
        return [row.user for row in rows]


class CourseRole(RoleBase):
    def __init__(self, role, course_key):
        super().__init__(role, course_key.org, course_key)


class OrgRole(RoleBase):
    pass


class CourseStaffRole(CourseRole):
    ROLE = "staff"

    def __init__(self, *args, **kwargs):
        super().__init__(self.ROLE, *args, **kwargs)


class CourseLimitedStaffRole(CourseStaffRole):
    ROLE = "limited_staff"
    BASE_ROLE = CourseStaffRole.ROLE


class CourseInstructorRole(CourseRole):
    ROLE = "instructor"

    def __init__(self, *args, **kwargs):
        super().__init__(self.ROLE, *args, **kwargs)


class CourseBetaTesterRole(CourseRole):
    ROLE = "beta_testers"

    def __init__(self, *args, **kwargs):
        super().__init__(self.ROLE, *args, **kwargs)


class OrgStaffRole(OrgRole):
    def __init__(self, *args, **kwargs):
        super().__init__("staff", *args, **kwargs)


class OrgInstructorRole(OrgRole):
    def __init__(self, *args, **kwargs):
        super().__init__("instructor", *args, **kwargs)
