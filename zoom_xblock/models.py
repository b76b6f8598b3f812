"""The plugin's own state: what should be in Zoom, what is, and what Zoom told us.

Block fields (``Scope.settings``) hold what the author wrote in Studio; the LMS and the workers
cannot write those, so everything that changes at run time lives here, keyed by the block's
usage key. All tables are MySQL-safe (utf8mb4: indexed text columns stay under 255 characters).
See docs/decisions/0001-layout-and-data-model.md.
"""
from django.db import models
from django.utils import timezone

from zoom_xblock.i18n import gettext_lazy as _
from zoom_xblock.zoom.limits import MAX_TITLE

KEY_LENGTH = 255  # usage and course keys; 255 x 4 bytes fits InnoDB's 3072-byte index limit
EMAIL_LENGTH = 254


class SessionQuerySet(models.QuerySet):
    """Queries of sessions that every story asks."""

    def active(self):
        """The sessions whose meeting is, or is to be, in Zoom (not deleted, nor being)."""
        return self.filter(status__in=ZoomSession.ACTIVE_STATUSES)


class ZoomSession(models.Model):
    """One Zoom meeting or webinar per block usage: the desired settings and Zoom's ids."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        WEBINAR = "webinar", _("Webinar")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Not scheduled yet")
        CREATING = "creating", _("Creating in Zoom")
        UPDATING = "updating", _("Updating in Zoom")
        SCHEDULED = "scheduled", _("Scheduled")
        FAILED = "failed", _("Failed")
        DEFERRED = "deferred", _("Waiting for Zoom's daily limit")
        DELETING = "deleting", _("Deleting in Zoom")
        DELETED = "deleted", _("Deleted")
        DELETED_IN_ZOOM = "deleted_in_zoom", _("Deleted in Zoom")

    ACTIVE_STATUSES = (Status.DRAFT, Status.CREATING, Status.UPDATING, Status.SCHEDULED,
                       Status.FAILED, Status.DEFERRED)

    class LiveStatus(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started yet")
        LIVE = "live", _("Live now")
        ENDED = "ended", _("Ended")

    usage_key = models.CharField(max_length=KEY_LENGTH, unique=True)
    course_key = models.CharField(max_length=KEY_LENGTH, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MEETING)

    # What the author asked for (a copy of the block's fields, so workers need no modulestore).
    title = models.CharField(max_length=MAX_TITLE)
    agenda = models.TextField(blank=True, default="")
    start = models.DateTimeField(null=True, blank=True, help_text="UTC")
    duration_minutes = models.PositiveIntegerField(default=60)
    timezone = models.CharField(max_length=64, default="UTC")
    host_email = models.CharField(max_length=EMAIL_LENGTH, blank=True, default="")
    alternative_hosts = models.JSONField(default=list, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    join_window_minutes = models.PositiveIntegerField(default=15)
    prerequisite = models.JSONField(default=dict, blank=True)
    completion_threshold_percent = models.PositiveSmallIntegerField(default=0)
    weight = models.FloatField(null=True, blank=True)
    zoom_emails = models.BooleanField(default=False)
    auto_recording = models.CharField(max_length=16, default="none")
    # Per-block choices; blank / null means "the site's setting" (DRIFT_POLICY, LEARNER_EMAILS).
    drift_policy = models.CharField(max_length=16, blank=True, default="")
    learner_emails = models.JSONField(null=True, blank=True, default=None,
                                      help_text="Kinds of learner e-mails the block allows")
    desired_version = models.PositiveIntegerField(default=1)

    # Draft and published (docs/decisions/0009-draft-publish-and-deletion.md): the fields above
    # follow the PUBLISHED block; a Studio save only records the author's draft here.
    draft = models.JSONField(default=dict, blank=True,
                             help_text="The author's saved but unpublished settings")
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    never_published = models.BooleanField(
        default=False, help_text="Saved in Studio, never published: nothing in Zoom, no learners")
    published_at = models.DateTimeField(null=True, blank=True,
                                        help_text="When the block was last published")
    ancestors = models.JSONField(
        default=list, blank=True, help_text="Usage keys of the published unit, subsection, section")
    published_hash = models.CharField(
        max_length=64, blank=True, default="",
        help_text="Digest of the published block's fields last applied ('' : not known yet)")
    missing_since = models.DateTimeField(
        null=True, blank=True, help_text="First found gone from the published course")

    # What Zoom has.
    zoom_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    zoom_uuid = models.CharField(max_length=128, blank=True, default="")
    registration_url = models.CharField(max_length=512, blank=True, default="")
    synced_version = models.PositiveIntegerField(default=0)
    applied_settings = models.JSONField(
        default=dict, blank=True, help_text="What the plugin last sent to Zoom (drift, e-mails)"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    live_status = models.CharField(
        max_length=16, choices=LiveStatus.choices, default=LiveStatus.NOT_STARTED
    )
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    test_runs = models.JSONField(
        default=list, blank=True,
        help_text="Runs that ended well before the scheduled start: [{uuid, start, end}]")
    last_error = models.TextField(blank=True, default="")
    last_error_code = models.CharField(max_length=32, blank=True, default="")
    deferred_until = models.DateTimeField(null=True, blank=True)
    create_attempted_at = models.DateTimeField(
        null=True, blank=True,
        help_text="A create Zoom may have applied (5xx, timeout): look for it before another")
    zoom_account = models.CharField(
        max_length=64, blank=True, default="",
        help_text="The Zoom account (ZOOM_XBLOCK ACCOUNTS name) the meeting was created under; "
                  "empty: the course's account")

    # Participant sync bookkeeping: "changed since" and "retry at" are kept apart.
    sync_requested_at = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text="Something changed at this time that the next pass must apply")
    sync_retry_at = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text="Work is waiting on Zoom (a learner's retry, the daily reset) until then")
    blocked_code = models.CharField(
        max_length=32, blank=True, default="",
        help_text="Why Zoom refuses every registration for this meeting (code, worded at render)")
    blocked_params = models.JSONField(default=dict, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    pre_start_synced_at = models.DateTimeField(null=True, blank=True)
    report_fetched_at = models.DateTimeField(null=True, blank=True)

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["course_key", "status"], name="zoom_session_course_status"),
            models.Index(fields=["status", "start"], name="zoom_session_status_start"),
        ]

    def __str__(self):
        return f"{self.kind} {self.usage_key} ({self.status})"

    @property
    def in_zoom(self) -> bool:
        """True once Zoom has the meeting (and it was not deleted since)."""
        return self.zoom_id is not None and self.status not in (
            self.Status.DELETED,
            self.Status.DELETED_IN_ZOOM,
        )


class CourseZoomAccount(models.Model):
    """An operator's choice of Zoom account for one course, over its organisation's account.

    Set in the Django admin or with ``manage.py lms zoom_account``; course staff see it in the
    staff view but cannot change it. See zoom_xblock/accounts.py.
    """

    course_key = models.CharField(max_length=KEY_LENGTH, unique=True)
    account = models.CharField(max_length=64, help_text="A name from ZOOM_XBLOCK ACCOUNTS")
    note = models.CharField(max_length=255, blank=True, default="")
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("course Zoom account")

    def __str__(self):
        return f"{self.course_key} -> {self.account}"


class Registration(models.Model):
    """One learner's place in one session, and its state in Zoom."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be registered")
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    session = models.ForeignKey(ZoomSession, on_delete=models.CASCADE, related_name="registrations")
    user_id = models.IntegerField()
    email = models.CharField(max_length=EMAIL_LENGTH)
    first_name = models.CharField(max_length=64, blank=True, default="")
    last_name = models.CharField(max_length=64, blank=True, default="")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    wanted = models.BooleanField(default=True, help_text="Should this learner be in Zoom?")
    eligible = models.BooleanField(null=True, blank=True)
    eligibility_reason = models.CharField(max_length=255, blank=True, default="")
    eligibility_checked_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)

    registrant_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    join_url = models.CharField(max_length=1024, blank=True, default="")
    registered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=255, blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    zoom_requests_day = models.DateField(null=True, blank=True)
    zoom_requests_today = models.PositiveSmallIntegerField(default=0)
    zoom_unsure_since = models.DateTimeField(
        null=True, blank=True,
        help_text="A request for this person may have been applied (5xx, timeout): check Zoom")

    attended_seconds = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The platform refused this learner's completion or score; the sweep publishes it again.
    progress_pending = models.BooleanField(default=False, db_index=True)
    progress_error = models.CharField(max_length=255, blank=True, default="")

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user_id"], name="zoom_registration_unique"),
        ]
        indexes = [
            models.Index(fields=["session", "state"], name="zoom_registration_state"),
            models.Index(fields=["session", "email"], name="zoom_registration_email"),
            models.Index(fields=["user_id"], name="zoom_registration_user"),
        ]

    def __str__(self):
        return f"user {self.user_id} in {self.session_id} ({self.state})"


class Panelist(models.Model):
    """A course staff member added to a webinar as a panelist."""

    session = models.ForeignKey(ZoomSession, on_delete=models.CASCADE, related_name="panelists")
    user_id = models.IntegerField(null=True, blank=True)
    email = models.CharField(max_length=EMAIL_LENGTH)
    name = models.CharField(max_length=128, blank=True, default="")
    panelist_id = models.CharField(max_length=64, blank=True, default="")
    wanted = models.BooleanField(default=True)
    synced = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "email"], name="zoom_panelist_unique"),
        ]


class LearnerMessage(models.Model):
    """One e-mail to one learner about one event of a session: the row makes sending idempotent.

    ``event_key`` tells events of the same kind apart (the schedule of a reschedule, the start of
    a reminder); the unique constraint means a message is claimed once, whatever the workers do.
    """

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("Registration confirmed")
        PROMOTED = "promoted", _("Moved off the waitlist")
        RESCHEDULED = "rescheduled", _("Rescheduled")
        CANCELLED = "cancelled", _("Cancelled")
        REMINDER = "reminder", _("Reminder")

    session = models.ForeignKey(ZoomSession, on_delete=models.CASCADE, related_name="messages")
    user_id = models.IntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    event_key = models.CharField(max_length=64, blank=True, default="")
    schedule_key = models.CharField(max_length=40, blank=True, default="",
                                    help_text="The schedule the learner was told about")
    sent_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user_id", "kind", "event_key"],
                                    name="zoom_learner_message_once"),
        ]


class CalendarFeed(models.Model):
    """A learner's private calendar feed of a course's Zoom sessions (the token is the key)."""

    user_id = models.IntegerField()
    course_key = models.CharField(max_length=KEY_LENGTH)
    token = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_id", "course_key"], name="zoom_feed_unique"),
        ]


class WebhookEvent(models.Model):
    """A Zoom webhook, stored once (Zoom retries deliver duplicates) and applied by a task."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        APPLIED = "applied", _("Applied")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    dedupe_key = models.CharField(max_length=64, unique=True)
    event = models.CharField(max_length=64, db_index=True)
    endpoint = models.CharField(max_length=16)
    zoom_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    event_ts = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Failed attempts to apply it (the sweep retries up to the limit)")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "received_at"], name="zoom_webhook_pending")]


class AttendanceInterval(models.Model):
    """One stretch of time someone spent in a session (from a webhook or Zoom's report)."""

    class Source(models.TextChoices):
        WEBHOOK = "webhook", _("Webhook")
        REPORT = "report", _("Zoom report")

    session = models.ForeignKey(ZoomSession, on_delete=models.CASCADE, related_name="attendance")
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.SET_NULL, related_name="intervals"
    )
    participant_key = models.CharField(max_length=128, help_text="participant uuid, or user id")
    registrant_id = models.CharField(max_length=64, blank=True, default="")
    email = models.CharField(max_length=EMAIL_LENGTH, blank=True, default="")
    name = models.CharField(max_length=255, blank=True, default="")
    join_time = models.DateTimeField()
    leave_time = models.DateTimeField(null=True, blank=True)
    signed_in = models.BooleanField(
        default=False, help_text="Zoom said the person was signed in to a user of the account")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEBHOOK)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "participant_key", "join_time"], name="zoom_interval_unique"
            ),
        ]
        indexes = [models.Index(fields=["session", "registration"], name="zoom_interval_reg")]


class Recording(models.Model):
    """A cloud recording of a session (``recording.completed``)."""

    session = models.ForeignKey(ZoomSession, on_delete=models.CASCADE, related_name="recordings")
    recording_key = models.CharField(max_length=128, help_text="Zoom's meeting uuid")
    share_url = models.CharField(max_length=1024)
    topic = models.CharField(max_length=255, blank=True, default="")
    recorded_at = models.DateTimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    files = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "recording_key"],
                                    name="zoom_recording_unique"),
        ]


class SessionAlert(models.Model):
    """Something course staff must know: Zoom-side edits, deletions, quotas, failures."""

    class Kind(models.TextChoices):
        DRIFT = "drift", _("Changed in Zoom")
        DELETED_IN_ZOOM = "deleted_in_zoom", _("Deleted in Zoom")
        REGISTRANT_CHANGED_IN_ZOOM = "registrant_changed", _("Registrant changed in Zoom")
        QUOTA = "quota", _("Zoom daily limit reached")
        SYNC_FAILED = "sync_failed", _("Sync failed")
        RECONCILIATION = "reconciliation", _("Differences found in Zoom")
        REGISTRATION_REFUSED = "registration_refused", _("Zoom refuses every registration")
        REMOVED_FROM_COURSE = "removed_from_course", _("Removed from the course")

    session = models.ForeignKey(ZoomSession, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    message = models.TextField()
    details = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["session", "resolved_at"], name="zoom_alert_open")]


class SyncRun(models.Model):
    """One pass of the participant sync over a session, with its progress and outcome."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Done")
        PARTIAL = "partial", _("Done with failures")
        DEFERRED = "deferred", _("Deferred by Zoom's limits")
        FAILED = "failed", _("Failed")

    session = models.ForeignKey(ZoomSession, on_delete=models.CASCADE, related_name="sync_runs")
    trigger = models.CharField(max_length=32)
    full = models.BooleanField(default=False, help_text="Full reconciliation with Zoom's list")
    task_id = models.CharField(max_length=64, blank=True, default="")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    waitlisted = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    zoom_calls = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["session", "started_at"], name="zoom_syncrun_recent")]
