"""Fake ``lms.djangoapps.courseware.access_response`` (same classes, codes and messages)."""


class AccessResponse:
    def __init__(self, has_access, error_code=None, developer_message=None, user_message=None,
                 additional_context_user_message=None, user_fragment=None):
        self.has_access, self.error_code = has_access, error_code
        self.developer_message, self.user_message = developer_message, user_message
        self.additional_context_user_message = additional_context_user_message
        self.user_fragment = user_fragment

    def __bool__(self):
        return self.has_access


class AccessError(AccessResponse):
    def __init__(self, error_code, developer_message, user_message,
                 additional_context_user_message=None, user_fragment=None):
        super().__init__(False, error_code, developer_message, user_message,
                         additional_context_user_message, user_fragment)


class StartDateError(AccessError):
    def __init__(self, start_date, display_error_to_user=True):
        message = f"Course does not start until {start_date:%B %d, %Y}"
        super().__init__("course_not_started", message,
                         message if display_error_to_user else None)


class MilestoneAccessError(AccessError):
    def __init__(self):
        super().__init__("unfulfilled_milestones", "User has unfulfilled milestones",
                         "You have unfulfilled milestones")


class VisibilityError(AccessError):
    def __init__(self, display_error_to_user=True):
        message = "You do not have access to this course"
        super().__init__("not_visible_to_user", "Course is not visible to this user",
                         message if display_error_to_user else None)


class IncorrectPartitionGroupError(AccessError):
    def __init__(self, partition, user_group, allowed_groups, user_message=None,
                 user_fragment=None):
        super().__init__("incorrect_user_group", f"In partition {partition}, user was in group "
                         f"{user_group}, but only {allowed_groups} are allowed access",
                         user_message, user_fragment=user_fragment)


class EnrollmentRequiredAccessError(AccessError):
    def __init__(self):
        super().__init__("enrollment_required", "User must be enrolled in the course",
                         "You must be enrolled in the course")


class AuthenticationRequiredAccessError(AccessError):
    def __init__(self):
        super().__init__("authentication_required", "User must be authenticated to view the "
                         "course", "You must be logged in to see this course")


ACCESS_GRANTED = AccessResponse(True)
ACCESS_DENIED = AccessResponse(False)
