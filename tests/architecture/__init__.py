"""Architecture: what lets feature teams work alone, checked on every run."""
