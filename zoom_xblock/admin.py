"""Django admin: operators choose a course's Zoom account (course staff only see it)."""
from django import forms
from django.contrib import admin, messages

from zoom_xblock import accounts
from zoom_xblock.models import CourseZoomAccount


class CourseZoomAccountForm(forms.ModelForm):
    """Refuses an unknown account, and a move while the course has meetings not over."""

    class Meta:
        model = CourseZoomAccount
        fields = ("course_key", "account", "note")

    def clean(self):
        cleaned = super().clean()
        course_key, account = cleaned.get("course_key"), cleaned.get("account")
        if course_key and account:
            refusal = accounts.move_refusal(course_key, account)
            if refusal:
                raise forms.ValidationError(refusal)
        return cleaned


@admin.register(CourseZoomAccount)
class CourseZoomAccountAdmin(admin.ModelAdmin):
    """One row per course whose account differs from its organisation's or the site's."""

    form = CourseZoomAccountForm
    list_display = ("course_key", "account", "note", "modified")
    search_fields = ("course_key", "account")

    def delete_model(self, request, obj):
        """Deleting the row moves the course back to its organisation's account: refused
        while meetings in the current account are not over (like a change)."""
        try:
            accounts.clear_course_account(obj.course_key)
        except ValueError as error:
            self.message_user(request, str(error), level=messages.ERROR)
