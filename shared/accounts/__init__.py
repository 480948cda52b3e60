"""The accounts room: who the caller is, and the rules that guard every account; framework-free."""
