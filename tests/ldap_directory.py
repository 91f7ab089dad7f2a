"""A real OpenLDAP server (Debian's slapd) for the directory sign-in tests, on a loopback port.

It runs from a temporary folder with its own slapd.conf and mdb database, holds a tiny
directory (dc=kojo,dc=test: two people and one group) loaded with ldapadd, and is stopped
when the tests end. Every wait is bounded.
"""

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SUFFIX = "dc=kojo,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "slapd-admin-secret"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
ADMINS_GROUP = f"cn=kojo-admins,{GROUPS}"
SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SCHEMA = Path("/etc/ldap/schema")
PASSWORDS = {
    "tanaka": "tanaka-directory-pass-1",
    "suzuki": "suzuki-directory-pass-2",
    "sato": "sato-directory-pass-3",
}

SEED = f"""
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
o: Kojo Test
dc: kojo

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups

dn: uid=tanaka,{PEOPLE}
objectClass: inetOrgPerson
uid: tanaka
cn: 田中 一郎
sn: 田中
givenName: 一郎
mail: tanaka@example.invalid
userPassword: {PASSWORDS["tanaka"]}

dn: uid=suzuki,{PEOPLE}
objectClass: inetOrgPerson
uid: suzuki
cn: 鈴木 花子
sn: 鈴木
givenName: 花子
mail: suzuki@example.invalid
userPassword: {PASSWORDS["suzuki"]}

dn: uid=sato,{PEOPLE}
objectClass: inetOrgPerson
uid: sato
cn: 佐藤 次郎
sn: 佐藤
givenName: 次郎
mail: sato@example.invalid
userPassword: {PASSWORDS["sato"]}

dn: {ADMINS_GROUP}
objectClass: groupOfNames
cn: kojo-admins
member: uid=suzuki,{PEOPLE}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Directory:
    uri: str
    process: subprocess.Popen
    folder: Path
    log: object

    def ldif(self, tool: str, text: str) -> None:
        subprocess.run(
            [shutil.which(tool) or tool, "-x", "-H", self.uri, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
            input=text.encode(),
            check=True,
            capture_output=True,
            timeout=20,
        )

    def delete(self, dn: str) -> None:
        subprocess.run(
            [
                shutil.which("ldapdelete") or "ldapdelete",
                "-x",
                "-H",
                self.uri,
                "-D",
                ADMIN_DN,
                "-w",
                ADMIN_PASSWORD,
                dn,
            ],
            check=True,
            capture_output=True,
            timeout=20,
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.log.close()


def start(folder: Path) -> Directory:
    database = folder / "db"
    database.mkdir()
    conf = folder / "slapd.conf"
    conf.write_text(
        "\n".join(
            [
                *(f"include {SCHEMA / name}.schema" for name in ("core", "cosine", "inetorgperson")),
                f"pidfile {folder / 'slapd.pid'}",
                "modulepath /usr/lib/ldap",
                "moduleload back_mdb",
                "database mdb",
                "maxsize 10485760",
                f'suffix "{SUFFIX}"',
                f'rootdn "{ADMIN_DN}"',
                f"rootpw {ADMIN_PASSWORD}",
                f"directory {database}",
                # People may bind; nobody reads passwords; the rest is readable after a bind.
                "access to attrs=userPassword by anonymous auth by * none",
                "access to * by * read",
                "",
            ]
        )
    )
    port = free_port()
    uri = f"ldap://127.0.0.1:{port}"
    # -d 0: stay in the foreground so the test owns the process and its end.
    # Kept open for the server's life; stop() closes it.
    log = open(folder / "slapd.log", "wb")
    process = subprocess.Popen([SLAPD, "-f", str(conf), "-h", uri + "/", "-d", "0"], stdout=log, stderr=log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.close()
            raise RuntimeError("slapd stopped: " + (folder / "slapd.log").read_text(errors="replace")[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        process.wait(timeout=10)
        log.close()
        raise RuntimeError("slapd did not start listening within 20 s")
    directory = Directory(uri, process, folder, log)
    directory.ldif("ldapadd", SEED)
    return directory
