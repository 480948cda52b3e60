"""`python main.py command-slice`: command slice (say what the operator uses it for)."""
