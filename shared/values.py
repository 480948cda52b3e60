"""Value rules every slice applies the same way: ids a row can have, text without control codes."""

# The largest id a 64-bit primary key holds; a larger one would overflow the database driver.
MAX_ROW_ID = 2**63 - 1

# Any Unicode but C0 controls and DEL: a NUL byte never reaches the database, and a newline
# never reaches a log line.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]*$"


def is_row_id(value: int) -> bool:
    """Whether some row could have this id (1 to MAX_ROW_ID): any other is simply not found."""
    return 0 < value <= MAX_ROW_ID
