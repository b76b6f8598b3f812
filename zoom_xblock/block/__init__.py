"""The block: the XBlock itself, its Studio editor, its staff panel, and publishing (Studio's
drafts becoming the sessions learners and Zoom follow)."""
