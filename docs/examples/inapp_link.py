"""Sign a link that opens the Comptoir support portal, already logged in.

Needs PyJWT (pip install PyJWT). Run: COMPTOIR_SECRET=... python inapp_link.py
"""

import os
import time
import uuid
from urllib.parse import urlencode

import jwt

COMPTOIR_URL = os.environ.get("COMPTOIR_URL", "https://support.example.com")
INTEGRATION = os.environ.get("COMPTOIR_INTEGRATION", "my-app")  # the integration's identifier
SECRET = os.environ["COMPTOIR_SECRET"]  # shown once, when the integration was created


def support_link(email, name, org_id, org_name, product=None, account=None, next_path=None):
    now = int(time.time())
    claims = {
        "iss": INTEGRATION,
        "iat": now,
        "exp": now + 120,  # two minutes: the link is opened at once
        "jti": uuid.uuid4().hex,  # unique: each link works once
        "email": email,
        "name": name,
        "org_id": org_id,
        "org_name": org_name,
    }
    if product:
        claims["product"] = product
    if account:
        claims["account"] = account
    if next_path:
        claims["next"] = next_path
    token = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": INTEGRATION})
    return f"{COMPTOIR_URL}/integrations/enter/?{urlencode({'token': token})}"


if __name__ == "__main__":
    print(
        support_link(
            "marie@lutins.example",
            "Marie Martin",
            org_id="C-1042",
            org_name="Crèche Les Lutins",
            product="Planning",
            account="LUTINS-75",
        )
    )
