"""A SoftHSM2 token (Debian `softhsm2`) made for the tests in a temporary folder: initialised,
then the agency's key and certificate from the test CA imported, as an HSM holds them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

MODULE_PATHS = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
)
TOKEN = "qlvb-coquan"
KEY_LABEL = "khoa-con-dau"
USER_PIN = "246810"
SO_PIN = "13579135"


def module() -> str | None:
    return next((p for p in MODULE_PATHS if Path(p).exists()), None)


def missing() -> str:
    """Why SoftHSM2 cannot be used here, or "" when it can."""
    if not shutil.which("softhsm2-util") or module() is None:
        return "softhsm2 (Debian) is not installed: scripts/ensure-system-packages.sh installs it"
    return ""


def make_token(folder: Path, issued) -> None:
    """A fresh token in `folder` (SOFTHSM2_CONF must point at folder/softhsm2.conf before the
    PKCS#11 library is first loaded in this process) holding `issued`'s key and certificate."""
    import pkcs11
    from asn1crypto.core import Integer
    from pkcs11 import Attribute, CertificateType, ObjectClass

    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SOFTHSM2_CONF": str(folder / "softhsm2.conf")}
    run = {"check": True, "capture_output": True, "env": env}
    subprocess.run(
        [
            *("softhsm2-util", "--init-token", "--free", "--label", TOKEN),
            *("--so-pin", SO_PIN, "--pin", USER_PIN),
        ],
        **run,
    )
    key_file = folder / "key.pem"
    key_file.write_bytes(issued.key_pem())
    subprocess.run(
        [
            *("softhsm2-util", "--import", str(key_file), "--token", TOKEN),
            *("--label", KEY_LABEL, "--id", "01", "--pin", USER_PIN),
        ],
        **run,
    )
    key_file.unlink()
    token = pkcs11.lib(module()).get_token(token_label=TOKEN)
    with token.open(user_pin=USER_PIN, rw=True) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: KEY_LABEL,
                Attribute.ID: b"\x01",
                Attribute.VALUE: issued.cert_der,
                Attribute.SUBJECT: issued.cert.subject.public_bytes(),
                Attribute.ISSUER: issued.cert.issuer.public_bytes(),
                Attribute.SERIAL_NUMBER: Integer(issued.cert.serial_number).dump(),
            }
        )


def write_conf(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\n"
        "objectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
    )
    return conf
