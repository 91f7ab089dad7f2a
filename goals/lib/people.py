"""How a person is named wherever the app shows who did something."""


def display_name(user, *, absent: str = "") -> str:
    """The full name as the roster gives it, else the user name; `absent` when nobody is recorded.

    `absent` names the situation: history written outside a request has no
    user, a mail about an unknown person still needs a word.
    """
    if user is None:
        return absent
    return user.get_full_name() or user.get_username()
