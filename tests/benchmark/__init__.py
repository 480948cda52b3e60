"""The load benchmark (`make bench`): not collected by pytest, run as a script."""
