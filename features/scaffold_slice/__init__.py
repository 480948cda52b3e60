"""`python main.py new-slice verb_noun [--command]`: write a new slice's files."""
