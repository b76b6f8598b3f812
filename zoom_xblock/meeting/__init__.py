"""The meeting in Zoom: the desired state an author saves, the meeting's lifecycle (create,
update, delete in Zoom), drift (changes made in Zoom itself), and organizers (who may host,
and the e-mails they get)."""
