"""Mail: templates, the transactional outbox, the sender task and SMTP delivery.

A slice queues a message in its own transaction (`outbox.enqueue(session, ...)`), so the
message exists exactly when the change that asks for it does. After the commit the sender
(one asyncio task per worker, started by create_app's lifespan) claims due messages with a
lease, delivers them over SMTP (or to the log when SMTP_HOST is empty) and retries failures
with exponential backoff up to MAIL_MAX_ATTEMPTS. Framework-free: nothing here imports
FastAPI or Starlette.
"""
