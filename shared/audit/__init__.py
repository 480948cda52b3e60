"""The audit room: security events as rows beside the change they record; framework-free."""
