"""Account hygiene (issue 16): the offline Pwned Passwords service lives in ``creds.pwned``.

Nothing in this package stores or prints a password or a full hash: passwords are hashed in
memory, and what leaves a process is at most a 5-hex prefix (the range API's k-anonymity).
"""
