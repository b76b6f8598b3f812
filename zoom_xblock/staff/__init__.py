"""Course staff and operators: registrant reports, the health check, the CSV view, moving
sessions between Zoom accounts."""
