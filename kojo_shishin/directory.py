"""Sign-in with the office directory (LDAP / Active Directory) through django-auth-ldap.

Off unless DJANGO_LDAP_SERVER_URI is set. A person found in the directory gets (or
keeps) a local account of the same user name, with name and mail from the directory
and no usable local password; what they may do still comes from their memberships
(the roster). Local accounts (the superusers, above all) keep signing in with their
own password when the directory cannot be reached.
"""

import ldap
from django.conf import settings
from django.contrib.auth.backends import RemoteUserBackend
from django.contrib.auth.middleware import PersistentRemoteUserMiddleware
from django.core.exceptions import ValidationError
from django_auth_ldap.backend import LDAPBackend, ldap_error
from django_auth_ldap.config import ActiveDirectoryGroupType, GroupOfNamesType, LDAPSearch

from kojo_shishin.sign_in import SignInForm as LengthCheckedSignInForm

from .env import env_bool, env_int, env_str

UNREACHABLE = (ldap.SERVER_DOWN, ldap.TIMEOUT, ldap.CONNECT_ERROR)
DIRECTORY_DOWN = (
    "庁内ディレクトリ（Active Directory / LDAP）に接続できないため、ディレクトリのアカウントでは"
    "ログインできませんでした。しばらくしてからもう一度お試しください。"
    "続くときは情報システム担当に連絡してください。"
)


def directory_settings() -> dict:
    """The AUTH_LDAP_* settings from the environment (see README, 庁内ディレクトリでのログイン)."""
    timeout = env_int("DJANGO_LDAP_TIMEOUT", 5)
    options = {
        ldap.OPT_NETWORK_TIMEOUT: timeout,
        ldap.OPT_TIMEOUT: timeout,
        ldap.OPT_REFERRALS: 0,  # Active Directory's referrals need another bind; never follow them
    }
    if ca_file := env_str("DJANGO_LDAP_CA_FILE"):
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
        options[ldap.OPT_X_TLS_NEWCTX] = 0
    config = {
        "AUTH_LDAP_SERVER_URI": env_str("DJANGO_LDAP_SERVER_URI"),
        "AUTH_LDAP_START_TLS": env_bool("DJANGO_LDAP_START_TLS", default=False),
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_USER_ATTR_MAP": {
            "first_name": env_str("DJANGO_LDAP_ATTR_FIRST_NAME", "givenName"),
            "last_name": env_str("DJANGO_LDAP_ATTR_LAST_NAME", "sn"),
            "email": env_str("DJANGO_LDAP_ATTR_EMAIL", "mail"),
        },
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_CACHE_TIMEOUT": 0,
    }
    if upn := env_str("DJANGO_LDAP_USER_UPN"):
        # Active Directory: bind straight as the person (例: %(user)s@city.local), no service account.
        config["AUTH_LDAP_USER_DN_TEMPLATE"] = upn
        config["AUTH_LDAP_BIND_AS_AUTHENTICATING_USER"] = True
    else:
        config["AUTH_LDAP_BIND_DN"] = env_str("DJANGO_LDAP_BIND_DN", "")
        config["AUTH_LDAP_BIND_PASSWORD"] = env_str("DJANGO_LDAP_BIND_PASSWORD", "")
        config["AUTH_LDAP_USER_SEARCH"] = LDAPSearch(
            env_str("DJANGO_LDAP_USER_SEARCH_BASE", ""),
            ldap.SCOPE_SUBTREE,
            env_str("DJANGO_LDAP_USER_FILTER", "(uid=%(user)s)"),
        )
    if group_base := env_str("DJANGO_LDAP_GROUP_SEARCH_BASE"):
        active_directory = env_str("DJANGO_LDAP_GROUP_TYPE", "groupOfNames").lower() == "activedirectory"
        config["AUTH_LDAP_GROUP_SEARCH"] = LDAPSearch(
            group_base,
            ldap.SCOPE_SUBTREE,
            "(objectClass=group)" if active_directory else "(objectClass=groupOfNames)",
        )
        config["AUTH_LDAP_GROUP_TYPE"] = (
            ActiveDirectoryGroupType() if active_directory else GroupOfNamesType()
        )
        flags = {}
        if group := env_str("DJANGO_LDAP_SUPERUSER_GROUP"):
            flags["is_superuser"] = group
        if group := env_str("DJANGO_LDAP_STAFF_GROUP"):
            flags["is_staff"] = group
        if flags:
            # The flags follow the group on every sign-in: removed from the group, the rights go too.
            config["AUTH_LDAP_USER_FLAGS_BY_GROUP"] = flags
        if group := env_str("DJANGO_LDAP_REQUIRE_GROUP"):
            config["AUTH_LDAP_REQUIRE_GROUP"] = group
    return config


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend; only the name is ours, so settings and README can point at one place."""


def is_directory_user(user) -> bool:
    """A signed-in person whose password lives in the directory (no usable local password)."""
    return user.is_authenticated and not user.has_usable_password()


def _note_unreachable(sender, context, user, request, exception, **kwargs):
    if request is not None and isinstance(exception, UNREACHABLE):
        request.directory_unreachable = True


ldap_error.connect(_note_unreachable, dispatch_uid="kojo_directory_unreachable")


class SignInForm(LengthCheckedSignInForm):
    """The login form; says so when the directory could not be reached instead of "wrong password"."""

    def get_invalid_login_error(self):
        if getattr(self.request, "directory_unreachable", False):
            return ValidationError(DIRECTORY_DOWN, code="directory_unreachable")
        return super().get_invalid_login_error()


class TrustedHeaderMiddleware(PersistentRemoteUserMiddleware):
    """Single sign-on through a trusted proxy that puts the signed-in user name in a header.

    Off unless DJANGO_REMOTE_USER_HEADER is set. Only safe when every request passes through that
    proxy and the proxy removes the header from what clients send.
    """

    @property
    def header(self):
        return settings.REMOTE_USER_HEADER


class TrustedHeaderBackend(RemoteUserBackend):
    # Only accounts the roster or the directory already made: a header cannot create people.
    create_unknown_user = False
