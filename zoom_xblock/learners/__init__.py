"""The learners: who may attend (eligibility), their registrations in Zoom (sync), Join, what a
learner sees, their calendars and e-mails, their views, and account retirement."""
