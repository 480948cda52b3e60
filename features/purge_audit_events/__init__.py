"""`python main.py purge-audit-events`: delete audit events older than AUDIT_RETENTION_DAYS."""
